"""Recording assessment results (SPEC C5, 培评分离): an evaluating body's staff record the results of the 职业技能
等级认定, 专项职业能力 assessments and (a Y body) employer self-evaluations it runs.

Who: a user holding ``certificates.record_levelassessment`` who works for the body (:class:`EvaluatorMembership`).
What is checked for every result, all or nothing for a batch: the body is active; the site is the body's and open;
the occupation (工种) and level, or the 专项 item, are in the body's accreditation on the assessment date; the
person is found by the keyed digest of the ID number (any spelling) or is the trainee of an enrollment; scores are
0–100 with two decimals; the date is not in the future. **A training provider never assesses its own trainees**:
a body linked to a provider (``EvaluatingBody.provider``) is refused the trainees of that provider's classes.

Pass is derived (:func:`~lijiao.certificates.services.pass_rules.derive_pass`), never typed; the figures compared
are stored in ``pass_basis``. A result of a Y body for an occupation is an 企业自主评价 (self-evaluation), recorded
as ``recorded`` until the bureau confirms it (:mod:`.selfevaluation`); the others are final when recorded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.catalog.models import Level, Occupation, SpecialItem, WorkType
from lijiao.certificates.models import (
    Accreditation,
    EvaluatingBody,
    EvaluationSite,
    EvaluatorMembership,
    LevelAssessment,
)
from lijiao.certificates.services.pass_rules import Scores, derive_pass, pick_rule, rules_by_level
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from lijiao.core.identity import InvalidCitizenId, parse_citizen_id
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.people.models import Person
from lijiao.training.models import Enrollment
from lijiao.training.services.actors import user_of
from lijiao.training.services.assessment import parse_score

__all__ = [
    "RECORD_PERM",
    "ResultInput",
    "Subject",
    "record_result",
    "record_results",
    "require_body_member",
]

RECORD_PERM = "certificates.record_levelassessment"
SKILL_LEVELS = frozenset({Level.FIVE, Level.FOUR, Level.THREE, Level.TWO, Level.ONE})
AUDIT_FIELDS = (
    "kind",
    "status",
    "person",
    "enrollment",
    "body",
    "site",
    "occupation",
    "work_type",
    "special_item",
    "level",
    "theory_score",
    "practical_score",
    "review_score",
    "passed",
    "assessed_on",
)


@dataclass(frozen=True, slots=True)
class Subject:
    """What is assessed, where and when: an occupation (optionally a 工种) at a level, or a 专项 item."""

    site: EvaluationSite | None
    assessed_on: dt.date | None
    occupation: Occupation | None = None
    work_type: WorkType | None = None
    special_item: SpecialItem | None = None
    level: int | None = None


@dataclass(frozen=True, slots=True)
class ResultInput:
    """One person's result: by ID number (``citizen_id``, optionally with the ``name`` to check it against) or by
    ``enrollment_id``; the scores as typed (text, number or Decimal; blank = not taken). ``subject`` overrides
    the batch's subject (an imported sheet's rows each name theirs); ``label`` names the row in messages."""

    citizen_id: str = ""
    enrollment_id: int | None = None
    name: str = ""
    theory_score: Any = None
    practical_score: Any = None
    review_score: Any = None
    subject: Subject | None = None
    label: str = ""


@dataclass(slots=True)
class _Clean:
    person: Person
    enrollment: Enrollment | None
    subject: Subject
    scores: Scores
    errors: list[FieldError] = field(default_factory=list)


def require_body_member(actor: Actor, body: EvaluatingBody) -> None:
    """:class:`PermissionDenied` unless the actor holds ``certificates.record_levelassessment`` and works for
    ``body``. A provider's staff have neither: they have no route to a level result."""
    require_perm(actor, RECORD_PERM, message=_("您没有录入评价结果的权限"))
    if not EvaluatorMembership.objects.filter(user_id=actor.pk, body_id=body.pk).exists():
        raise PermissionDenied(_("您不是该评价机构的人员，不能录入其评价结果"))


