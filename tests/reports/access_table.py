from tests.access import EXAM_READERS, INSTITUTION, REGULATOR, R

READERS = {R.REGULATOR, R.QUESTION_AUTHOR, R.CENTRE_STAFF, R.INSTITUTION_STAFF}
CENTRE_READERS = {R.REGULATOR, R.CENTRE_STAFF}
INSTITUTION_READERS = {R.REGULATOR, R.INSTITUTION_STAFF}

ACCESS = {
    "reports.index": READERS,
    "reports.definitions": READERS,
    "reports.regulator": REGULATOR,
    "reports.regulator_export": REGULATOR,
    "reports.publication": REGULATOR,
    "reports.publication_export": REGULATOR,
    "reports.targets_page": REGULATOR,
    "reports.target_delete": REGULATOR,
    "reports.workforce": REGULATOR,
    "reports.workforce_delete": REGULATOR,
    "reports.officials_page": REGULATOR,
    "reports.official_training": REGULATOR,
    "reports.official_delete": REGULATOR,
    "reports_org.centre_home": {R.CENTRE_STAFF},
    "reports_org.centre": CENTRE_READERS,
    "reports_org.centre_export": CENTRE_READERS,
    "reports_org.institution_home": INSTITUTION,
    "reports_org.institution": INSTITUTION_READERS,
    "reports_org.institution_export": INSTITUTION_READERS,
    "reports_items.index": EXAM_READERS,
    "reports_items.blueprint": EXAM_READERS,
    "reports_items.bank": EXAM_READERS,
    "reports_items.sitting": EXAM_READERS,
    "reports_items.blueprint_export": EXAM_READERS,
    "reports_items.version": EXAM_READERS,
    "reports_api.overview": REGULATOR,
    "reports_api.publication": REGULATOR,
    "reports_api.target_progress": REGULATOR,
    "reports_api.workforce": REGULATOR,
    "reports_api.centre": CENTRE_READERS,
    "reports_api.institution": INSTITUTION_READERS,
    "reports_api.item_statistics": EXAM_READERS,
}
