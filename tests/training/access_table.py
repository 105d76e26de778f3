from tests.access import CANDIDATES, INSTITUTION, PUBLIC, R

STAFF_OR_REGULATOR = {R.INSTITUTION_STAFF, R.REGULATOR}
COMPLETION_READERS = {R.INSTITUTION_STAFF, R.CANDIDATE, R.REGULATOR}

ACCESS = {
    # classes, timetable, calendar, exports (the regulator reads every institution's classes)
    "training.class_list": STAFF_OR_REGULATOR,
    "training.class_detail": STAFF_OR_REGULATOR,
    "training.export_roster": STAFF_OR_REGULATOR,
    "training.export_hours": STAFF_OR_REGULATOR,
    "training.class_new": INSTITUTION,
    "training.class_edit": INSTITUTION,
    "training.class_status": INSTITUTION,
    "training.session_add": INSTITUTION,
    "training.session_delete": INSTITUTION,
    "training.calendar": INSTITUTION,
    # attendance and the on-site QR code
    "training.attendance_sheet": INSTITUTION,
    "training.attendance_save": INSTITUTION,
    "training.session_qr": INSTITUTION,
    "training.session_qr_png": INSTITUTION,
    # enrollment, a trainee's record, completion issue
    "training.enroll": INSTITUTION,
    "training.enroll_template": INSTITUTION,
    "training.enroll_upload": INSTITUTION,
    "training.enroll_confirm": INSTITUTION,
    "training.enrollment_detail": STAFF_OR_REGULATOR,
    "training.enrollment_withdraw": INSTITUTION,
    "training.enrollment_score": INSTITUTION,
    "training.exemption_new": INSTITUTION,
    "training.enrollment_complete": INSTITUTION,
    # courseware
    "training.lesson_list": INSTITUTION,
    "training.lesson_new": INSTITUTION,
    "training.lesson_edit": INSTITUTION,
    "training.lesson_preview": INSTITUTION,
    "training.lesson_move": INSTITUTION,
    # trainee pages
    "training.my_classes": CANDIDATES,
    "training.my_class": CANDIDATES,
    "training.my_completions": CANDIDATES,
    "training.study": CANDIDATES,
    "training_api.study_beat": CANDIDATES,
    "training.checkin_page": CANDIDATES,
    "training.checkin_submit": CANDIDATES,
    "training.practice_home": CANDIDATES,
    "training.practice_bank": CANDIDATES,
    "training.practice_question": CANDIDATES,
    "training.practice_picture": CANDIDATES,
    "training.practice_answer": CANDIDATES,
    "training.practice_result": CANDIDATES,
    "training.wrong_book": CANDIDATES,
    "training.wrong_remove": CANDIDATES,
    # completion (培训合格证明)
    "training.completion_view": COMPLETION_READERS,
    "training.completion_pdf": COMPLETION_READERS,
    "training.completion_revoke": INSTITUTION,
    "training.completion_check": PUBLIC,
}