def _locked_body(body: EvaluatingBody) -> EvaluatingBody:
    body = EvaluatingBody.objects.select_for_update().get(pk=body.pk)
    if body.status != EvaluatingBody.Status.ACTIVE:
        raise Conflict(
            _("评价机构“%(name)s”当前状态为%(status)s，不能录入评价结果")
            % {"name": body.name, "status": EvaluatingBody.Status(body.status).label},
            code="body_not_active",
        )
    return body


def _kind_for(body: EvaluatingBody, subject: Subject) -> str:
    if subject.special_item is not None:
        return LevelAssessment.Kind.SPECIAL
    if body.kind == EvaluatingBody.Kind.EMPLOYER:
        return LevelAssessment.Kind.SELF_EVALUATION
    return LevelAssessment.Kind.LEVEL


def _covers(accreditation: Accreditation, subject: Subject) -> bool:
    day = subject.assessed_on
    if day is not None and (
        (accreditation.valid_from and day < accreditation.valid_from)
        or (accreditation.valid_to and day > accreditation.valid_to)
    ):
        return False
    if subject.special_item is not None:
        return accreditation.special_item_id == subject.special_item.pk
    if subject.occupation is None or accreditation.occupation_id != subject.occupation.pk:
        return False
    if accreditation.work_type_id is not None and (
        subject.work_type is None or accreditation.work_type_id != subject.work_type.pk
    ):
        return False
    return subject.level in (accreditation.levels or [])


def _subject_errors(
    body: EvaluatingBody, subject: Subject, accreditations: Sequence[Accreditation], prefix: str
) -> list[FieldError]:
    errors: list[FieldError] = []
    if subject.site is None:
        errors.append(FieldError(f"{prefix}site", _("请选择评价站点")))
    elif subject.site.body_id != body.pk:
        errors.append(
            FieldError(f"{prefix}site", _("站点“%(name)s”不属于本机构") % {"name": subject.site.name})
        )
    elif not subject.site.active:
        errors.append(FieldError(f"{prefix}site", _("站点“%(name)s”已停用") % {"name": subject.site.name}))
    today = timezone.localdate()
    if subject.assessed_on is None:
        errors.append(FieldError(f"{prefix}assessed_on", _("请填写认定日期")))
    elif subject.assessed_on > today:
        errors.append(
            FieldError(
                f"{prefix}assessed_on",
                _("认定日期%(date)s晚于今天") % {"date": subject.assessed_on.isoformat()},
            )
        )
    if (subject.occupation is None) == (subject.special_item is None):
        errors.append(FieldError(f"{prefix}occupation", _("请选择职业（工种）或专项职业能力项目之一")))
        return errors
    if subject.occupation is not None:
        if subject.level not in SKILL_LEVELS:
            errors.append(FieldError(f"{prefix}level", _("请选择等级（五级至一级）")))
            return errors
        if subject.work_type is not None and subject.work_type.occupation_id != subject.occupation.pk:
            errors.append(
                FieldError(
                    f"{prefix}work_type",
                    _("工种“%(name)s”不属于%(occupation)s")
                    % {"name": subject.work_type.name, "occupation": subject.occupation.name},
                )
            )
            return errors
        what = f"{subject.occupation.name}{Level(subject.level).label}"
        if subject.work_type is not None:
            what = f"{subject.occupation.name}（{subject.work_type.name}）{Level(subject.level).label}"
    else:
        assert subject.special_item is not None
        if subject.level is not None:
            errors.append(FieldError(f"{prefix}level", _("专项职业能力不分等级")))
            return errors
        what = subject.special_item.name
    if subject.assessed_on is not None and not any(_covers(a, subject) for a in accreditations):
        errors.append(
            FieldError(
                f"{prefix}occupation",
                _("“%(what)s”不在本机构的评价范围内（或认定日期不在备案有效期内）") % {"what": what},
            )
        )
    return errors


