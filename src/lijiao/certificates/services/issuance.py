"""Issuing certificates (SPEC C5): one service per way a certificate comes to be, all through
:func:`issue_certificate`, which validates, numbers it, gives it its place in the status list and audits it.

Who may issue: the bureau (``certificates.issue_certificate``) any certificate; an evaluating body's staff
(``certificates.record_levelassessment`` and a membership of the body) the certificates of its own assessments;
a provider's staff (``training.record_assessment``) the 培训合格证 of its own classes; imports need
``certificates.import_certificate``. Revocation needs ``certificates.revoke_certificate``; correcting the holder's
name ``certificates.issue_certificate``.

Rules: the holder exists; a 职业技能等级证书 needs body, site, occupation and a level the body is accredited for on
the issue date and the occupation's standard grades; a certificate dated before its class ended is refused (an
imported one is flagged ``issued_before_class_end`` instead); one certificate per assessment; issued numbers are
generated, never typed, imported ones are validated by type (:mod:`.numbering`). Skill-level and 专项 certificates
issued here wait to be reported upward (``pending``); 培训合格证 and imports (reported where they were issued) do not.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.audit.services import record_event, snapshot
from lijiao.certificates.models import (
    Accreditation,
    Certificate,
    CertificateType,
    EvaluatingBody,
    EvaluatorMembership,
    LevelAssessment,
    NumberFormat,
)
from lijiao.certificates.services.counters import STATUS_LIST_PREFIX, draw_serial
from lijiao.certificates.services.numbering import (
    LEVEL_DIGITS,
    SKILL_LEVEL_SERIAL_MAX,
    check_legacy_number,
    check_pattern_number,
    check_skill_level_number,
    format_skill_level_number,
    level_label,
    render_template,
    skill_level_prefix,
    template_prefix,
)
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError, PermissionDenied
from lijiao.people.models import Person
from lijiao.training.models import Enrollment
from lijiao.training.services.actors import user_of

if TYPE_CHECKING:
    from lijiao.catalog.models import Occupation, SpecialItem, WorkType
    from lijiao.certificates.models import EvaluationSite
    from lijiao.training.models import TrainingClass

__all__ = [
    "AUDIT_FIELDS",
    "FLAG_BEFORE_CLASS_END",
    "FLAG_LABELS",
    "correct_holder",
    "flag_labels",
    "issue_certificate",
    "issue_completion_certificates",
    "issue_for_assessments",
    "may_issue",
    "revoke_certificate",
]

FLAG_BEFORE_CLASS_END = "issued_before_class_end"
FLAG_LABELS = {FLAG_BEFORE_CLASS_END: gettext_lazy("发证日期早于培训班结业日期")}
AUDIT_FIELDS = (
    "certificate_type",
    "number",
    "holder",
    "holder_name",
    "occupation",
    "work_type",
    "special_item",
    "subject_name",
    "level",
    "body",
    "site",
    "issuer_name",
    "issued_on",
    "source",
    "status",
    "assessment",
    "enrollment",
    "training_class",
    "flags",
    "imported_from",
    "report_status",
    "status_index",
)
_SOURCE_TYPES: dict[str, frozenset[str]] = {
    Certificate.Source.ASSESSMENT: frozenset({CertificateType.SKILL_LEVEL}),
    Certificate.Source.SELF_EVALUATION: frozenset({CertificateType.SKILL_LEVEL}),
    Certificate.Source.COMPETITION: frozenset({CertificateType.SKILL_LEVEL}),
    Certificate.Source.SPECIAL: frozenset({CertificateType.SPECIAL}),
    Certificate.Source.COMPLETION: frozenset({CertificateType.TRAINING}),
    Certificate.Source.IMPORT: frozenset(CertificateType.values),
}
_ASSESSMENT_SOURCE = {
    LevelAssessment.Kind.LEVEL: Certificate.Source.ASSESSMENT,
    LevelAssessment.Kind.SELF_EVALUATION: Certificate.Source.SELF_EVALUATION,
    LevelAssessment.Kind.SPECIAL: Certificate.Source.SPECIAL,
}


def flag_labels(flags: Iterable[str] | None) -> list[str]:
    """The review flags of a certificate in words (unknown flags as they are)."""
    return [str(FLAG_LABELS.get(flag, flag)) for flag in flags or ()]


def _region() -> tuple[str, str]:
    """The bureau's province and city codes (GB/T 2260), for numbers defined as data."""
    code = str(getattr(settings, "LIJIAO_REGION_CODE", "2102"))
    return code[:2], code[2:4]


