"""Certificates (证书): issuance, signed QR tokens, public verification, registry, 复审/换证, suspension, revocation.

Its hooks into exams (``hooks.install``) are installed by ``create_app``, not by importing this package.
"""
