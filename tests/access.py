"""Markers for the access tables (tests/<area>/access_table.py)."""

from exam_platform.permissions import Role

PUBLIC = object()     # anyone, logged in or not
ANY_USER = object()   # any logged-in user

R = Role
REGULATOR = {R.REGULATOR}
AUTHORS = {R.QUESTION_AUTHOR}
EXAM_READERS = {R.REGULATOR, R.QUESTION_AUTHOR}
CENTRE = {R.CENTRE_STAFF}
PROCTORS = {R.CENTRE_STAFF, R.PROCTOR}
EXAMINERS = {R.CENTRE_STAFF, R.EXAMINER}
CENTRE_ALL = {R.CENTRE_STAFF, R.PROCTOR, R.EXAMINER}
INSTITUTION = {R.INSTITUTION_STAFF}
CANDIDATES = {R.CANDIDATE}
