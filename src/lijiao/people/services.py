"""Registering real-name people (SPEC C4, D1, D3) and the groups a clerk records for them, with evidence.

A person is found by the keyed digest of the canonical citizen ID, so ``110105199003071234``, ``110105 1990 0307
123x`` and the full-width ``１１０１０５…`` all find the same row. Gender and birth date come from the number.
An address code that is withdrawn or was not in use in the birth year is a *warning* (real people carry such
numbers): it is logged and handed back on ``person.id_warnings``, never a refusal.

Every write: keyword-only arguments, an explicit ``actor``, atomic, audited (personal data masked in the log).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError, NotFound
from lijiao.core.identity import CitizenId, InvalidCitizenId, parse_citizen_id
from lijiao.core.permissions import require_perm
from lijiao.core.pii import PIIKind, canonical, mask, pii_digest
from lijiao.core.text import unsafe_text_problem
from lijiao.people.models import Notification, Person, PersonGroup
from lijiao.people.vocabulary import VARIANTS, normalise_variant

__all__ = [
    "GROUP_FIELDS",
    "PERSON_FIELDS",
    "normalise_phone",
    "parse_person_id",
    "record_group",
    "register_person",
    "remove_group",
    "validate_group_evidence",
]

logger = logging.getLogger(__name__)

PERSON_FIELDS = ("name", "gender", "birth_date", "household", "education", "employer_name", "position")
GROUP_FIELDS = (
    "group",
    "graduation_year",
    "registration_number",
    "insured_months",
    "employer_name",
    "as_of",
    "source",
    "note",
)

_PHONE_RE = re.compile(r"1[3-9]\d{9}|0\d{9,11}|[2-9]\d{6,7}")
_MAX_INSURED_MONTHS = 12 * 60
_GROUP_CODES = frozenset(PersonGroup.Group.values)  # Choices.values builds a list per call (~9 µs)


def parse_person_id(raw: object) -> CitizenId:
    """:func:`parse_citizen_id` with its error turned into a field error on ``citizen_id``."""
    try:
        return parse_citizen_id(raw)
    except InvalidCitizenId as exc:
        raise DomainError(
            _("身份证号有误"),
            code="invalid_citizen_id",
            errors=(FieldError("citizen_id", exc.message),),
        ) from None


def normalise_phone(raw: str) -> str:
    """A mobile (11 digits from 1[3-9]) or landline number as digits (``+86`` dropped); "" stays "".

    Raises :class:`DomainError` with a field error on ``phone``.
    """
    text = (raw or "").strip()
    if not text:
        return ""
    digits = canonical(PIIKind.PHONE, text)
    if not _PHONE_RE.fullmatch(digits):
        raise DomainError(
            _("手机号有误"),
            code="invalid_phone",
            errors=(
                FieldError(
                    "phone",
                    _("手机号“%(phone)s”格式不正确，应为11位手机号或带区号的固定电话") % {"phone": text},
                ),
            ),
        )
    return digits


def _choice(
    value: str,
    choices: type[Person.Household] | type[Person.Education] | type[Person.Position],
    field: str,
) -> str:
    """A choice's code from its code, its Chinese label or a common variant (初中及以下, 中专, 硕士…); "" stays ""."""
    value = (value or "").strip()
    if not value:
        return ""
    variant = VARIANTS.get(field, {}).get(normalise_variant(value))
    if variant is not None:
        return variant
    for code, label in choices.choices:
        with translation.override("zh-hans"):
            chinese = str(label)
        if value in (code, chinese, str(label)):
            return str(code)
    allowed = "、".join(str(label) for _code, label in choices.choices)
    raise DomainError(
        _("人员信息有误"),
        errors=(
            FieldError(
                field, _("“%(value)s”不是可选值，应为：%(allowed)s") % {"value": value, "allowed": allowed}
            ),
        ),
    )


def _masked_snapshot(person: Person) -> dict[str, Any]:
    return {
        **snapshot(person, PERSON_FIELDS),
        "citizen_id": mask(PIIKind.CITIZEN_ID, person.citizen_id),
        "phone": mask(PIIKind.PHONE, person.phone),
    }


