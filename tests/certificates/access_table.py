from tests.access import CANDIDATES, INSTITUTION, PUBLIC, REGULATOR, R

HOLDER_READERS = {R.CANDIDATE, R.REGULATOR, R.INSTITUTION_STAFF}
HOLDER_AND_REGULATOR = {R.CANDIDATE, R.REGULATOR}

ACCESS = {
    # public verification (no login)
    "certificates_public.verify": PUBLIC,
    "certificates_public.identity": PUBLIC,
    "certificates_public.lookup": PUBLIC,
    "certificates_public.public_keys": PUBLIC,
    "certificates_api.verify": PUBLIC,
    "certificates_api.identity": PUBLIC,
    "certificates_api.public_keys": PUBLIC,
    # holder (and, object-checked, regulator / own trainees' institution)
    "certificates.mine": CANDIDATES,
    "certificates.detail": HOLDER_READERS,
    "certificates.review_apply": CANDIDATES,
    "certificates.verifications": HOLDER_AND_REGULATOR,
    "certificates.print_view": HOLDER_AND_REGULATOR,
    "certificates.pdf": HOLDER_AND_REGULATOR,
    "certificates.trainees": INSTITUTION,
    # issuing authority
    "registry.index": REGULATOR,
    "registry.export": REGULATOR,
    "registry.pending": REGULATOR,
    "registry.approve": REGULATOR,
    "registry.detail": REGULATOR,
    "registry.act": REGULATOR,
    "registry.review_queue": REGULATOR,
    "registry.review_decide": REGULATOR,
    "registry.signing_keys": REGULATOR,
}
