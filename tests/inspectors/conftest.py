"""Inspectors tests: certificates are issued for real (signing keys in a temporary folder, as the certificates
tests have them)."""

from tests.certificates.conftest import _certificate_settings, appctx  # noqa: F401 - fixtures
