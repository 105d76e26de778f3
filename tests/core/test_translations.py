"""Every English catalogue is complete: a Chinese-only string in the English UI is a bug."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from exam_platform.paths import ROOT

CATALOGUES = sorted((ROOT / "exam_platform").rglob("translations/en/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_has_no_untranslated_message(po: Path):
    with po.open("rb") as fh:
        catalogue = read_po(fh)
    missing = [m.id for m in catalogue if m.id and not m.string]
    assert not missing, f"{len(missing)} untranslated in {po}: {missing[:5]}"