def _name_errors(name: str) -> list[FieldError]:
    """A person's name: required, at most 50 characters, never a formula or control characters (ADR 0007)."""
    if not name:
        return [FieldError("name", _("请填写姓名"))]
    if len(name) > 50:
        return [FieldError("name", _("姓名最多50字"))]
    if problem := unsafe_text_problem(name, label=_("姓名")):
        return [FieldError("name", problem)]
    return []


@transaction.atomic
def register_person(
    *,
    actor: Actor,
    citizen_id: str,
    name: str,
    phone: str = "",
    household: str = "",
    education: str = "",
    employer_name: str = "",
    position: str = "",
) -> Person:
    """Register a real-name person, or update the registered one with the same ID number.

    The ID is parsed and canonicalised (lowercase ``x``, full-width digits, spaces, 15-digit legacy numbers);
    gender and birth date are derived from it. An existing person gets the given non-empty fields; an empty
    field never erases what is recorded. A name that differs from the registered one is refused (a real-name
    system does not let one ID number carry two names; a legal change of name goes through the bureau).
    Address-code warnings are logged and set on ``person.id_warnings`` (a tuple of bilingual strings).
    Needs ``people.add_person`` (and ``people.change_person`` to update).
    """
    require_perm(actor, "people.add_person")
    errors: list[FieldError] = []
    cid: CitizenId | None = None
    try:
        cid = parse_citizen_id(citizen_id)
    except InvalidCitizenId as exc:
        errors.append(FieldError("citizen_id", exc.message))
    name = re.sub(r"\s+", " ", (name or "").strip())
    errors += _name_errors(name)
    clean: dict[str, str] = {}
    parsers: tuple[tuple[str, Callable[[], str]], ...] = (
        ("phone", lambda: normalise_phone(phone)),
        ("household", lambda: _choice(household, Person.Household, "household")),
        ("education", lambda: _choice(education, Person.Education, "education")),
        ("position", lambda: _choice(position, Person.Position, "position")),
    )
    for field, func in parsers:
        try:
            clean[field] = func()
        except DomainError as exc:
            errors.extend(exc.errors)
    employer_name = (employer_name or "").strip()
    if len(employer_name) > 100:
        errors.append(FieldError("employer_name", _("工作单位最多100字")))
    elif problem := unsafe_text_problem(employer_name, label=_("工作单位")):
        errors.append(FieldError("employer_name", problem))
    if errors or cid is None:
        raise DomainError(_("人员信息有误"), code="invalid_person", errors=tuple(errors))

    digest = pii_digest(PIIKind.CITIZEN_ID, cid.number)
    person = Person.objects.select_for_update().filter(citizen_id_digest=digest).first()
    if person is None:
        try:
            with transaction.atomic():
                person = Person.objects.create(
                    name=name,
                    citizen_id=cid.number,
                    gender=cid.gender,
                    birth_date=cid.birth_date,
                    phone=clean["phone"],
                    household=clean["household"],
                    education=clean["education"],
                    employer_name=employer_name,
                    position=clean["position"],
                )
        except IntegrityError:  # registered meanwhile by someone else: update that row instead
            person = Person.objects.select_for_update().get(citizen_id_digest=digest)
        else:
            record_event(
                actor=actor,
                action="people.person.registered",
                obj=person,
                after={**_masked_snapshot(person), "id_warnings": list(cid.warnings)},
            )
            _attach_warnings(person, cid)
            return person

    if person.name != name:
        raise DomainError(
            _("姓名与已登记信息不一致"),
            code="name_mismatch",
            errors=(
                FieldError(
                    "name",
                    _("该身份证号已登记的姓名与填写的姓名不一致，请核对身份证件"),
                ),
            ),
        )
    changes = {
        "phone": clean["phone"],
        "household": clean["household"],
        "education": clean["education"],
        "employer_name": employer_name,
        "position": clean["position"],
    }
    changed = [f for f, v in changes.items() if v and v != getattr(person, f)]
    if changed:
        require_perm(actor, "people.change_person")
        before = _masked_snapshot(person)
        for field in changed:
            setattr(person, field, changes[field])
        person.save(update_fields=[*changed, *(["phone_digest"] if "phone" in changed else []), "updated_at"])
        record_event(
            actor=actor,
            action="people.person.updated",
            obj=person,
            before=before,
            after=_masked_snapshot(person),
        )
    _attach_warnings(person, cid)
    return person


