"""Retakes (补考) per part, by the rule set in force on the exam date (no database; no rule number here).

Each earlier attempt on the same training completion used up one attempt at the part it failed: an absence or a
failed theory uses a theory attempt, a passed theory with a failed practical a practical attempt. When the last
attempt at a part is used, the rule set says what follows: ``retrain`` (a new training completion starts over) or
``theory_again`` (the candidate registers for the theory again, without retraining).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Policy:
    theory_attempts: int | None  # None: unlimited
    practical_attempts: int | None
    after_last_failure: str  # retrain | theory_again


def failed_part(status: str, passed: bool | None, theory_passed: bool | None) -> str | None:
    """The part an earlier registration failed ("theory" | "practical"), or None (passed or still open)."""
    if status == "absent" or theory_passed is False:
        return "theory"
    if passed is False:
        return "practical" if theory_passed else "theory"
    return None


def refusal(failed: list[str], policy: Policy) -> str | None:
    """Why one more attempt is refused under ``policy`` after the failed parts ``failed`` (None: allowed)."""
    theory, practical = failed.count("theory"), failed.count("practical")
    if policy.theory_attempts is not None and theory >= policy.theory_attempts:
        return str(_l("理论考试已考 %(n)s 次未通过（规则允许 %(n)s 次），需重新参加培训", n=policy.theory_attempts))
    if (policy.practical_attempts is not None and practical >= policy.practical_attempts
            and policy.after_last_failure == "retrain"):
        return str(_l("实操考试已考 %(n)s 次未通过（规则允许 %(n)s 次），需重新参加培训", n=policy.practical_attempts))
    return None
