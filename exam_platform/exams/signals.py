"""Signals the exams area sends, so that areas to its right (certificates, reports) can react without
exams importing them (dependency direction, DESIGN.md §2).

- ``result_decided(sender, session=…, result=ExamResult, now=datetime)``: a registration's overall result became
  pass or fail (theory graded, and practical scored where required). Sent inside the unit of work; receivers
  add to the same session and must not commit.
"""

from blinker import Namespace

_signals = Namespace()

result_decided = _signals.signal("result-decided")