def _body_of(actor: Actor) -> int | None:
    return EvaluatorMembership.objects.filter(user_id=actor.pk).values_list("body_id", flat=True).first()


def may_issue(
    actor: Actor | None,
    *,
    source: str,
    body: EvaluatingBody | None = None,
    training_class: TrainingClass | None = None,
) -> bool:
    """Whether ``actor`` may issue a certificate of ``source`` for ``body``/``training_class`` (see the module)."""
    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_superuser:
        return True
    if source == Certificate.Source.IMPORT:
        return actor.has_perm("certificates.import_certificate")
    if actor.has_perm("certificates.issue_certificate"):
        return True
    if source == Certificate.Source.COMPLETION:
        return (
            training_class is not None
            and actor.has_perm("training.record_assessment")
            and getattr(actor, "provider_id", None) == training_class.provider_id
        )
    return (
        body is not None
        and actor.has_perm("certificates.record_levelassessment")
        and _body_of(actor) == body.pk
    )


def _accredited(
    body: EvaluatingBody,
    *,
    occupation: Occupation | None,
    work_type: WorkType | None,
    special_item: SpecialItem | None,
    level: int | None,
    on: dt.date,
) -> bool:
    rows = Accreditation.objects.filter(body=body)
    rows = rows.filter(special_item=special_item) if special_item else rows.filter(occupation=occupation)
    for row in rows:
        if (row.valid_from and on < row.valid_from) or (row.valid_to and on > row.valid_to):
            continue
        if special_item is not None:
            return True
        if row.work_type_id is not None and work_type is not None and row.work_type_id != work_type.pk:
            continue
        if level in (row.levels or []):
            return True
    return False


def _class_of(
    training_class: TrainingClass | None, enrollment: Enrollment | None, assessment: LevelAssessment | None
) -> TrainingClass | None:
    if training_class is not None:
        return training_class
    if enrollment is not None:
        return enrollment.training_class
    if assessment is not None and assessment.enrollment_id is not None:
        return assessment.enrollment.training_class  # type: ignore[union-attr]
    return None


def _check_number(certificate_type: str, number: str, level: int | None, errors: list[FieldError]) -> None:
    today = timezone.localdate()
    if certificate_type == CertificateType.SKILL_LEVEL:
        _parts, faults = check_skill_level_number(number, level=level, today=today)
    elif certificate_type == CertificateType.QUALIFICATION:
        _legacy, faults = check_legacy_number(number, level=level, today=today)
    else:
        number_format = NumberFormat.objects.filter(certificate_type=certificate_type).first()
        label = CertificateType(certificate_type).label
        if number_format is None:
            errors.append(FieldError("number", _("尚未设置%(type)s的编号规则，不能导入") % {"type": label}))
            return
        faults = check_pattern_number(number, pattern=number_format.pattern, type_label=str(label))
    errors.extend(FieldError("number", fault.message) for fault in faults)