def _score_errors(row: ResultInput, prefix: str) -> tuple[Scores, list[FieldError]]:
    errors: list[FieldError] = []
    values = []
    for key, label in (
        ("theory_score", _("理论成绩")),
        ("practical_score", _("实操成绩")),
        ("review_score", _("综合评审成绩")),
    ):
        value, error = parse_score(getattr(row, key), f"{prefix}{key}", label)
        if error is not None:
            errors.append(error)
        values.append(value)
    if values[0] is None and values[1] is None and not errors:
        errors.append(FieldError(f"{prefix}theory_score", _("请至少填写理论或实操成绩之一")))
    return Scores(values[0], values[1], values[2]), errors


def _people(rows: Sequence[ResultInput]) -> dict[str, Person]:
    """Registered people by the digest of their ID number: one query for the batch."""
    digests: dict[str, str] = {}
    for row in rows:
        if row.enrollment_id is None and row.citizen_id:
            try:
                number = parse_citizen_id(row.citizen_id).number
            except InvalidCitizenId:
                continue
            digests[row.citizen_id] = pii_digest(PIIKind.CITIZEN_ID, number)
    found = {
        p.citizen_id_digest: p for p in Person.objects.filter(citizen_id_digest__in=set(digests.values()))
    }
    return {raw: found[digest] for raw, digest in digests.items() if digest in found}


def _person_errors(
    row: ResultInput, people: dict[str, Person], enrollments: dict[int, Enrollment], prefix: str
) -> tuple[Person | None, Enrollment | None, list[FieldError]]:
    if row.enrollment_id is not None:
        enrollment = enrollments.get(row.enrollment_id)
        if enrollment is None:
            return (
                None,
                None,
                [
                    FieldError(
                        f"{prefix}enrollment", _("编号为%(id)s的报名不存在") % {"id": row.enrollment_id}
                    )
                ],
            )
        if enrollment.status == Enrollment.Status.WITHDRAWN:
            return (
                None,
                None,
                [
                    FieldError(
                        f"{prefix}enrollment",
                        _("%(name)s已退出培训班，不能录入成绩") % {"name": enrollment.person.name},
                    )
                ],
            )
        return enrollment.person, enrollment, []
    if not row.citizen_id.strip():
        return None, None, [FieldError(f"{prefix}citizen_id", _("请填写身份证号"))]
    try:
        parse_citizen_id(row.citizen_id)
    except InvalidCitizenId as exc:
        return None, None, [FieldError(f"{prefix}citizen_id", exc.message)]
    person = people.get(row.citizen_id)
    if person is None:
        return None, None, [FieldError(f"{prefix}citizen_id", _("该身份证号的人员尚未登记"))]
    name = " ".join(row.name.split())
    if name and name != person.name:
        return (
            None,
            None,
            [FieldError(f"{prefix}name", _("姓名“%(name)s”与该身份证号登记的姓名不符") % {"name": name})],
        )
    return person, None, []


def _own_trainees(body: EvaluatingBody, cleaned: Sequence[_Clean]) -> list[str]:
    """Names of the people a body linked to a training provider would assess although that provider trained
    them in the subject assessed (培评分离): by the enrollment given, or any enrollment of the person with the
    provider for the same occupation or 专项 item."""
    if body.provider_id is None:
        return []
    names = [
        c.person.name
        for c in cleaned
        if c.enrollment is not None and c.enrollment.training_class.provider_id == body.provider_id
    ]
    rest = [c for c in cleaned if c.enrollment is None]
    if rest:
        trained = set(
            Enrollment.objects.filter(
                person_id__in={c.person.pk for c in rest}, training_class__provider_id=body.provider_id
            ).values_list(
                "person_id",
                "training_class__catalog_item__occupation_id",
                "training_class__catalog_item__special_item_id",
            )
        )
        for c in rest:
            subject_id = (
                (c.subject.occupation.pk, None)
                if c.subject.occupation is not None
                else (None, c.subject.special_item.pk if c.subject.special_item else None)
            )
            if (c.person.pk, *subject_id) in trained:
                names.append(c.person.name)
    return names


