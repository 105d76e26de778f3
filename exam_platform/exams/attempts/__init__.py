"""Attempts (作答): the exam protocol of DESIGN.md §5 — the server is the only clock and the only grader.

- ``start``: start is idempotent (one attempt per registration; a racing second start gets the first attempt); an exam
  attempt is bound to the device that started it (a random token in a cookie of its own, stored hashed); a mock exam
  is self-study with no proctor to unbind it, so it is not: it follows the device that opened it last;
- ``save``: the deadline is ``started_at + minutes + extra``; answers are accepted until deadline + grace, by a
  constant handful of statements;
- ``finish``: submit is a conditional state change, so however many submits race, the attempt is graded once;
  overdue attempts (``Attempt.overdue``) are finalised with their saved answers by the sweeper, and lazily whenever
  touched;
- ``reading``: what the candidate's client and result page read; ``base``: refusals and checks the steps share.

This module is the protocol's interface: views, the API, commands and tests call ``attempts.<function>``.
"""

from .base import DEVICE_MESSAGE, AttemptRefused, device_hash, remaining_seconds
from .finish import finalise_if_overdue, finish, grade, hand_in, submit, sweep
from .reading import (
    answers_of,
    check_not_in_progress,
    get_own_attempt,
    grading_pending,
    outcome,
    registration_with_sitting,
    state_of,
    title_of,
    wrong_answers,
)
from .save import MAX_SEQ, save_answer
from .start import ABANDONED, abandon_mock, resume, resume_writes, running_mock, start_exam, start_mock

__all__ = [
    "ABANDONED", "DEVICE_MESSAGE", "MAX_SEQ", "AttemptRefused", "abandon_mock", "answers_of", "check_not_in_progress",
    "device_hash", "finalise_if_overdue", "finish", "get_own_attempt", "grade", "grading_pending", "hand_in", "outcome",
    "registration_with_sitting",
    "remaining_seconds", "resume", "resume_writes", "running_mock", "save_answer", "start_exam", "start_mock",
    "state_of", "submit", "sweep", "title_of", "wrong_answers",
]