def _attach_warnings(person: Person, cid: CitizenId) -> None:
    person.id_warnings = cid.warnings  # type: ignore[attr-defined]
    for warning in cid.warnings:
        logger.info("person %s: %s", person.pk, warning)


def validate_group_evidence(
    *,
    group: str,
    birth_year: int | None = None,
    graduation_year: int | None = None,
    registration_number: str = "",
    insured_months: int | None = None,
    employer_name: str = "",
    note: str = "",
    today_year: int | None = None,
    as_of: dt.date | None = None,
    source: str = "",
) -> list[FieldError]:
    """Field errors of a group's evidence (no queries); empty when it is acceptable.

    graduate → graduation year required, not in the future, not before the person turned 15;
    upcoming_graduate → graduation year this year or next; unemployed → registration number required;
    insured → months insured required, 0 … 720 and not more than the months since the person turned 16;
    employee → employer required.
    """
    if group not in _GROUP_CODES:
        return [FieldError("group", _("未知的人员类别“%(group)s”") % {"group": group})]
    year_now = today_year or timezone.localdate().year
    errors = _graduation_errors(group, graduation_year, birth_year, year_now)
    if group == PersonGroup.Group.UNEMPLOYED and not registration_number.strip():
        errors.append(FieldError("registration_number", _("城镇登记失业人员须填写失业登记证号")))
    if len(registration_number) > 50:
        errors.append(FieldError("registration_number", _("编号最多50字")))
    errors += _insured_errors(group, insured_months, birth_year, year_now)
    if group == PersonGroup.Group.EMPLOYEE and not employer_name.strip():
        errors.append(FieldError("employer_name", _("企业职工须填写工作单位")))
    if len(employer_name) > 100:
        errors.append(FieldError("employer_name", _("单位名称最多100字")))
    if len(note) > 200:
        errors.append(FieldError("note", _("备注最多200字")))
    for field, label, text in (
        ("registration_number", _("失业登记证号"), registration_number),
        ("employer_name", _("工作单位"), employer_name),
        ("note", _("备注"), note),
    ):
        if problem := unsafe_text_problem(text, label=label, allow_line_breaks=field == "note"):
            errors.append(FieldError(field, problem))
    if as_of is not None and as_of > timezone.localdate():
        errors.append(FieldError("as_of", _("证据截至日期不能晚于今天")))
    if source and source not in PersonGroup.Source.values:
        errors.append(FieldError("source", _("未知的证据来源“%(source)s”") % {"source": source}))
    return errors


def _graduation_errors(
    group: str, graduation_year: int | None, birth_year: int | None, year_now: int
) -> list[FieldError]:
    """The graduation year is required of graduates (plausible, not in the future) and of no one else."""
    field = "graduation_year"
    if group == PersonGroup.Group.GRADUATE:
        message = _graduate_year_problem(graduation_year, birth_year, year_now)
    elif group == PersonGroup.Group.UPCOMING_GRADUATE:
        message = _upcoming_graduate_year_problem(graduation_year, year_now)
    else:
        message = _("只有高校毕业生填写毕业年份") if graduation_year is not None else None
    return [FieldError(field, message)] if message else []


def _graduate_year_problem(graduation_year: int | None, birth_year: int | None, year_now: int) -> str | None:
    if graduation_year is None:
        return _("高校毕业生须填写毕业年份")
    if graduation_year > year_now:
        return _("毕业年份 %(year)s 晚于今年，尚未毕业请选择“毕业年度高校毕业生”") % {"year": graduation_year}
    if graduation_year < 1950 or (birth_year is not None and graduation_year < birth_year + 15):
        return _("毕业年份 %(year)s 不合理") % {"year": graduation_year}
    return None


def _upcoming_graduate_year_problem(graduation_year: int | None, year_now: int) -> str | None:
    if graduation_year is None:
        return _("毕业年度高校毕业生须填写毕业年份")
    if not year_now <= graduation_year <= year_now + 1:
        return _("毕业年度高校毕业生的毕业年份应为 %(this_year)s 或 %(next_year)s") % {
            "this_year": year_now,
            "next_year": year_now + 1,
        }
    return None