def _generate_number(
    certificate_type: str,
    *,
    body: EvaluatingBody | None,
    site: EvaluationSite | None,
    special_item: SpecialItem | None,
    level: int | None,
    issued_on: dt.date,
) -> str:
    if certificate_type == CertificateType.SKILL_LEVEL:
        assert body is not None and site is not None and level is not None  # validated before
        prefix = skill_level_prefix(
            kind=body.kind,
            body_code=body.code,
            province=body.province_code,
            site_code=site.code,
            year=issued_on.year,
            level=level,
        )

        def skill_start() -> int:
            highest = Certificate.objects.filter(
                number__startswith=prefix, number__regex=r"^[YS][0-9]{21}$"
            ).aggregate(m=Max("number"))["m"]
            return int(highest[-6:]) if highest and len(highest) == 22 else 0

        while True:
            serial = draw_serial(prefix, start=skill_start)
            if serial > SKILL_LEVEL_SERIAL_MAX:
                raise Conflict(
                    _("该评价站点本年度%(level)s证书流水号已用尽") % {"level": level_label(level)},
                    code="serial_exhausted",
                )
            number = format_skill_level_number(prefix, serial)
            if not Certificate.objects.filter(number=number).exists():  # e.g. an imported one
                return number
    number_format = NumberFormat.objects.filter(certificate_type=certificate_type).first()
    label = CertificateType(certificate_type).label
    if number_format is None:
        raise Conflict(_("尚未设置%(type)s的编号规则") % {"type": label}, code="no_number_format")
    province, city = _region()
    values: dict[str, Any] = {
        "province": body.province_code if body else province,
        "city": city,
        "year": f"{issued_on.year % 100:02d}",
        "yyyy": f"{issued_on.year:04d}",
        "body": f"{body.kind}{body.code}" if body else "",
        "site": site.code if site else "",
        "item": special_item.code if special_item else "",
    }
    try:
        prefix = template_prefix(number_format.template, values)
    except (KeyError, IndexError, ValueError) as exc:
        raise Conflict(
            _("%(type)s的编号规则有误，请联系管理员") % {"type": label}, code="bad_number_format"
        ) from exc
    counter_key = f"{certificate_type}:{prefix}"
    while True:
        serial = draw_serial(counter_key)
        try:
            number = render_template(number_format.template, values, serial)
        except (KeyError, IndexError, ValueError) as exc:
            raise Conflict(
                _("%(type)s的编号规则有误，请联系管理员") % {"type": label}, code="bad_number_format"
            ) from exc
        if check_pattern_number(number, pattern=number_format.pattern, type_label=str(label)):
            raise Conflict(
                _("%(type)s的编号已用尽或编号规则与校验规则不一致，请联系管理员") % {"type": label},
                code="serial_exhausted",
            )
        if not Certificate.objects.filter(number=number).exists():
            return number


def _status_start() -> int:
    return int(Certificate.objects.aggregate(m=Max("status_index"))["m"] or 0)


@dataclass(slots=True)
class _Draft:
    """What :func:`issue_certificate` was asked to issue, once filled in from the assessment/enrollment."""

    certificate_type: str
    source: str
    holder: Person
    issued_on: dt.date
    occupation: Occupation | None
    work_type: WorkType | None
    special_item: SpecialItem | None
    level: int | None
    body: EvaluatingBody | None
    site: EvaluationSite | None
    assessment: LevelAssessment | None
    enrollment: Enrollment | None
    training_class: TrainingClass | None
    number: str
    subject_name: str

    @property
    def importing(self) -> bool:
        return self.source == Certificate.Source.IMPORT


def _check_kind(d: _Draft, errors: list[FieldError]) -> None:
    if d.certificate_type not in CertificateType.values:
        errors.append(FieldError("certificate_type", _("证书类型无效")))
    elif d.source not in _SOURCE_TYPES:
        errors.append(FieldError("source", _("证书来源无效")))
    elif d.certificate_type not in _SOURCE_TYPES[d.source]:
        errors.append(
            FieldError(
                "source",
                _("%(source)s不能颁发%(type)s")
                % {
                    "source": Certificate.Source(d.source).label,
                    "type": CertificateType(d.certificate_type).label,
                },
            )
        )
    if d.holder is None or d.holder.pk is None or not Person.objects.filter(pk=d.holder.pk).exists():
        errors.append(FieldError("holder", _("持证人不存在")))
    if d.issued_on > timezone.localdate():
        errors.append(
            FieldError("issued_on", _("发证日期%(date)s晚于今天") % {"date": d.issued_on.isoformat()})
        )


