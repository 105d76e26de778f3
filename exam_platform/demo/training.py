"""Demo data for training: a running 低压电工 (T-1.2) class with attendance and a completion for ``trainee``, an
open 危化主要负责人 (PRINCIPAL-HAZCHEM) class, and a few lessons for each — all at the demo institution.

Puts ``ctx.extra["training"]`` = {"classes": {code: TrainingClass}, "completion": TrainingCompletion,
"enrollments": {(code, username): Enrollment}, "lessons": {code: [Lesson]}} for later areas.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy.orm import Session

from ..catalog.service import get_category
from ..clock import SHANGHAI, today_local
from ..training import attendance, classes, completions, courseware, enrollment

LESSONS = {
    "T-1.2": [
        ("触电事故与现场急救", 30, """## 学习目标

- 了解电流对人体的伤害方式；
- 掌握**脱离电源**的正确方法和心肺复苏要点。

## 一、电流对人体的伤害

电击是电流通过人体内部造成的伤害，电伤是电流的热效应、化学效应等对人体外部造成的伤害。
通过人体的电流越大、时间越长、途径经过心脏，危险越大。

## 二、使触电者脱离电源

1. 低压触电：就近拉开电源开关、拔出插头，或用干燥的绝缘物挑开电线；
2. 救护人不得用手直接拉触电者，不得使用金属或潮湿的物件；
3. 在高处触电时，要防止触电者脱离电源后坠落。

## 三、心肺复苏

| 步骤 | 要点 |
|---|---|
| 判断 | 呼叫、轻拍双肩，观察胸廓起伏 |
| 胸外按压 | 频率 100–120 次/分钟，深度 5–6 厘米 |
| 开放气道 | 仰头举颏，清除口中异物 |
"""),
        ("低压电器的安全使用", 20, """## 低压电器

低压电器指交流 1200 V、直流 1500 V 及以下的电器。

- 刀开关不能带负荷拉闸；
- 熔断器熔体的额定电流应与线路负荷相匹配，**严禁用铜丝代替**；
- 漏电保护器应每月按试验按钮检查一次。
"""),
    ],
    "PRINCIPAL-HAZCHEM": [
        ("主要负责人的安全生产职责", 45, """## 《安全生产法》规定的主要负责人职责

1. 建立健全并落实全员安全生产责任制，加强安全生产标准化建设；
2. 组织制定并实施安全生产规章制度和操作规程；
3. 组织制定并实施安全生产教育和培训计划；
4. 保证安全生产投入的有效实施；
5. 组织建立并落实安全风险分级管控和隐患排查治理双重预防工作机制；
6. 组织制定并实施生产安全事故应急救援预案；
7. 及时、如实报告生产安全事故。
"""),
        ("危险化学品重大危险源管理", 30, """## 重大危险源

单元内危险化学品的数量等于或超过临界量即构成重大危险源。企业应当对重大危险源进行辨识、
分级、登记建档，并设置监测监控系统，定期检测、评估。
"""),
    ],
}


def _at(day, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(UTC)


def seed(session: Session, ctx, *, now: datetime, large: bool = False) -> None:
    institution, trainer = ctx.orgs["institution"], ctx.users["trainer"]
    today = today_local(now)
    made: dict = {"classes": {}, "enrollments": {}, "lessons": {}}

    for code, items in LESSONS.items():
        category = get_category(session, code)
        made["lessons"][code] = [
            courseware.create_lesson(session, actor=trainer, institution_id=institution.id, category_id=category.id,
                                     title=title, body=body, minutes=minutes, published=True, now=now)
            for title, minutes, body in items]

    # 低压电工作业 初训: 12 half days already taught (48 学时), one more tomorrow; running.
    t12 = get_category(session, "T-1.2")
    cls = classes.create_class(session, actor=trainer, institution_id=institution.id, category_id=t12.id,
                               kind="initial", title="低压电工作业初训班（示范）", starts_on=today - timedelta(days=14),
                               ends_on=today + timedelta(days=7), capacity=40, contact="周老师 0791-88888888",
                               now=now)
    for i in range(12):
        day = today - timedelta(days=14 - i)
        classes.add_session(session, actor=trainer, training_class=cls, starts_at=_at(day, 8, 30),
                            ends_at=_at(day, 12, 30), credit_minutes=240, place="第一教室", teacher="李建华",
                            topic=f"第{i + 1}讲", now=now)
    classes.add_session(session, actor=trainer, training_class=cls, starts_at=_at(today + timedelta(days=1), 14),
                        ends_at=_at(today + timedelta(days=1), 17), credit_minutes=180, place="实训车间",
                        teacher="李建华", topic="实操训练", now=now)
    classes.change_status(session, actor=trainer, training_class=cls, status="open", now=now)
    classes.change_status(session, actor=trainer, training_class=cls, status="running", now=now)
    for username in ("trainee", "trainee2", "trainee3"):
        user = ctx.users[username]
        done = enrollment.enroll_one(session, actor=trainer, training_class=cls, real_name=user.real_name,
                                     id_type=user.id_type, id_number=user.id_number, phone=user.phone,
                                     employer_name=ctx.orgs["employer"].name, now=now)
        made["enrollments"][("T-1.2", username)] = done.enrollment
    by_user = {u: made["enrollments"][("T-1.2", u)].id for u in ("trainee", "trainee2", "trainee3")}
    for i, s in enumerate(cls.sessions[:12]):
        marks = {by_user["trainee"]: ("present", None),
                 by_user["trainee2"]: ("absent", None) if i == 5 else ("late", 30) if i == 2 else ("present", None)}
        if i < 6:
            marks[by_user["trainee3"]] = ("present", None)
        attendance.record_sheet(session, actor=trainer, class_session=s, marks=marks, now=now)
    made["completion"] = completions.issue(session, actor=trainer,
                                           enrollment=made["enrollments"][("T-1.2", "trainee")], now=now)
    made["classes"]["T-1.2"] = cls

    # 危险化学品主要负责人 初训: 48 学时 from next week; open for enrolment.
    hazchem = get_category(session, "PRINCIPAL-HAZCHEM")
    start = today + timedelta(days=7)
    cls2 = classes.create_class(session, actor=trainer, institution_id=institution.id, category_id=hazchem.id,
                                kind="initial", title="危化企业主要负责人培训班（示范）", starts_on=start,
                                ends_on=start + timedelta(days=13), capacity=60, contact="周老师 0791-88888888",
                                final_test=True, final_test_pass_mark=80, now=now)
    for i in range(12):
        day = start + timedelta(days=i)
        classes.add_session(session, actor=trainer, training_class=cls2, starts_at=_at(day, 9),
                            ends_at=_at(day, 13), credit_minutes=240, place="第二教室", teacher="王志强",
                            topic=f"专题{i + 1}", now=now)
    classes.change_status(session, actor=trainer, training_class=cls2, status="open", now=now)
    for username in ("trainee", "trainee2"):
        user = ctx.users[username]
        done = enrollment.enroll_one(session, actor=trainer, training_class=cls2, real_name=user.real_name,
                                     id_type=user.id_type, id_number=user.id_number, phone=user.phone,
                                     employer_name=ctx.orgs["employer"].name, now=now)
        made["enrollments"][("PRINCIPAL-HAZCHEM", username)] = done.enrollment
    made["classes"]["PRINCIPAL-HAZCHEM"] = cls2
    ctx.extra["training"] = made
