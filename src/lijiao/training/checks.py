"""Checks shared by enrollment, attendance and the roster import (SPEC C4, R9, R11).

Everything here is *set-based*: the roster importer calls these for 100,000s of rows, so each function runs a
constant number of queries however many people it is asked about (``person_facts`` and
``evaluate_eligibility`` run none at all).

Facts for eligibility rules (:func:`person_facts`) — program rules (``Program.eligibility_rule``, evaluated by
:func:`lijiao.core.rules.evaluate`) are written against these names:

=========================  =============  ===========================================================
fact                       type           meaning
=========================  =============  ===========================================================
``age``                    int            full years of age on the class's start date
``gender``                 str            ``"M"`` / ``"F"`` (from the citizen ID)
``groups``                 list[str]      codes of :class:`lijiao.people.models.PersonGroup.Group`, sorted
``graduation_year``        int | None     from the ``graduate`` / ``upcoming_graduate`` evidence
``years_since_graduation`` int | None     class start year − graduation year (negative: graduates later)
``insured_months``         int | None     months insured, from the ``insured`` (else ``employee``) evidence
``household``              str            ``"urban"`` / ``"rural"`` / ``""`` (Person.household)
``education``              str            Person.Education code or ``""``
``employed``               bool           given explicitly, else: in ``employee`` / ``insured`` /
                                          ``public_institution``, or an employer is recorded — and not
                                          ``unemployed`` (registered unemployment wins)
``retirement_age_reached`` bool           the statutory retirement age (2025 reform) is reached on the
                                          class start date: computed from the ID's sex and birth date and
                                          the category (:mod:`lijiao.core.retirement`), never typed
``retirement_category``    str            ``male`` / ``female_worker`` / ``female_cadre`` used for it
``retirement_category_assumed`` bool      a woman whose position is not recorded (the later age is used)
``retirement_date``        date           the day the retirement age is reached
``graduation_evidence_days``   int | None  days between the evidence's as-of date and the class start
``unemployment_evidence_days`` int | None  (negative: dated after it); None: no evidence or no date
``insured_evidence_days``      int | None
``graduation_evidence_source`` str        ``register`` / ``document`` / ``declared`` / ``""``
``unemployment_evidence_source`` str
``insured_evidence_source``    str
``labour_contract_months`` int | None     given explicitly (apprenticeships, SPEC R8)
``is_student``             bool           in the ``student`` group
=========================  =============  ===========================================================

Examples: graduates within 3 years and not employed, plus the coming year's graduates (R11)::

    {"any": [
        {"all": [{"fact": "groups", "op": "contains", "value": "graduate"},
                 {"fact": "years_since_graduation", "op": "<=", "value": 3},
                 {"fact": "employed", "op": "==", "value": false}]},
        {"fact": "groups", "op": "contains", "value": "upcoming_graduate"}],
     "label": "毕业年度或离校3年内未就业高校毕业生"}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Exists, F, IntegerField, Max, Min, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.core.errors import Conflict
from lijiao.core.retirement import category_for, statutory_retirement
from lijiao.core.rules import Decision, Rule, evaluate, validate_rule
from lijiao.training.models import CheckIn, ClassSession, Enrollment, Program, TrainingClass

__all__ = [
    "BASE_ELIGIBILITY_RULE",
    "PersonGroupEvidence",
    "attendance_rates",
    "eligibility_rule_for",
    "evaluate_eligibility",
    "group_evidence_by_person",
    "hours_rate",
    "overlapping_checkins",
    "overlapping_people",
    "person_facts",
    "release_seats",
    "reserve_seats",
]

GRADUATE_GROUPS = frozenset({"graduate", "upcoming_graduate"})
EMPLOYED_GROUPS = frozenset({"employee", "insured", "public_institution"})
MINIMUM_AGE = 16
# No session lasts longer than this: it bounds the time-range searches for overlapping sessions.
MAX_SESSION_LENGTH = dt.timedelta(days=1)

# SPEC C4/C6 "Eligibility groups and age": from 16 to the statutory retirement age (the 2025 reform: by sex, birth
# month and category), computed from the ID, checked for every class, program or not. Rule labels are data (stored
# with each decision, like a program's rule), in Chinese.
BASE_ELIGIBILITY_RULE: Rule = {
    "all": [
        {"fact": "age", "op": ">=", "value": MINIMUM_AGE, "label": "年满16周岁"},
        {
            "fact": "retirement_age_reached",
            "op": "==",
            "value": False,
            "label": "未达到法定退休年龄",
        },
    ]
}
# Evidence a fact is read from: group codes per fact prefix (the first group that has the evidence wins).
_EVIDENCE_FACTS = (
    ("graduation", ("graduate", "upcoming_graduate")),
    ("unemployment", ("unemployed",)),
    ("insured", ("insured", "employee")),
)


@dataclass(frozen=True, slots=True)
class PersonGroupEvidence:
    """A group a person belongs to and the evidence recorded for it (mirrors ``people.PersonGroup``).

    ``person_facts`` also accepts ``PersonGroup`` rows themselves (same attribute names) or bare group codes.
    """

    group: str
    graduation_year: int | None = None
    registration_number: str = ""
    insured_months: int | None = None
    employer_name: str = ""
    as_of: dt.date | None = None  # the date the evidence speaks for
    source: str = ""  # PersonGroup.Source: register / document / declared


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in completed years on ``on``."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _as_evidence_map(groups: Mapping[str, Any] | Iterable[Any]) -> dict[str, Any]:
    if isinstance(groups, Mapping):
        return dict(groups)
    result: dict[str, Any] = {}
    for item in groups:
        if isinstance(item, str):
            result[item] = PersonGroupEvidence(item)
        else:
            result[str(item.group)] = item
    return result


def person_facts(
    *,
    birth_date: dt.date,
    gender: str,
    groups: Mapping[str, PersonGroupEvidence] | Iterable[PersonGroupEvidence | str | Any],
    on: dt.date,
    household: str = "",
    education: str = "",
    employer_name: str = "",
    employed: bool | None = None,
    labour_contract_months: int | None = None,
    position: str = "",
) -> dict[str, Any]:
    """The facts an eligibility rule is evaluated against (see the module docstring for each name).

    ``groups`` maps group codes to their evidence, or is an iterable of evidence objects (``PersonGroup`` rows
    or :class:`PersonGroupEvidence`) or of bare codes. ``on`` is the class's start date; ``position`` the
    recorded ``Person.Position`` (a woman's original retirement age). Pure: no queries.
    """
    evidence = _as_evidence_map(groups)
    codes = sorted(evidence)
    graduation_year: int | None = None
    for code in ("graduate", "upcoming_graduate"):
        year = getattr(evidence.get(code), "graduation_year", None)
        if year is not None:
            graduation_year = int(year)
            break
    insured_months: int | None = None
    for code in ("insured", "employee"):
        months = getattr(evidence.get(code), "insured_months", None)
        if months is not None:
            insured_months = int(months)
            break
    if employed is None:
        has_employer = bool(employer_name) or any(
            getattr(evidence.get(code), "employer_name", "") for code in EMPLOYED_GROUPS
        )
        employed = "unemployed" not in evidence and (bool(EMPLOYED_GROUPS & evidence.keys()) or has_employer)
    category, assumed = category_for(gender, position)
    retirement = statutory_retirement(birth_date, category)
    return {
        "age": age_on(birth_date, on),
        "retirement_age_reached": retirement.reached_on(on),
        "retirement_category": category,
        "retirement_category_assumed": assumed,
        "retirement_date": retirement.date,
        **_evidence_facts(evidence, on),
        "gender": gender,
        "groups": codes,
        "graduation_year": graduation_year,
        "years_since_graduation": on.year - graduation_year if graduation_year is not None else None,
        "insured_months": insured_months,
        "household": household or "",
        "education": education or "",
        "employed": bool(employed),
        "labour_contract_months": labour_contract_months,
        "is_student": "student" in evidence,
    }


def _evidence_facts(evidence: Mapping[str, Any], on: dt.date) -> dict[str, Any]:
    """How old and from where the evidence is, per kind (graduation, unemployment, months insured)."""
    facts: dict[str, Any] = {}
    for prefix, codes in _EVIDENCE_FACTS:
        found = next((evidence[code] for code in codes if code in evidence), None)
        as_of = getattr(found, "as_of", None)
        facts[f"{prefix}_evidence_days"] = (on - as_of).days if as_of is not None else None
        facts[f"{prefix}_evidence_source"] = str(getattr(found, "source", "") or "")
    return facts


def group_evidence_by_person(person_ids: Collection[int]) -> dict[int, dict[str, PersonGroupEvidence]]:
    """Recorded groups of many people in one query: person id → {group code → evidence}."""
    from lijiao.people.models import PersonGroup

    result: dict[int, dict[str, PersonGroupEvidence]] = {pid: {} for pid in person_ids}
    if not person_ids:
        return result
    rows = PersonGroup.objects.filter(person_id__in=list(person_ids)).values_list(
        "person_id",
        "group",
        "graduation_year",
        "registration_number",
        "insured_months",
        "employer_name",
        "as_of",
        "source",
    )
    for person_id, group, year, number, months, employer, as_of, source in rows:
        result.setdefault(person_id, {})[group] = PersonGroupEvidence(
            group, year, number, months, employer, as_of, source
        )
    return result


def eligibility_rule_for(program: Program | None) -> Rule:
    """The rule an enrollment into a class of ``program`` must pass: the base rule, and the program's rule.

    Raises :class:`lijiao.core.rules.RuleError` when the program's rule is malformed (validate it once before a
    bulk import rather than per row).
    """
    rule = getattr(program, "eligibility_rule", None) or {}
    if not rule:
        return BASE_ELIGIBILITY_RULE
    validate_rule(rule)
    return {"all": [*BASE_ELIGIBILITY_RULE["all"], rule]}


def evaluate_eligibility(program: Program | None, facts: Mapping[str, Any]) -> Decision:
    """Decide whether a person with ``facts`` may enroll in a class of ``program`` (None: no program).

    Always checks the SPEC's "16 to the statutory retirement age"; adds the program's rule when it has one.
    The :class:`~lijiao.core.rules.Decision` carries the failed labels (``reasons``) and every check (``trace``).
    A malformed program rule is refused as a :class:`RuleError` naming where it is wrong.
    """
    return evaluate(eligibility_rule_for(program), facts)


def _class_label(code: str, name: str) -> str:
    return f"{code} {name}".strip()


def overlapping_people(training_class: TrainingClass, person_ids: Collection[int]) -> dict[int, str]:
    """People among ``person_ids`` holding an ACTIVE enrollment in another class whose sessions overlap in time
    with this class's sessions: person id → the reason, naming the other class.

    Two sessions overlap when each starts before the other ends (touching end-to-start does not overlap).
    Two queries: the span of this class's sessions (none: nothing overlaps), then the enrollments of those
    people in classes having a session that overlaps one of this class's. Other sessions are searched within
    the span (less :data:`MAX_SESSION_LENGTH` at the start) so the ``starts_at`` index bounds the scan. For
    large sets of people the enrollments of the overlapping classes are read and intersected in Python (no
    ``IN`` list of 100,000 parameters).
    """
    if not person_ids:
        return {}
    span = ClassSession.objects.filter(training_class_id=training_class.pk).aggregate(
        first=Min("starts_at"), last=Max("ends_at")
    )
    if span["first"] is None:
        return {}
    this_sessions = ClassSession.objects.filter(
        training_class_id=training_class.pk,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    )
    overlapping_classes = (
        ClassSession.objects.filter(
            starts_at__gt=span["first"] - MAX_SESSION_LENGTH,
            starts_at__lt=span["last"],
            ends_at__gt=span["first"],
        )
        .filter(Exists(this_sessions))
        .exclude(training_class_id=training_class.pk)
        .values("training_class_id")
    )
    qs = Enrollment.objects.filter(
        status=Enrollment.Status.ACTIVE, training_class_id__in=Subquery(overlapping_classes)
    )
    wanted = set(person_ids)
    if len(wanted) <= 500:
        qs = qs.filter(person_id__in=wanted)
    result: dict[int, str] = {}
    rows = qs.order_by("person_id", "training_class__start_date", "training_class_id").values_list(
        "person_id", "training_class__code", "training_class__name"
    )
    for person_id, code, name in rows.iterator(chunk_size=5000):
        if person_id in wanted and person_id not in result:
            label = _class_label(code, name)
            result[person_id] = _("已在培训班“%(label)s”学习，两班上课时间重叠，同一人不能同时参加") % {
                "label": label
            }
    return result


def overlapping_checkins(session: ClassSession, person_ids: Collection[int]) -> dict[int, str]:
    """People among ``person_ids`` already checked in to a session of ANOTHER class overlapping ``session`` in
    time: person id → the reason, naming the other class and session (R9). One query.
    """
    if not person_ids:
        return {}
    qs = CheckIn.objects.filter(
        session__starts_at__gt=session.starts_at - MAX_SESSION_LENGTH,
        session__starts_at__lt=session.ends_at,
        session__ends_at__gt=session.starts_at,
    ).exclude(session__training_class_id=session.training_class_id)
    wanted = set(person_ids)
    if len(wanted) <= 500:
        qs = qs.filter(person_id__in=wanted)
    result: dict[int, str] = {}
    rows = qs.order_by("person_id", "session__starts_at").values_list(
        "person_id", "session__training_class__code", "session__training_class__name", "session__starts_at"
    )
    for person_id, code, name, starts_at in rows.iterator(chunk_size=5000):
        if person_id in wanted and person_id not in result:
            when = timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")
            result[person_id] = _(
                "已在培训班“%(label)s”%(time)s的课程签到，与本节课时间重叠，不能同时在两个班签到"
            ) % {"label": _class_label(code, name), "time": when}
    return result


def overlapping_session_checkins(
    sessions: Sequence[ClassSession], person_ids: Collection[int]
) -> dict[tuple[int, int], str]:
    """:func:`overlapping_checkins` for many sessions of one class at once: (session id, person id) → the same
    reason, for each person among ``person_ids`` already checked in to a session of ANOTHER class overlapping
    that session. One query."""
    if not sessions or not person_ids:
        return {}
    start = min(s.starts_at for s in sessions)
    end = max(s.ends_at for s in sessions)
    qs = CheckIn.objects.filter(
        session__starts_at__gt=start - MAX_SESSION_LENGTH, session__starts_at__lt=end
    ).exclude(session__training_class_id__in={s.training_class_id for s in sessions})
    wanted = set(person_ids)
    if len(wanted) <= 500:
        qs = qs.filter(person_id__in=wanted)
    spans: dict[int, list[tuple[dt.datetime, dt.datetime, str, str]]] = {}
    rows = qs.order_by("person_id", "session__starts_at").values_list(
        "person_id",
        "session__starts_at",
        "session__ends_at",
        "session__training_class__code",
        "session__training_class__name",
    )
    for person_id, starts_at, ends_at, code, name in rows.iterator(chunk_size=5000):
        if person_id in wanted:
            spans.setdefault(person_id, []).append((starts_at, ends_at, code, name))
    result: dict[tuple[int, int], str] = {}
    for session in sessions:
        for person_id, taken in spans.items():
            for starts_at, ends_at, code, name in taken:
                if starts_at < session.ends_at and ends_at > session.starts_at:
                    when = timezone.localtime(starts_at).strftime("%Y-%m-%d %H:%M")
                    result[(session.pk, person_id)] = _(
                        "已在培训班“%(class)s”%(when)s 的课程签到，与本节课时间重叠，不能同时在两个班签到"
                    ) % {"class": _class_label(code, name), "when": when}
                    break
    return result


def reserve_seats(training_class: TrainingClass, count: int) -> None:
    """Take ``count`` places of the class, race-safe: one conditional UPDATE
    ``enrolled_count = enrolled_count + count WHERE id = … AND enrolled_count <= capacity - count``.

    Concurrent callers queue on the row lock and each re-checks the condition on the row it finally updates,
    so capacity is never exceeded (the table's CHECK constraint is the last line). Raises
    :class:`Conflict` (``class_full``) and changes nothing when the places are not there.
    """
    if count <= 0:
        return
    updated = TrainingClass.objects.filter(
        pk=training_class.pk, enrolled_count__lte=F("capacity") - count
    ).update(enrolled_count=F("enrolled_count") + count)
    if updated:
        training_class.enrolled_count = (training_class.enrolled_count or 0) + count
        return
    current = TrainingClass.objects.filter(pk=training_class.pk).values("enrolled_count", "capacity").first()
    taken, capacity = (
        (current["enrolled_count"], current["capacity"])
        if current
        else (training_class.enrolled_count, training_class.capacity)
    )
    if count > 1:
        message = _("名额已满：共%(capacity)s个名额，已报名%(taken)s人，还需%(count)s个名额") % {
            "capacity": capacity,
            "taken": taken,
            "count": count,
        }
    else:
        message = _("名额已满：共%(capacity)s个名额，已报名%(taken)s人") % {
            "capacity": capacity,
            "taken": taken,
        }
    raise Conflict(message, code="class_full")


def release_seats(training_class: TrainingClass, count: int) -> None:
    """Give back ``count`` places (a withdrawal); never below zero."""
    if count <= 0:
        return
    TrainingClass.objects.filter(pk=training_class.pk, enrolled_count__gte=count).update(
        enrolled_count=F("enrolled_count") - count
    )
    training_class.enrolled_count = max(0, (training_class.enrolled_count or 0) - count)


_RATE_QUANTUM = Decimal("0.0001")


def attendance_rates(training_class: TrainingClass) -> dict[int, Decimal]:
    """Enrollment id → lesson hours attended / lesson hours of the class's timetable (4 decimals; 0 when the
    timetable is empty). Attendance is counted in 课时, not sessions: a missed 4-hour session costs 4 hours.

    The required hours are the timetable's (filing makes them equal to the class's declared 总课时). One
    aggregate query (the timetable's hours are a subquery).
    """
    required_hours = (
        ClassSession.objects.filter(training_class_id=training_class.pk)
        .order_by()
        .values("training_class_id")
        .annotate(n=Sum("lesson_hours"))
        .values("n")
    )
    rows = (
        Enrollment.objects.filter(training_class_id=training_class.pk)
        .order_by()
        .annotate(
            attended=Coalesce(
                Sum(
                    "checkins__session__lesson_hours",
                    filter=Q(checkins__session__training_class_id=training_class.pk),
                ),
                Value(0),
            ),
            required=Coalesce(Subquery(required_hours, output_field=IntegerField()), Value(0)),
        )
        .values_list("id", "attended", "required")
    )
    result: dict[int, Decimal] = {}
    for enrollment_id, attended, required in rows:
        result[enrollment_id] = hours_rate(attended, required)
    return result


def hours_rate(attended: int, required: int) -> Decimal:
    """Hours attended / hours required, at most 1, to 4 decimals (0 when nothing is required)."""
    rate = Decimal(attended) / Decimal(required) if required else Decimal(0)
    return min(rate, Decimal(1)).quantize(_RATE_QUANTUM, rounding=ROUND_HALF_UP)