def _check_subject(d: _Draft, errors: list[FieldError]) -> None:
    named = d.importing and bool(d.subject_name.strip())
    if d.certificate_type in (CertificateType.SKILL_LEVEL, CertificateType.QUALIFICATION):
        if d.occupation is None and not named:
            errors.append(FieldError("occupation", _("请选择职业")))
        if d.level is None:
            errors.append(FieldError("level", _("请选择等级")))
        elif d.level not in LEVEL_DIGITS:
            errors.append(FieldError("level", _("职业技能等级应为五级至一级")))
        elif d.occupation is not None and d.level not in d.occupation.allowed_levels:
            errors.append(
                FieldError(
                    "level",
                    _("职业“%(occupation)s”的国家职业标准没有%(level)s")
                    % {"occupation": d.occupation.name, "level": level_label(d.level)},
                )
            )
        if (
            d.work_type is not None
            and d.occupation is not None
            and d.work_type.occupation_id != d.occupation.pk
        ):
            errors.append(FieldError("work_type", _("工种不属于所选职业")))
    elif d.certificate_type == CertificateType.SPECIAL and d.special_item is None and not named:
        errors.append(FieldError("special_item", _("请选择专项职业能力项目")))
    if d.certificate_type == CertificateType.TRAINING and not d.importing and d.training_class is None:
        errors.append(FieldError("training_class", _("培训合格证须对应培训班")))


def _check_assessor(d: _Draft, errors: list[FieldError]) -> None:
    """Body and site (imports name the issuer instead): active, the site the body's, the subject accredited."""
    if d.importing or d.certificate_type not in (CertificateType.SKILL_LEVEL, CertificateType.SPECIAL):
        return
    body, site = d.body, d.site
    if body is None:
        errors.append(FieldError("body", _("请选择评价机构")))
    elif body.status != EvaluatingBody.Status.ACTIVE:
        errors.append(FieldError("body", _("评价机构“%(name)s”不在有效状态") % {"name": body.name}))
    if site is None:
        errors.append(FieldError("site", _("请选择评价站点")))
    elif body is not None and site.body_id != body.pk:
        errors.append(FieldError("site", _("评价站点不属于该评价机构")))
    elif not site.active:
        errors.append(FieldError("site", _("评价站点已停用")))
    if body is None or errors:
        return
    if _accredited(
        body,
        occupation=d.occupation,
        work_type=d.work_type,
        special_item=d.special_item,
        level=d.level,
        on=d.issued_on,
    ):
        return
    if d.special_item is not None:
        subject, field = d.special_item.name, "special_item"
    else:
        subject = (d.occupation.name if d.occupation else "") + (level_label(d.level) if d.level else "")
        field = "level"
    errors.append(
        FieldError(
            field,
            _("评价机构“%(body)s”未获准评价%(subject)s") % {"body": body.name, "subject": subject},
        )
    )


def _check_assessment(d: _Draft, errors: list[FieldError]) -> None:
    holder_id = getattr(d.holder, "pk", None)
    assessment = d.assessment
    if assessment is None:
        if d.source in (
            Certificate.Source.ASSESSMENT,
            Certificate.Source.SELF_EVALUATION,
            Certificate.Source.SPECIAL,
        ):
            errors.append(FieldError("assessment", _("请指明证书所依据的认定结果")))
    else:
        if assessment.person_id != holder_id:
            errors.append(FieldError("holder", _("持证人与认定结果的考生不一致")))
        if _ASSESSMENT_SOURCE.get(LevelAssessment.Kind(assessment.kind)) != d.source:
            errors.append(FieldError("source", _("证书来源与认定结果的评价类型不一致")))
        if not assessment.passed:
            errors.append(FieldError("assessment", _("认定结果不合格，不能颁发证书")))
        elif assessment.status == LevelAssessment.Status.REJECTED:
            errors.append(FieldError("assessment", _("该自主评价结果未予确认，不能颁发证书")))
        elif (
            assessment.kind == LevelAssessment.Kind.SELF_EVALUATION
            and assessment.status != LevelAssessment.Status.CONFIRMED
        ):
            errors.append(FieldError("assessment", _("企业自主评价结果须经人社部门确认后才能颁发证书")))
        if d.issued_on < assessment.assessed_on:
            errors.append(
                FieldError(
                    "issued_on",
                    _("发证日期%(date)s早于认定日期%(assessed)s")
                    % {"date": d.issued_on.isoformat(), "assessed": assessment.assessed_on.isoformat()},
                )
            )
    if d.enrollment is not None and d.enrollment.person_id != holder_id:
        errors.append(FieldError("holder", _("持证人与培训报名的学员不一致")))


