from tests.access import ANY_USER, CANDIDATES, CENTRE, CENTRE_ALL, EXAMINERS, INSTITUTION, PROCTORS, PUBLIC, R

TICKET = {R.CENTRE_STAFF, R.PROCTOR, R.CANDIDATE}

ACCESS = {
    # centre staff: sittings, registration, results
    "exams.sittings": CENTRE_ALL,
    "exams.sitting_new": CENTRE,
    "exams.sitting_edit": CENTRE,
    "exams.sitting_detail": CENTRE_ALL,
    "exams.sitting_publish": CENTRE,
    "exams.sitting_cancel": CENTRE,
    "exams.sitting_assign": CENTRE,
    "exams.sitting_unassign": CENTRE,
    "exams.sitting_assign_seats": CENTRE,
    "exams.register_one": CENTRE,
    "exams.import_preview": CENTRE,
    "exams.import_confirm": CENTRE,
    "exams.import_template": CENTRE,
    "exams.registration_cancel": CENTRE,
    "exams.ticket": TICKET,
    "exams.ticket_qr": TICKET,
    "exams.ticket_pdf": TICKET,
    "exams.checkin": PROCTORS,
    "exams.mark_absent": PROCTORS,
    # candidate photos: served to the candidate, the regulator and staff of a centre where they are registered
    # (checked per object in the view); taken by the candidate or at the check-in desk
    "exams_photos.photo": ANY_USER,
    "exams_photos.my_photo": CANDIDATES,
    "exams_photos.registration_photo": PROCTORS,
    # exam-room sign-in (考场登录) at the exam computer, and the code slip handed over at check-in
    "exams_room.signin": PUBLIC,
    "exams_room.room_code": PROCTORS,
    "exams.sitting_results": CENTRE_ALL,
    "exams.sitting_results_xlsx": CENTRE,
    "exams.sitting_results_publish": CENTRE,
    # proctors and examiners
    "exams_proctor.console": PROCTORS,
    "exams_proctor.extend_room": PROCTORS,
    "exams_proctor.attempt_action": PROCTORS,
    "exams_proctor.incident": PROCTORS,
    "exams_proctor.room_record": PROCTORS,
    "exams_proctor.practical_list": EXAMINERS,
    "exams_proctor.practical_score": EXAMINERS,
    # candidates
    "exams_my.my_exams": CANDIDATES,
    "exams_my.book": CANDIDATES,
    "exams_my.withdraw": CANDIDATES,
    "exams_my.take": CANDIDATES,
    "exams_my.mock": CANDIDATES,
    "exams_my.restart_mock": CANDIDATES,
    "exams_my.attempt_result": CANDIDATES,
    # training institutions: their trainees' outcomes (never questions)
    "exams_my.institution_results": INSTITUTION,
    # JSON API
    "exams_api.start": CANDIDATES,
    "exams_api.start_mock": CANDIDATES,
    "exams_api.attempt_state": CANDIDATES,
    "exams_api.paper": CANDIDATES,
    "exams_my.picture": CANDIDATES,
    "exams_api.save": CANDIDATES,
    "exams_api.submit": CANDIDATES,
    "exams_api.result": CANDIDATES,
    "exams_api.console": PROCTORS,
}
