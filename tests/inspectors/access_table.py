from tests.access import PUBLIC, R

INSPECTOR = {R.INSPECTOR}
READERS = {R.INSPECTOR, R.REGULATOR}  # an employer never sees inspections
REGULATOR = {R.REGULATOR}

ACCESS = {
    "inspectors.index": READERS,
    "inspectors.new": INSPECTOR,
    "inspectors.detail": READERS,
    "inspectors.sign": INSPECTOR,
    "inspectors.record_page": READERS,
    "inspectors.record_pdf": READERS,
    "inspectors.photo_upload": INSPECTOR,
    "inspectors.photo": READERS,
    # the installable app's shell: no data in it
    "inspectors.manifest": PUBLIC,
    "inspectors.service_worker": PUBLIC,
    "inspectors.jsqr": PUBLIC,
    # the regulator's side
    "inspectors.case_list": REGULATOR,
    "inspectors.case_detail": REGULATOR,
    "inspectors.statistics": REGULATOR,
    "inspectors.credential_list": REGULATOR,
    # JSON
    "inspectors_api.status_list": INSPECTOR,
    "inspectors_api.upload_check": INSPECTOR,
}