def _check_class_end(d: _Draft, errors: list[FieldError], flags: list[str]) -> TrainingClass | None:
    """A certificate dated before its class ended: refused, or flagged on import."""
    the_class = _class_of(d.training_class, d.enrollment, d.assessment)
    if the_class is not None and d.issued_on < the_class.end_date:
        if d.importing:
            flags.append(FLAG_BEFORE_CLASS_END)
        else:
            errors.append(
                FieldError(
                    "issued_on",
                    _("发证日期%(date)s早于培训班“%(code)s”的结业日期%(end)s，不能颁发")
                    % {
                        "date": d.issued_on.isoformat(),
                        "code": the_class.code,
                        "end": the_class.end_date.isoformat(),
                    },
                )
            )
    return the_class


def _check_typed_number(d: _Draft, errors: list[FieldError]) -> None:
    """The number is typed only on import, and then validated by type."""
    if d.importing:
        if not d.number:
            errors.append(FieldError("number", _("请填写证书编号")))
        elif d.certificate_type in CertificateType.values:
            _check_number(d.certificate_type, d.number, d.level, errors)
    elif d.number:
        errors.append(FieldError("number", _("证书编号由系统生成，不能填写")))


def _subject_name(d: _Draft, the_class: TrainingClass | None) -> str:
    name = d.subject_name.strip()
    if not name:
        name = (d.work_type.name if d.work_type else "") or (d.occupation.name if d.occupation else "")
        name = name or (d.special_item.name if d.special_item else "")
    if not name and the_class is not None:
        name = the_class.name
    return name[:100]


@transaction.atomic
def issue_certificate(
    *,
    actor: Actor,
    certificate_type: str,
    source: str,
    holder: Person,
    issued_on: dt.date,
    occupation: Occupation | None = None,
    work_type: WorkType | None = None,
    special_item: SpecialItem | None = None,
    level: int | None = None,
    body: EvaluatingBody | None = None,
    site: EvaluationSite | None = None,
    assessment: LevelAssessment | None = None,
    enrollment: Enrollment | None = None,
    training_class: TrainingClass | None = None,
    number: str | None = None,
    issuer_name: str = "",
    imported_from: str = "",
    subject_name: str = "",
) -> Certificate:
    """Issue one certificate; ``number`` is given only for imports (validated), otherwise generated.

    Missing subject, body and site are taken from ``assessment``. ``subject_name`` (imports) is the occupation/
    工种/项目 as printed when no catalog row is given. Raises :class:`DomainError` listing every problem (nothing
    written), :class:`Conflict` when the assessment already has its certificate or the number is taken,
    :class:`PermissionDenied`.
    """
    if assessment is not None:
        occupation = occupation or assessment.occupation
        work_type = work_type or assessment.work_type
        special_item = special_item or assessment.special_item
        level = level if level is not None else assessment.level
        body = body or assessment.body
        site = site or assessment.site
        enrollment = enrollment or assessment.enrollment
    if enrollment is not None:
        training_class = training_class or enrollment.training_class
    if not may_issue(actor, source=source, body=body, training_class=training_class):
        raise PermissionDenied()
    d = _Draft(
        certificate_type,
        source,
        holder,
        issued_on,
        occupation,
        work_type,
        special_item,
        level,
        body,
        site,
        assessment,
        enrollment,
        training_class,
        (number or "").strip(),
        subject_name,
    )
    errors: list[FieldError] = []
    flags: list[str] = []
    _check_kind(d, errors)
    _check_subject(d, errors)
    _check_assessor(d, errors)
    _check_assessment(d, errors)
    the_class = _check_class_end(d, errors, flags)
    _check_typed_number(d, errors)
    if errors:
        raise DomainError(message=_("证书不能颁发：%(first)s") % {"first": errors[0].message}, errors=errors)
    if assessment is not None and Certificate.objects.filter(assessment=assessment).exists():
        raise Conflict(_("该认定结果已颁发证书"), code="already_issued")
    if d.importing and Certificate.objects.filter(number=d.number).exists():
        raise Conflict(_("证书编号“%(number)s”已存在") % {"number": d.number}, code="number_taken")

    final_number = d.number or _generate_number(
        certificate_type, body=body, site=site, special_item=special_item, level=level, issued_on=issued_on
    )
    pending = not d.importing and certificate_type in (CertificateType.SKILL_LEVEL, CertificateType.SPECIAL)
    certificate = Certificate(
        certificate_type=certificate_type,
        number=final_number,
        holder=holder,
        holder_name=holder.name,
        occupation=occupation,
        work_type=work_type,
        special_item=special_item,
        subject_name=_subject_name(d, the_class),
        level=level,
        body=body,
        site=site,
        issuer_name=(issuer_name.strip() or (body.name if body else ""))[:100],
        issued_on=issued_on,
        source=source,
        assessment=assessment,
        enrollment=enrollment,
        training_class=the_class,
        flags=flags,
        imported_from=imported_from.strip()[:100],
        report_status=Certificate.Report.PENDING if pending else Certificate.Report.NOT_REQUIRED,
        status_index=draw_serial(STATUS_LIST_PREFIX, start=_status_start),
        created_by=user_of(actor),
    )
    try:
        with transaction.atomic():
            certificate.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent issuance for the same assessment or number won
        raise Conflict(_("该证书已由他人同时颁发，请刷新后查看"), code="already_issued") from exc
    record_event(
        actor=actor,
        action="certificates.certificate.imported" if d.importing else "certificates.certificate.issued",
        obj=certificate,
        after=snapshot(certificate, AUDIT_FIELDS),
    )
    return certificate


