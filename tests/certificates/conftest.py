"""Certificates tests: signing keys in a temporary folder; QR codes point at a fixed public base URL."""

import tempfile

import pytest

PUBLIC_BASE = "https://cert.example.cn"


@pytest.fixture(scope="session", autouse=True)
def _certificate_settings(app):
    saved = {k: app.config.get(k) for k in ("CERT_KEY_DIR", "PUBLIC_BASE_URL")}
    app.config["CERT_KEY_DIR"] = tempfile.mkdtemp(prefix="cert_keys_")
    app.config["PUBLIC_BASE_URL"] = PUBLIC_BASE
    yield
    app.config.update(saved)


def path_of(url: str) -> str:
    assert url.startswith(PUBLIC_BASE + "/v/"), url
    return url[len(PUBLIC_BASE):]


@pytest.fixture()
def appctx(app):
    """A (blank) request context for service tests (key directory, base URL, translated error messages);
    never combine with the test client."""
    with app.test_request_context():
        yield