def _duplicates(body: EvaluatingBody, cleaned: Sequence[_Clean]) -> set[tuple[Any, ...]]:
    keys = {_key(c) for c in cleaned}
    if not keys:
        return set()
    existing = LevelAssessment.objects.filter(
        body=body, person_id__in={k[0] for k in keys}, assessed_on__in={k[4] for k in keys}
    ).exclude(status=LevelAssessment.Status.REJECTED)
    return {
        (a.person_id, a.occupation_id, a.special_item_id, a.level, a.assessed_on)
        for a in existing.only("person_id", "occupation_id", "special_item_id", "level", "assessed_on")
    } & keys


def _key(c: _Clean) -> tuple[Any, ...]:
    return (
        c.person.pk,
        c.subject.occupation.pk if c.subject.occupation else None,
        c.subject.special_item.pk if c.subject.special_item else None,
        c.subject.level,
        c.subject.assessed_on,
    )


def _clean_all(
    body: EvaluatingBody, subject: Subject | None, rows: Sequence[ResultInput]
) -> tuple[list[_Clean], list[FieldError]]:
    accreditations = list(Accreditation.objects.filter(body=body))
    people = _people(rows)
    enrollments = {
        e.pk: e
        for e in Enrollment.objects.select_related("person", "training_class").filter(
            pk__in=[r.enrollment_id for r in rows if r.enrollment_id is not None]
        )
    }
    cleaned: list[_Clean] = []
    errors: list[FieldError] = []
    seen: set[tuple[Any, ...]] = set()
    for index, row in enumerate(rows):
        prefix = f"results[{index}]." if len(rows) > 1 or row.label else ""
        row_subject = row.subject or subject
        row_errors: list[FieldError] = []
        if row_subject is None:
            row_errors.append(
                FieldError(f"{prefix}occupation", _("请选择职业（工种）或专项职业能力项目之一"))
            )
        else:
            row_errors += _subject_errors(body, row_subject, accreditations, prefix)
        scores, score_errors = _score_errors(row, prefix)
        row_errors += score_errors
        person, enrollment, person_errors = _person_errors(row, people, enrollments, prefix)
        row_errors += person_errors
        if not row_errors and person is not None and row_subject is not None:
            item = _Clean(person, enrollment, row_subject, scores)
            if _key(item) in seen:
                row_errors.append(FieldError(f"{prefix}citizen_id", _("同一人的同一评价结果重复出现")))
            seen.add(_key(item))
            cleaned.append(item)
        label = row.label or (person.name if person is not None else "")
        errors += [
            FieldError(e.field, _("%(name)s：%(problem)s") % {"name": label, "problem": e.message})
            if label
            else e
            for e in row_errors
        ]
    return cleaned, errors


def _write(actor: Actor, body: EvaluatingBody, cleaned: Sequence[_Clean]) -> list[LevelAssessment]:
    rules = rules_by_level()
    user = user_of(actor)
    now = timezone.now()
    created: list[LevelAssessment] = []
    for c in cleaned:
        assert c.subject.assessed_on is not None  # checked by _subject_errors
        kind = _kind_for(body, c.subject)
        passed, basis = derive_pass(c.scores, pick_rule(rules, c.subject.level))
        final = kind != LevelAssessment.Kind.SELF_EVALUATION
        created.append(
            LevelAssessment(
                kind=kind,
                status=LevelAssessment.Status.CONFIRMED if final else LevelAssessment.Status.RECORDED,
                person=c.person,
                enrollment=c.enrollment,
                body=body,
                site=c.subject.site,
                occupation=c.subject.occupation,
                work_type=c.subject.work_type,
                special_item=c.subject.special_item,
                level=c.subject.level,
                theory_score=c.scores.theory,
                practical_score=c.scores.practical,
                review_score=c.scores.review,
                passed=passed,
                pass_basis=basis,
                assessed_on=c.subject.assessed_on,
                recorded_by=user,
                confirmed_by=user if final else None,
                confirmed_at=now if final else None,
            )
        )
    LevelAssessment.objects.bulk_create(created, batch_size=500)  # ids returned on SQLite and PostgreSQL
    return created