@transaction.atomic
def issue_for_assessments(
    *, actor: Actor, assessments: Iterable[LevelAssessment], issued_on: dt.date | None = None
) -> list[Certificate]:
    """Issue the certificates of passed (and, for self-evaluations, confirmed) assessments that have none yet.

    All or nothing; assessments that failed, await confirmation or already have a certificate are skipped.
    """
    issued_on = issued_on or timezone.localdate()
    ids = [a.pk for a in assessments]
    rows = (
        LevelAssessment.objects.filter(pk__in=ids, passed=True, certificate__isnull=True)
        .exclude(status=LevelAssessment.Status.REJECTED)
        .exclude(kind=LevelAssessment.Kind.SELF_EVALUATION, status=LevelAssessment.Status.RECORDED)
        .select_related(
            "person", "body", "site", "occupation", "work_type", "special_item", "enrollment__training_class"
        )
        .order_by("id")
    )
    issued: list[Certificate] = []
    for assessment in rows:
        certificate_type = (
            CertificateType.SPECIAL
            if assessment.kind == LevelAssessment.Kind.SPECIAL
            else CertificateType.SKILL_LEVEL
        )
        issued.append(
            issue_certificate(
                actor=actor,
                certificate_type=certificate_type,
                source=_ASSESSMENT_SOURCE[LevelAssessment.Kind(assessment.kind)],
                holder=assessment.person,
                issued_on=issued_on,
                assessment=assessment,
            )
        )
    return issued


@transaction.atomic
def issue_completion_certificates(
    *, actor: Actor, training_class: TrainingClass, issued_on: dt.date | None = None
) -> list[Certificate]:
    """Issue 培训合格证 to the trainees of a finished class whose completion result passed.

    Trainees who withdrew, did not pass or already hold the class's 培训合格证 are skipped; a class that has not
    ended yet is refused.
    """
    if not may_issue(actor, source=Certificate.Source.COMPLETION, training_class=training_class):
        raise PermissionDenied()
    issued_on = issued_on or timezone.localdate()
    if issued_on < training_class.end_date:
        raise DomainError(
            message=_("培训班“%(code)s”%(end)s结业，结业前不能颁发培训合格证")
            % {"code": training_class.code, "end": training_class.end_date.isoformat()},
            code="class_not_ended",
        )
    enrollments = (
        Enrollment.objects.filter(training_class=training_class, assessment__passed=True)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .exclude(certificates__certificate_type=CertificateType.TRAINING)
        .select_related("person", "training_class")
        .order_by("id")
    )
    return [
        issue_certificate(
            actor=actor,
            certificate_type=CertificateType.TRAINING,
            source=Certificate.Source.COMPLETION,
            holder=enrollment.person,
            issued_on=issued_on,
            enrollment=enrollment,
            training_class=training_class,
            issuer_name=str(training_class.provider),
        )
        for enrollment in enrollments
    ]