def _insured_errors(
    group: str, insured_months: int | None, birth_year: int | None, year_now: int
) -> list[FieldError]:
    """Months insured are required of insured workers, and never negative or longer than a working life."""
    field = "insured_months"
    if insured_months is None:
        return [FieldError(field, _("参保职工须填写参保月数"))] if group == PersonGroup.Group.INSURED else []
    limit = _MAX_INSURED_MONTHS
    if birth_year is not None:
        limit = min(limit, max(0, (year_now - birth_year - 16) * 12 + 12))
    if insured_months < 0:
        return [FieldError(field, _("参保月数不能为负数"))]
    if insured_months > limit:
        return [
            FieldError(
                field,
                _("参保月数 %(months)s 不合理，最多 %(limit)s 个月")
                % {"months": insured_months, "limit": limit},
            )
        ]
    return []


@transaction.atomic
def record_group(
    *,
    actor: Actor,
    person: Person,
    group: str,
    graduation_year: int | None = None,
    registration_number: str = "",
    insured_months: int | None = None,
    employer_name: str = "",
    note: str = "",
    as_of: dt.date | None = None,
    source: str = "",
) -> PersonGroup:
    """Record (or correct) that ``person`` belongs to ``group``, with the evidence the clerk saw.

    The evidence carries the date it speaks for (``as_of``, default: today) and where it comes from
    (``source``: a department's register, a document seen, or the person's declaration — the default).
    Refused with field errors when the evidence is missing or implausible (see
    :func:`validate_group_evidence`); nothing is written then. Needs ``people.change_person``.
    """
    require_perm(actor, "people.change_person")
    registration_number = (registration_number or "").strip()
    employer_name = (employer_name or "").strip()
    note = (note or "").strip()
    errors = validate_group_evidence(
        group=group,
        birth_year=person.birth_date.year if person.birth_date else None,
        graduation_year=graduation_year,
        registration_number=registration_number,
        insured_months=insured_months,
        employer_name=employer_name,
        note=note,
        as_of=as_of,
        source=source,
    )
    if errors:
        raise DomainError(_("人员类别信息有误"), code="invalid_group", errors=tuple(errors))
    values = {
        "as_of": as_of or timezone.localdate(),
        "source": source or PersonGroup.Source.DECLARED,
        "graduation_year": graduation_year,
        "registration_number": registration_number,
        "insured_months": insured_months,
        "employer_name": employer_name,
        "note": note,
        "recorded_by": actor,
    }
    existing = PersonGroup.objects.select_for_update().filter(person=person, group=group).first()
    before = snapshot(existing, GROUP_FIELDS) if existing else None
    if existing is None:
        row = PersonGroup.objects.create(person=person, group=group, **values)
    else:
        row = existing
        for field, value in values.items():
            setattr(row, field, value)
        row.save()
    record_event(
        actor=actor,
        action="people.person.group_recorded",
        obj=person,
        before=before,
        after=snapshot(row, GROUP_FIELDS),
    )
    return row


@transaction.atomic
def remove_group(*, actor: Actor, person: Person, group: str, reason: str = "") -> None:
    """Remove a group from a person (recorded by mistake, or no longer true). Needs ``people.change_person``."""
    require_perm(actor, "people.change_person")
    row = PersonGroup.objects.select_for_update().filter(person=person, group=group).first()
    if row is None:
        raise NotFound(_("该人员没有登记此类别"))
    before = snapshot(row, GROUP_FIELDS)
    row.delete()
    record_event(actor=actor, action="people.person.group_removed", obj=person, before=before, reason=reason)


def notify(*, person: Person, kind: str, title: str, body: str = "", url: str = "") -> Notification:
    """Send ``person`` an in-app message; after commit, hand it to the SMS gateway adapter when one is configured.

    Called inside the caller's transaction (the message exists only if the change that caused it commits).
    """
    notification = Notification.objects.create(person=person, kind=kind, title=title, body=body, url=url)
    transaction.on_commit(lambda: _send_sms(notification.pk))
    return notification


def _send_sms(notification_id: int) -> None:
    """Pass the message to :mod:`lijiao.people.sms` (the bureau's gateway; a logging stand-in by default)."""
    from lijiao.people import sms

    notification = Notification.objects.select_related("person").filter(pk=notification_id).first()
    if notification is None or not notification.person.phone:
        return
    if sms.gateway().send(phone=notification.person.phone, text=notification.title):
        Notification.objects.filter(pk=notification_id).update(sms_sent_at=timezone.now())
