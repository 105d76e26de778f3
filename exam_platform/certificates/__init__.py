"""Certificates (证书): issuance, signed QR tokens, public verification, registry, 复审/换证, suspension, revocation."""

from .hooks import install as _install_hooks

# Connect to exams' ``result_decided`` signal and register the eligibility checks whenever the app runs.
_install_hooks()