def _locked(certificate: Certificate) -> Certificate:
    return Certificate.objects.select_for_update().get(pk=certificate.pk)


@transaction.atomic
def revoke_certificate(
    *, actor: Actor, certificate: Certificate, reason: str, revoked_on: dt.date
) -> Certificate:
    """Revoke a certificate with its reason and date; it still verifies, as revoked."""
    if not (
        actor is not None and actor.is_authenticated and actor.has_perm("certificates.revoke_certificate")
    ):
        raise PermissionDenied()
    reason = (reason or "").strip()
    errors: list[FieldError] = []
    if not reason:
        errors.append(FieldError("reason", _("请填写撤销原因")))
    elif len(reason) > 500:
        errors.append(FieldError("reason", _("撤销原因最多500字")))
    if revoked_on is None:
        errors.append(FieldError("revoked_on", _("请填写撤销日期")))
    elif revoked_on > timezone.localdate():
        errors.append(FieldError("revoked_on", _("撤销日期不能晚于今天")))
    elif revoked_on < certificate.issued_on:
        errors.append(FieldError("revoked_on", _("撤销日期不能早于发证日期")))
    if errors:
        raise DomainError(message=_("不能撤销：%(first)s") % {"first": errors[0].message}, errors=errors)
    row = _locked(certificate)
    if row.status == Certificate.Status.REVOKED:
        raise Conflict(_("证书“%(number)s”已撤销") % {"number": row.number}, code="already_revoked")
    fields = ("status", "revoked_on", "revoked_reason")
    before = snapshot(row, fields)
    row.status = Certificate.Status.REVOKED
    row.revoked_on = revoked_on
    row.revoked_reason = reason
    row.save(update_fields=[*fields, "updated_at"])
    record_event(
        actor=actor,
        action="certificates.certificate.revoked",
        obj=row,
        before=before,
        after=snapshot(row, fields),
        reason=reason,
    )
    return row


@transaction.atomic
def correct_holder(*, actor: Actor, certificate: Certificate, holder_name: str, reason: str) -> Certificate:
    """Correct the holder's name printed on a certificate (audited with before and after)."""
    if not (
        actor is not None and actor.is_authenticated and actor.has_perm("certificates.issue_certificate")
    ):
        raise PermissionDenied()
    holder_name = " ".join((holder_name or "").split())
    reason = (reason or "").strip()
    errors: list[FieldError] = []
    if not holder_name:
        errors.append(FieldError("holder_name", _("请填写持证人姓名")))
    elif len(holder_name) > 50:
        errors.append(FieldError("holder_name", _("姓名最多50字")))
    if not reason:
        errors.append(FieldError("reason", _("请填写更正原因")))
    elif len(reason) > 500:
        errors.append(FieldError("reason", _("更正原因最多500字")))
    if errors:
        raise DomainError(message=_("不能更正：%(first)s") % {"first": errors[0].message}, errors=errors)
    row = _locked(certificate)
    if row.holder_name == holder_name:
        raise DomainError.for_fields(
            _("不能更正：姓名与证书上的相同"), {"holder_name": _("姓名与证书上的相同")}, code="unchanged"
        )
    before = snapshot(row, ("holder_name",))
    row.holder_name = holder_name
    row.save(update_fields=["holder_name", "updated_at"])
    record_event(
        actor=actor,
        action="certificates.certificate.holder_corrected",
        obj=row,
        before=before,
        after=snapshot(row, ("holder_name",)),
        reason=reason,
    )
    return row
