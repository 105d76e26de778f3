import pytest

from exam_platform.reports.cache import cache
from exam_platform.reports.items import store


@pytest.fixture(autouse=True)
def _fresh_report_cache():
    """Each test's rolled-back data must not meet another test's cached figures or loaded answers."""
    cache.clear()
    store.clear()
    yield
    cache.clear()
    store.clear()
