"""Filing subsidy claims (SPEC C6, issue 12 item 5): one service per way a claim comes to be.

* :func:`file_own_claim` — the worker for themself (``Claim.Applicant.WORKER``), from a certificate they hold;
* :func:`file_for_trainee` — a provider's staff on a trainee's behalf (their own provider's enrollments only);
* :func:`file_for_class` — the same for every eligible trainee of a finished class, reporting who was skipped;
* :func:`file_apprenticeship` — an employer's staff, 企业新型学徒制 advance or final part (contract facts in
  ``claim.facts``);
* :func:`file_for_assessment` — an evaluating body's staff, the 评价补贴 on the person's behalf.

Every claim starts as a draft (submitting it runs the rules: :mod:`lijiao.subsidies.services.review`), gets a
number ``BT<yyyy><6 digits>`` from a race-safe counter, a handling area (the class's, else the provider's or the
evaluating body's), an audit event, and — when someone else filed it — an in-app message to the person (by whom,
for what, how much), sent with the claim's transaction (the SMS copy after commit).

R1: nothing is claimable before the certificate exists, except the apprenticeship advance part.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event
from lijiao.certificates.models import Certificate, EvaluatorMembership
from lijiao.certificates.services.counters import draw_serial
from lijiao.core.actors import Actor
from lijiao.core.errors import Conflict, DomainError, FieldError, NotFound, PermissionDenied
from lijiao.core.models import HandlingArea
from lijiao.core.permissions import require_perm
from lijiao.core.rules import months_between
from lijiao.people.models import Person
from lijiao.people.services import notify
from lijiao.subsidies.models import Claim, ClaimStatus, Scheme, SchemeKind
from lijiao.training.models import ClassStatus, Enrollment, TrainingClass
from lijiao.training.services.actors import user_of

__all__ = [
    "FILE_PERM",
    "NOTIFICATION_KIND",
    "BulkResult",
    "claim_number",
    "file_apprenticeship",
    "file_for_assessment",
    "file_for_class",
    "file_for_trainee",
    "file_own_claim",
    "person_of_user",
    "require_employer_filer",
]

FILE_PERM = "subsidies.file_claim"
NOTIFICATION_KIND = "subsidies.claim_filed"
# The kinds a worker or a provider may claim for a trained and certified person.
TRAINEE_KINDS = frozenset(
    {
        SchemeKind.TRAINING,
        SchemeKind.SKILL_UPGRADE,
        SchemeKind.ASSESSMENT,
        SchemeKind.LIVING,
        SchemeKind.GRADUATE_CONVERSION,
    }
)
FINISHED_CLASS = frozenset({ClassStatus.FINISHED, ClassStatus.ASSESSED, ClassStatus.CLOSED})
# A claim in one of these statuses no longer stands in the way of a new claim on the same certificate.
DEAD_STATUSES = frozenset({ClaimStatus.REJECTED})


def claim_number(on: dt.date | None = None) -> str:
    """The next claim number ``BT<yyyy><6 digits>`` (race-safe: drawn inside the filing transaction)."""
    year = (on or timezone.localdate()).year
    return f"BT{year}{draw_serial(f'subsidies.claim.BT{year}'):06d}"


def person_of_user(user: Any) -> Person | None:
    """The :class:`Person` a logged-in user is (matched by the ID number's keyed digest), or None."""
    digest = (
        str(getattr(user, "citizen_id_digest", "") or "") if getattr(user, "is_authenticated", False) else ""
    )
    if not digest:
        return None
    return Person.objects.filter(citizen_id_digest=digest).order_by("pk").first()


def _scheme(kind: str) -> Scheme:
    if kind not in SchemeKind.values:
        raise DomainError.for_fields(_("补贴类型无效"), {"kind": _("请选择补贴类型")})
    scheme = Scheme.objects.filter(kind=kind, active=True).first()
    if scheme is None:
        raise DomainError(_("该补贴类型尚未设立或已停用"), code="no_scheme")
    return scheme


def _certificate_of_enrollment(enrollment: Enrollment) -> Certificate | None:
    """R1: the valid certificate the trainee earned in this class (by enrollment, class or assessment)."""
    return (
        Certificate.objects.filter(holder_id=enrollment.person_id, status=Certificate.Status.VALID)
        .filter(
            Q(enrollment=enrollment)
            | Q(training_class_id=enrollment.training_class_id)
            | Q(assessment__enrollment=enrollment)
        )
        .order_by("-issued_on", "-id")
        .first()
    )


def _require_certificate(certificate: Certificate | None, person: Person) -> Certificate:
    if certificate is None:
        raise DomainError(_("尚未取得证书，不能申请补贴（证书颁发后方可申请）"), code="r1_no_certificate")
    if certificate.holder_id != person.pk:
        raise DomainError.for_fields(_("证书持有人与补贴对象不一致"), {"certificate": _("证书不属于该人员")})
    if certificate.status != Certificate.Status.VALID:
        raise DomainError(_("证书已撤销，不能申请补贴"), code="certificate_revoked")
    return certificate


def _existing_claim(certificate: Certificate | None, kind: str, person: Person, part: str) -> Claim | None:
    """A live claim that already stands for the same certificate (any kind: R4) or the same kind and part."""
    live = Claim.objects.exclude(status__in=DEAD_STATUSES)
    if certificate is not None and part != Claim.Part.ADVANCE:
        return live.filter(certificate=certificate).exclude(part=Claim.Part.ADVANCE).first()
    return live.filter(person=person, kind=kind, part=part, certificate__isnull=True).first()


def _refuse_duplicate(existing: Claim | None) -> None:
    if existing is not None:
        raise Conflict(
            _("已有补贴申请%(number)s（%(status)s），不能重复申请")
            % {"number": existing.number, "status": existing.get_status_display()},
            code="duplicate_claim",
        )


def _area_of(*candidates: Any) -> HandlingArea:
    for candidate in candidates:
        area = getattr(candidate, "handling_area", None) if candidate is not None else None
        if area is not None:
            return area  # type: ignore[no-any-return]
    raise DomainError(_("无法确定经办区域"), code="no_handling_area")


def _money(value: Decimal | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def _notify_filed(claim: Claim, *, expected: Decimal | None) -> None:
    """Tell the person a claim was filed in their name: by whom, for what, how much."""
    what = claim.catalog_item.subject_name if claim.catalog_item else ""
    amount = _money(expected)
    body = _(
        "%(who)s以您的名义提交了补贴申请%(number)s：%(kind)s%(what)s%(amount)s。如非本人知情，请在“我的补贴”中提出异议。"
    ) % {
        "who": claim.applicant_name,
        "number": claim.number,
        "kind": claim.get_kind_display(),
        "what": f"（{what}）" if what else "",
        "amount": (_("，申请金额%(amount)s元") % {"amount": amount}) if amount else "",
    }
    notify(
        person=claim.person,
        kind=NOTIFICATION_KIND,
        title=_("有一笔补贴以您的名义申请：%(kind)s") % {"kind": claim.get_kind_display()},
        body=body,
        url=reverse("subsidies:mine"),
    )


def _expected_amount(claim: Claim) -> Decimal | None:
    stated = claim.facts.get("amount") if isinstance(claim.facts, dict) else None
    if stated not in (None, ""):
        try:
            return Decimal(str(stated))
        except ArithmeticError:
            return None
    item = claim.catalog_item
    return item.subsidy_standard if item is not None else None


def _create(*, actor: Actor, notify_person: bool = True, **values: Any) -> Claim:
    """Number, save, audit and (when filed by someone else) notify: every filing ends here."""
    today = timezone.localdate()
    claim = Claim(
        number=claim_number(today),
        status=ClaimStatus.DRAFT,
        application_date=today,
        created_by=user_of(actor),
        **values,
    )
    claim.kind = claim.scheme.kind
    claim.save(force_insert=True)
    expected = _expected_amount(claim)
    record_event(
        actor=actor,
        action="subsidies.claim.filed",
        obj=claim,
        after={
            "number": claim.number,
            "kind": claim.kind,
            "part": claim.part,
            "applicant": claim.applicant,
            "applicant_name": claim.applicant_name,
            "person": claim.person_id,
            "certificate": claim.certificate_id,
            "enrollment": claim.enrollment_id,
            "handling_area": claim.handling_area_id,
            "expected_amount": _money(expected),
        },
    )
    if notify_person:
        _notify_filed(claim, expected=expected)
    return claim


@transaction.atomic
def file_own_claim(
    *, actor: Actor, kind: str, certificate: Certificate, facts: dict[str, Any] | None = None
) -> Claim:
    """The worker claims for themself, from a certificate they hold (R1)."""
    person = person_of_user(actor)
    if person is None:
        raise PermissionDenied(_("您的账号未登记身份证号，不能以本人名义申请补贴"))
    if kind not in TRAINEE_KINDS:
        raise DomainError.for_fields(_("本人不能申请该类补贴"), {"kind": _("请选择可由本人申请的补贴类型")})
    scheme = _scheme(kind)
    if certificate.holder_id != person.pk:
        raise NotFound()
    certificate = _require_certificate(certificate, person)
    _refuse_duplicate(_existing_claim(certificate, kind, person, Claim.Part.FULL))
    training_class = certificate.training_class
    if training_class is None and certificate.enrollment_id is not None:
        training_class = certificate.enrollment.training_class  # type: ignore[union-attr]
    return _create(
        actor=actor,
        notify_person=False,
        scheme=scheme,
        person=person,
        applicant=Claim.Applicant.WORKER,
        applicant_name=person.name,
        provider=training_class.provider if training_class else None,
        enrollment=certificate.enrollment,
        training_class=training_class,
        certificate=certificate,
        catalog_item=training_class.catalog_item if training_class else None,
        evaluating_body=certificate.body,
        handling_area=_area_of(training_class, certificate.body, certificate.site),
        facts=dict(facts or {}),
    )


def _own_enrollment(actor: Actor, enrollment: Enrollment) -> TrainingClass:
    require_perm(actor, FILE_PERM)
    training_class = enrollment.training_class
    if not getattr(actor, "provider_id", None) or actor.provider_id != training_class.provider_id:  # type: ignore[attr-defined]
        raise NotFound()  # another provider's trainee: like an unknown id
    return training_class


def _trainee_claim(
    actor: Actor, enrollment: Enrollment, training_class: TrainingClass, kind: str, applicant: str
) -> dict[str, Any]:
    """The values of a provider's claim for one trainee (raises when the trainee may not be claimed for)."""
    if enrollment.status == Enrollment.Status.WITHDRAWN:
        raise DomainError(_("学员已退出培训班"), code="enrollment_withdrawn")
    if training_class.status not in FINISHED_CLASS:
        raise Conflict(_("培训班尚未结业，不能申请补贴"), code="class_not_finished")
    person = enrollment.person
    certificate = _require_certificate(_certificate_of_enrollment(enrollment), person)
    _refuse_duplicate(_existing_claim(certificate, kind, person, Claim.Part.FULL))
    provider = training_class.provider
    return {
        "person": person,
        "applicant": applicant,
        "applicant_name": provider.name,
        "provider": provider,
        "enrollment": enrollment,
        "training_class": training_class,
        "certificate": certificate,
        "catalog_item": training_class.catalog_item,
        "evaluating_body": certificate.body,
        "handling_area": _area_of(training_class, provider),
    }


@transaction.atomic
def file_for_trainee(
    *,
    actor: Actor,
    enrollment: Enrollment,
    kind: str = SchemeKind.TRAINING,
    facts: dict[str, Any] | None = None,
) -> Claim:
    """A provider's staff claim on one trainee's behalf (their own provider's enrollments only; R1)."""
    training_class = _own_enrollment(actor, enrollment)
    if kind not in TRAINEE_KINDS:
        raise DomainError.for_fields(_("培训机构不能代为申请该类补贴"), {"kind": _("请选择补贴类型")})
    scheme = _scheme(kind)
    values = _trainee_claim(actor, enrollment, training_class, kind, Claim.Applicant.PROVIDER)
    return _create(actor=actor, scheme=scheme, facts=dict(facts or {}), **values)


@dataclass
class BulkResult:
    """What a class's bulk filing did: the claims filed and, for each trainee skipped, the reason."""

    created: list[Claim] = field(default_factory=list)
    skipped: list[tuple[Enrollment, str]] = field(default_factory=list)


@transaction.atomic
def file_for_class(
    *, actor: Actor, training_class: TrainingClass, kind: str = SchemeKind.TRAINING
) -> BulkResult:
    """One claim per eligible trainee of a finished class; who was skipped and why (no certificate, withdrawn,
    already claimed) is reported, not raised."""
    require_perm(actor, FILE_PERM)
    if not getattr(actor, "provider_id", None) or actor.provider_id != training_class.provider_id:  # type: ignore[attr-defined]
        raise NotFound()
    if kind not in TRAINEE_KINDS:
        raise DomainError.for_fields(_("培训机构不能代为申请该类补贴"), {"kind": _("请选择补贴类型")})
    if training_class.status not in FINISHED_CLASS:
        raise Conflict(_("培训班尚未结业，不能申请补贴"), code="class_not_finished")
    scheme = _scheme(kind)
    result = BulkResult()
    enrollments = (
        Enrollment.objects.filter(training_class=training_class)
        .select_related("person", "training_class__provider__handling_area", "training_class__handling_area")
        .order_by("pk")
    )
    for enrollment in enrollments:
        try:
            with transaction.atomic():
                values = _trainee_claim(actor, enrollment, training_class, kind, Claim.Applicant.BULK)
                result.created.append(_create(actor=actor, scheme=scheme, facts={}, **values))
        except DomainError as exc:
            result.skipped.append((enrollment, exc.message))
    record_event(
        actor=actor,
        action="subsidies.claim.bulk_filed",
        obj=training_class,
        after={
            "kind": kind,
            "created": [c.number for c in result.created],
            "skipped": [{"enrollment": e.pk, "reason": reason} for e, reason in result.skipped],
        },
    )
    return result


_CONTRACT_FACTS = ("contract_start", "contract_end", "hired_on")
_HIRE_TYPES = ("new", "transferred", "existing")


def _contract_facts(facts: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    clean = dict(facts)
    for name in _CONTRACT_FACTS:
        raw = facts.get(name)
        if raw in (None, ""):
            errors.append(FieldError(name, _("请填写日期")))
            continue
        try:
            clean[name] = dt.date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            errors.append(FieldError(name, _("日期格式应为 YYYY-MM-DD")))
    if not errors and clean["contract_end"] <= clean["contract_start"]:
        errors.append(FieldError("contract_end", _("劳动合同结束日期应晚于开始日期")))
    if facts.get("hire_type") not in _HIRE_TYPES:
        errors.append(FieldError("hire_type", _("请选择招用方式：新招用或转岗")))
    if errors:
        raise DomainError(_("劳动合同信息不完整"), errors=tuple(errors))
    # R8 reads the apprenticeship's facts in this shape (README, the policy calculator's facts)
    start, end = dt.date.fromisoformat(clean["contract_start"]), dt.date.fromisoformat(clean["contract_end"])
    clean["apprenticeship"] = {
        "hire_type": facts["hire_type"],
        "hire_date": clean["hired_on"],
        "contract_months": months_between(start, end + dt.timedelta(days=1)),
        "training_months": facts.get("training_months"),
        "level": facts.get("level"),
        "exceptional": bool(facts.get("exceptional")),
    }
    return clean


def require_employer_filer(actor: Actor) -> None:
    """Only an employer's staff file 企业新型学徒制 claims (not a provider's, not a social evaluating body's)."""
    require_perm(actor, FILE_PERM)
    if (
        getattr(actor, "provider_id", None)
        or EvaluatorMembership.objects.filter(user_id=actor.pk, body__kind="S").exists()
    ):
        raise PermissionDenied(_("只有企业可以申请企业新型学徒制补贴"))


@transaction.atomic
def file_apprenticeship(
    *,
    actor: Actor,
    person: Person,
    part: str,
    employer_name: str,
    employer_credit_code: str,
    handling_area: HandlingArea,
    facts: dict[str, Any],
    certificate: Certificate | None = None,
) -> Claim:
    """An employer's 企业新型学徒制 claim: the advance part (no certificate yet) or the final part (R1)."""
    require_perm(actor, FILE_PERM)
    if (
        getattr(actor, "provider_id", None)
        or EvaluatorMembership.objects.filter(user_id=actor.pk, body__kind="S").exists()
    ):
        raise PermissionDenied(_("只有企业可以申请企业新型学徒制补贴"))
    if part not in (Claim.Part.ADVANCE, Claim.Part.FINAL):
        raise DomainError.for_fields(_("请选择拨付部分"), {"part": _("预拨部分或清算部分")})
    name = employer_name.strip()
    if not name:
        raise DomainError.for_fields(_("请填写企业名称"), {"employer_name": _("必填")})
    clean = _contract_facts(facts)
    scheme = _scheme(SchemeKind.APPRENTICESHIP)
    if part == Claim.Part.FINAL or certificate is not None:
        certificate = _require_certificate(certificate, person)
    _refuse_duplicate(_existing_claim(certificate, SchemeKind.APPRENTICESHIP, person, part))
    return _create(
        actor=actor,
        scheme=scheme,
        part=part,
        person=person,
        applicant=Claim.Applicant.EMPLOYER,
        applicant_name=name[:100],
        employer_name=name[:100],
        employer_credit_code=employer_credit_code.strip().upper()[:18],
        certificate=certificate,
        evaluating_body=certificate.body if certificate else None,
        handling_area=handling_area,
        facts=clean,
    )


@transaction.atomic
def file_for_assessment(*, actor: Actor, certificate: Certificate) -> Claim:
    """An evaluating body's staff claim the 职业技能评价补贴 on the person's behalf (its own certificates only)."""
    require_perm(actor, FILE_PERM)
    body_id = EvaluatorMembership.objects.filter(user_id=actor.pk).values_list("body_id", flat=True).first()
    if body_id is None or body_id != certificate.body_id:
        raise NotFound()
    person = certificate.holder
    certificate = _require_certificate(certificate, person)
    _refuse_duplicate(_existing_claim(certificate, SchemeKind.ASSESSMENT, person, Claim.Part.FULL))
    body = certificate.body
    assert body is not None
    training_class = certificate.training_class
    return _create(
        actor=actor,
        scheme=_scheme(SchemeKind.ASSESSMENT),
        person=person,
        applicant=Claim.Applicant.EVALUATOR,
        applicant_name=body.name,
        evaluating_body=body,
        certificate=certificate,
        training_class=training_class,
        enrollment=certificate.enrollment,
        catalog_item=training_class.catalog_item if training_class else None,
        handling_area=_area_of(body, certificate.site, training_class),
        facts={},
    )
