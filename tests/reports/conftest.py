import pytest

from exam_platform.reports.cache import cache


@pytest.fixture(autouse=True)
def _fresh_report_cache():
    """Each test's rolled-back data must not meet another test's cached figures."""
    cache.clear()
    yield
    cache.clear()
