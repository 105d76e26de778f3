"""Extract translatable strings per area and update each area's English catalogue.

    python -m exam_platform.tools.i18n            # all areas
    python -m exam_platform.tools.i18n banks      # one area

Sources of an area: ``exam_platform/<area>/**.py`` and ``templates/<area>/**.html``; the core catalogue
(``exam_platform/translations``) covers the package's top-level modules and ``templates/*.html`` + ``templates/core``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from exam_platform.areas import AREAS
from exam_platform.paths import ROOT

PKG = ROOT / "exam_platform"


def sources(area: str | None) -> list[Path]:
    if area is None:
        files = [p for p in PKG.glob("*.py")] + list((ROOT / "templates").glob("*.html"))
        files += list((ROOT / "templates" / "core").rglob("*.html"))
        return files
    return list((PKG / area).rglob("*.py")) + list((ROOT / "templates" / area).rglob("*.html"))


def update(area: str | None) -> None:
    out_dir = (PKG / area / "translations") if area else (PKG / "translations")
    po = out_dir / "en" / "LC_MESSAGES" / "messages.po"
    files = [str(p.relative_to(ROOT)) for p in sources(area)]
    if not files:
        return
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        subprocess.run([str(bin_dir / "pybabel"), "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                        "--no-location", "--sort-output", "-o", str(pot), *files],
                       check=True, cwd=ROOT, capture_output=True)
        if po.exists():
            subprocess.run([str(bin_dir / "pybabel"), "update", "--no-fuzzy-matching", "-i", str(pot),
                            "-d", str(out_dir), "-l", "en", "--ignore-obsolete"], check=True, capture_output=True)
        else:
            subprocess.run([str(bin_dir / "pybabel"), "init", "-i", str(pot), "-d", str(out_dir), "-l", "en"],
                           check=True, capture_output=True)
    print(f"updated {po.relative_to(ROOT)}")


def main(argv: list[str]) -> None:
    targets = argv or [None, *AREAS]
    for area in targets:
        update(area)


if __name__ == "__main__":
    main(sys.argv[1:])
