"""Who may open each route of the banks area (object-level checks have their own tests).

Institution staff reach the bank pages at role level because they own practice banks; every exam bank
answers them 404 (tests/banks/test_workbench.py). Blueprints and exam keys: exam authority and regulator only.
"""

from tests.access import AUTHORS, EXAM_READERS, INSTITUTION

BANK_READERS = EXAM_READERS | INSTITUTION
BANK_EDITORS = AUTHORS | INSTITUTION

ACCESS = {
    "banks.index": BANK_READERS,
    "banks.bank_new": BANK_EDITORS,
    "banks.search": BANK_READERS,
    "banks.bank": BANK_READERS,
    "banks.bulk": BANK_EDITORS,
    "banks.export_yaml": BANK_READERS,
    "banks.question_new": BANK_EDITORS,
    "banks.question": BANK_READERS,
    "banks.question_edit": BANK_EDITORS,
    "banks.question_diff": BANK_READERS,
    "banks.question_preview": BANK_READERS,
    "banks.question_retire": BANK_EDITORS,
    "banks.question_restore": BANK_EDITORS,
    "banks.question_review": BANK_EDITORS,
    "banks.question_successor": BANK_EDITORS,
    "banks.picture": BANK_READERS,
    "bank_sheets.template": BANK_EDITORS,
    "bank_sheets.export": BANK_READERS,
    "bank_sheets.upload": BANK_EDITORS,
    "bank_sheets.preview": BANK_EDITORS,
    "bank_sheets.confirm": BANK_EDITORS,
    "bank_sheets.job": BANK_EDITORS,
    "bank_sheets.job_progress": BANK_EDITORS,
    "blueprints.index": EXAM_READERS,
    "blueprints.new": AUTHORS,
    "blueprints.detail": EXAM_READERS,
    "blueprints.update": AUTHORS,
    "blueprints.sample": EXAM_READERS,
    "blueprints.sample_pdf": EXAM_READERS,
    "banks_api.blueprint_check": AUTHORS,
}
