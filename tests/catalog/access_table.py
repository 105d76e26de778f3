from tests.access import EXAM_READERS, REGULATOR

ACCESS = {
    "catalog.index": EXAM_READERS,
    "catalog.category": EXAM_READERS,
    "catalog.reload": REGULATOR,
    "catalog.rule_versions": EXAM_READERS,
    "catalog.publish": REGULATOR,
    "catalog.export_rules": EXAM_READERS,
}