def _check_and_write(
    actor: Actor, body: EvaluatingBody, subject: Subject | None, rows: Sequence[ResultInput], message: str
) -> list[LevelAssessment]:
    require_body_member(actor, body)
    body = _locked_body(body)
    if not rows:
        raise DomainError(
            message, code="invalid_result", errors=(FieldError("results", _("没有要录入的结果")),)
        )
    cleaned, errors = _clean_all(body, subject, rows)
    if not errors:
        own = _own_trainees(body, cleaned)
        if own:
            raise PermissionDenied(
                _("培评分离：本评价机构同为培训机构，不能评价本机构培训的学员（%(names)s）")
                % {"names": "、".join(own[:10])}
            )
        duplicates = _duplicates(body, cleaned)
        errors = [
            FieldError("results", _("%(name)s：已录入过同一日期的同一评价结果") % {"name": c.person.name})
            for c in cleaned
            if _key(c) in duplicates
        ]
    if errors:
        raise DomainError(message, code="invalid_result", errors=tuple(errors))
    return _write(actor, body, cleaned)


@transaction.atomic
def record_result(
    *,
    actor: Actor,
    body: EvaluatingBody,
    site: EvaluationSite | None,
    assessed_on: dt.date | None,
    occupation: Occupation | None = None,
    work_type: WorkType | None = None,
    special_item: SpecialItem | None = None,
    level: int | None = None,
    citizen_id: str = "",
    name: str = "",
    enrollment: Enrollment | None = None,
    theory_score: Any = None,
    practical_score: Any = None,
    review_score: Any = None,
) -> LevelAssessment:
    """Record one person's result (by ID number, or by a training enrollment). Refused with field errors and
    nothing written for a bad value; :class:`PermissionDenied` for a non-member or a provider's own trainee;
    :class:`Conflict` when the body is not active."""
    subject = Subject(site, assessed_on, occupation, work_type, special_item, level)
    row = ResultInput(
        citizen_id=citizen_id,
        enrollment_id=enrollment.pk if enrollment is not None else None,
        name=name,
        theory_score=theory_score,
        practical_score=practical_score,
        review_score=review_score,
    )
    [assessment] = _check_and_write(actor, body, subject, [row], _("评价结果有误"))
    record_event(
        actor=actor,
        action="certificates.result.recorded",
        obj=assessment,
        after=_audit_after(assessment),
    )
    return assessment


def _audit_after(assessment: LevelAssessment) -> dict[str, Any]:
    values = {name: getattr(assessment, f"{name}_id" if name in _FKS else name) for name in AUDIT_FIELDS}
    values["pass_basis"] = assessment.pass_basis
    return values


_FKS = frozenset({"person", "enrollment", "body", "site", "occupation", "work_type", "special_item"})


@transaction.atomic
def record_results(
    *,
    actor: Actor,
    body: EvaluatingBody,
    rows: Iterable[ResultInput],
    subject: Subject | None = None,
    source: str = "batch",
) -> list[LevelAssessment]:
    """Record many results at once (a class's exam session, a results sheet), all or nothing: every row is
    checked, each problem named ``results[<row>].<field>`` with the person's name, and nothing is written when
    any row fails. ``subject`` is shared by the rows that do not name their own. One audit event for the batch."""
    items = list(rows)
    saved = _check_and_write(actor, body, subject, items, _("评价结果有误，本次未保存任何结果"))
    record_event(
        actor=actor,
        action="certificates.results.recorded",
        obj=body,
        after={"source": source, "count": len(saved), "results": [_audit_after(a) for a in saved]},
    )
    return saved
