"""The registry of evaluating bodies (SPEC C5): bodies, their sites and accreditations, kept by the bureau.

Only the city administration changes the registry (``certificates.add_evaluatingbody`` /
``change_evaluatingbody``, ``add_evaluationsite`` / ``change_evaluationsite``, ``add_accreditation`` /
``delete_accreditation``); district clerks read their area's. Every write is audited with its before and after.
A body's code (4 digits, unique per letter Y/S) and a site's code (6 digits, unique per body) go into certificate
numbers and never change once a certificate carries them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from lijiao.audit.services import record_event, snapshot
from lijiao.catalog.models import Level, Occupation, SpecialItem, WorkType
from lijiao.certificates.models import Accreditation, Certificate, EvaluatingBody, EvaluationSite
from lijiao.core.actors import Actor
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.identity import InvalidCreditCode, parse_credit_code
from lijiao.core.models import HandlingArea
from lijiao.core.permissions import require_perm
from lijiao.core.text import unsafe_text_problem
from lijiao.providers.models import Provider
from lijiao.providers.services.validation import clean_phone

__all__ = [
    "BODY_FIELDS",
    "SITE_FIELDS",
    "add_accreditation",
    "add_site",
    "register_body",
    "remove_accreditation",
    "update_body",
    "update_site",
]

BODY_FIELDS = (
    "kind",
    "code",
    "name",
    "credit_code",
    "province_code",
    "handling_area",
    "provider",
    "contact_name",
    "contact_phone",
    "status",
    "registered_on",
)
SITE_FIELDS = ("body", "code", "name", "address", "handling_area", "active")
ACCREDITATION_FIELDS = ("body", "occupation", "work_type", "special_item", "levels", "valid_from", "valid_to")
SKILL_LEVELS = (Level.FIVE, Level.FOUR, Level.THREE, Level.TWO, Level.ONE)
_BODY_CODE = re.compile(r"[0-9]{4}")
_SITE_CODE = re.compile(r"[0-9]{6}")
_PROVINCE = re.compile(r"[0-9]{2}")


def _text(
    value: str | None,
    field: str,
    label: str,
    max_length: int,
    errors: list[FieldError],
    *,
    required: bool = False,
) -> str:
    text = (value or "").strip()
    if required and not text:
        errors.append(FieldError(field, _("请填写%(label)s") % {"label": label}))
    elif len(text) > max_length:
        errors.append(FieldError(field, _("%(label)s最多%(max)s字") % {"label": label, "max": max_length}))
    elif problem := unsafe_text_problem(text, label=label):
        errors.append(FieldError(field, problem))
    return text


def _invalid(message: str, errors: list[FieldError]) -> DomainError:
    return DomainError(message=message, code="invalid", errors=tuple(errors))


def _clean_body(
    *,
    kind: str,
    code: str,
    name: str,
    credit_code: str,
    province_code: str,
    handling_area: HandlingArea | None,
    provider: Provider | None,
    contact_name: str,
    contact_phone: str,
    status: str,
    registered_on: dt.date | None,
    exclude: EvaluatingBody | None = None,
) -> dict[str, Any]:
    errors: list[FieldError] = []
    if kind not in EvaluatingBody.Kind.values:
        errors.append(FieldError("kind", _("请选择机构类型：用人单位（Y）或社会培训评价组织（S）")))
    code = (code or "").strip()
    if not _BODY_CODE.fullmatch(code):
        errors.append(FieldError("code", _("机构代码应为4位数字，如 0123")))
    elif kind in EvaluatingBody.Kind.values:
        same = EvaluatingBody.objects.filter(kind=kind, code=code)
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors.append(
                FieldError("code", _("已有代码为%(kind)s%(code)s的评价机构") % {"kind": kind, "code": code})
            )
    cleaned: dict[str, Any] = {
        "kind": kind,
        "code": code,
        "name": _text(name, "name", _("机构名称"), 100, errors, required=True),
        "contact_name": _text(contact_name, "contact_name", _("联系人"), 50, errors),
        "contact_phone": clean_phone(contact_phone, "contact_phone", errors),
        "handling_area": handling_area,
        "provider": provider,
        "status": status,
        "registered_on": registered_on,
        "province_code": (province_code or "").strip(),
        "credit_code": "",
    }
    if (credit_code or "").strip():
        try:
            cleaned["credit_code"] = parse_credit_code(credit_code)
        except InvalidCreditCode as exc:
            errors.append(FieldError("credit_code", exc.message))
    if not _PROVINCE.fullmatch(cleaned["province_code"]):
        errors.append(FieldError("province_code", _("省份代码应为2位数字，如 21")))
    if handling_area is None:
        errors.append(FieldError("handling_area", _("请选择经办区域")))
    if status not in EvaluatingBody.Status.values:
        errors.append(FieldError("status", _("请选择状态")))
    if errors:
        raise _invalid(_("评价机构信息有误"), errors)
    return cleaned


def _require_code_unchanged(body: EvaluatingBody, cleaned: dict[str, Any]) -> None:
    """A body's letter and code are in its certificates' numbers: they cannot change once one is issued."""
    if (cleaned["kind"], cleaned["code"], cleaned["province_code"]) == (
        body.kind,
        body.code,
        body.province_code,
    ):
        return
    if Certificate.objects.filter(body=body).exists():
        raise _invalid(
            _("评价机构信息有误"),
            [FieldError("code", _("该机构已颁发证书，机构类型、代码和省份代码不能再修改"))],
        )


@transaction.atomic
def register_body(
    *,
    actor: Actor,
    kind: str,
    code: str,
    name: str,
    handling_area: HandlingArea | None,
    credit_code: str = "",
    province_code: str = "21",
    provider: Provider | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    status: str = EvaluatingBody.Status.ACTIVE,
    registered_on: dt.date | None = None,
) -> EvaluatingBody:
    """Register an evaluating body (用人单位 Y or 社会培训评价组织 S, 4-digit code). ``provider`` links a body
    that also trains, so 培评分离 refuses it its own trainees. Needs ``certificates.add_evaluatingbody``."""
    require_perm(actor, "certificates.add_evaluatingbody")
    cleaned = _clean_body(
        kind=kind,
        code=code,
        name=name,
        credit_code=credit_code,
        province_code=province_code,
        handling_area=handling_area,
        provider=provider,
        contact_name=contact_name,
        contact_phone=contact_phone,
        status=status,
        registered_on=registered_on,
    )
    body = EvaluatingBody.objects.create(**cleaned)
    record_event(
        actor=actor, action="certificates.body.registered", obj=body, after=snapshot(body, BODY_FIELDS)
    )
    return body


@transaction.atomic
def update_body(
    *,
    actor: Actor,
    body: EvaluatingBody,
    kind: str,
    code: str,
    name: str,
    handling_area: HandlingArea | None,
    credit_code: str = "",
    province_code: str = "21",
    provider: Provider | None = None,
    contact_name: str = "",
    contact_phone: str = "",
    status: str = EvaluatingBody.Status.ACTIVE,
    registered_on: dt.date | None = None,
) -> EvaluatingBody:
    """Change a body's registration, including its status (有效 / 暂停 / 已退出: a body that is not active records
    no result). Needs ``certificates.change_evaluatingbody``."""
    require_perm(actor, "certificates.change_evaluatingbody")
    body = EvaluatingBody.objects.select_for_update().get(pk=body.pk)
    cleaned = _clean_body(
        kind=kind,
        code=code,
        name=name,
        credit_code=credit_code,
        province_code=province_code,
        handling_area=handling_area,
        provider=provider,
        contact_name=contact_name,
        contact_phone=contact_phone,
        status=status,
        registered_on=registered_on,
        exclude=body,
    )
    _require_code_unchanged(body, cleaned)
    before = snapshot(body, BODY_FIELDS)
    for key, value in cleaned.items():
        setattr(body, key, value)
    body.save()
    after = snapshot(body, BODY_FIELDS)
    if before != after:
        record_event(actor=actor, action="certificates.body.updated", obj=body, before=before, after=after)
    return body


def _clean_site(
    body: EvaluatingBody,
    *,
    code: str,
    name: str,
    address: str,
    handling_area: HandlingArea | None,
    exclude: EvaluationSite | None = None,
) -> dict[str, Any]:
    errors: list[FieldError] = []
    code = (code or "").strip()
    if not _SITE_CODE.fullmatch(code):
        errors.append(FieldError("code", _("站点代码应为6位数字，如 210201")))
    else:
        same = EvaluationSite.objects.filter(body=body, code=code)
        if exclude is not None:
            same = same.exclude(pk=exclude.pk)
        if same.exists():
            errors.append(FieldError("code", _("本机构已有代码为%(code)s的站点") % {"code": code}))
    cleaned = {
        "code": code,
        "name": _text(name, "name", _("站点名称"), 100, errors, required=True),
        "address": _text(address, "address", _("地址"), 200, errors),
        "handling_area": handling_area,
    }
    if handling_area is None:
        errors.append(FieldError("handling_area", _("请选择经办区域")))
    if errors:
        raise _invalid(_("评价站点信息有误"), errors)
    return cleaned


@transaction.atomic
def add_site(
    *,
    actor: Actor,
    body: EvaluatingBody,
    code: str,
    name: str,
    handling_area: HandlingArea | None,
    address: str = "",
) -> EvaluationSite:
    """Add a site (6-digit code, address, handling area) to a body. Needs ``certificates.add_evaluationsite``."""
    require_perm(actor, "certificates.add_evaluationsite")
    body = EvaluatingBody.objects.select_for_update().get(pk=body.pk)
    cleaned = _clean_site(body, code=code, name=name, address=address, handling_area=handling_area)
    site = EvaluationSite.objects.create(body=body, **cleaned)
    record_event(actor=actor, action="certificates.site.added", obj=site, after=snapshot(site, SITE_FIELDS))
    return site


@transaction.atomic
def update_site(
    *,
    actor: Actor,
    site: EvaluationSite,
    code: str,
    name: str,
    handling_area: HandlingArea | None,
    address: str = "",
    active: bool = True,
) -> EvaluationSite:
    """Change a site (``active=False`` closes it: no new result there). Its code cannot change once a
    certificate carries it. Needs ``certificates.change_evaluationsite``."""
    require_perm(actor, "certificates.change_evaluationsite")
    site = EvaluationSite.objects.select_for_update().select_related("body").get(pk=site.pk)
    cleaned = _clean_site(
        site.body, code=code, name=name, address=address, handling_area=handling_area, exclude=site
    )
    if cleaned["code"] != site.code and Certificate.objects.filter(site=site).exists():
        raise _invalid(_("评价站点信息有误"), [FieldError("code", _("该站点已颁发证书，站点代码不能再修改"))])
    before = snapshot(site, SITE_FIELDS)
    for key, value in cleaned.items():
        setattr(site, key, value)
    site.active = bool(active)
    site.save()
    after = snapshot(site, SITE_FIELDS)
    if before != after:
        record_event(actor=actor, action="certificates.site.updated", obj=site, before=before, after=after)
    return site


def _clean_levels(levels: Sequence[Any], occupation: Occupation, errors: list[FieldError]) -> list[int]:
    values: list[int] = []
    for raw in levels:
        try:
            level = int(raw)
        except (TypeError, ValueError):
            errors.append(FieldError("levels", _("等级“%(value)s”无效") % {"value": raw}))
            return []
        if level not in SKILL_LEVELS:
            errors.append(
                FieldError("levels", _("等级“%(value)s”无效：职业技能等级为五级至一级") % {"value": raw})
            )
            return []
        if level not in occupation.allowed_levels:
            errors.append(
                FieldError(
                    "levels",
                    _("%(occupation)s不设%(level)s，可设等级：%(allowed)s")
                    % {
                        "occupation": occupation.name,
                        "level": Level(level).label,
                        "allowed": occupation.allowed_levels_text(),
                    },
                )
            )
            return []
        if level not in values:
            values.append(level)
    if not values:
        errors.append(FieldError("levels", _("请选择可评等级")))
    return sorted(values, reverse=True)


@transaction.atomic
def add_accreditation(
    *,
    actor: Actor,
    body: EvaluatingBody,
    occupation: Occupation | None = None,
    work_type: WorkType | None = None,
    special_item: SpecialItem | None = None,
    levels: Sequence[int] = (),
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Accreditation:
    """Allow a body to assess one occupation (optionally one of its 工种) at the listed levels, or one 专项
    item. Needs ``certificates.add_accreditation``."""
    require_perm(actor, "certificates.add_accreditation")
    body = EvaluatingBody.objects.select_for_update().get(pk=body.pk)
    errors: list[FieldError] = []
    clean_levels: list[int] = []
    if (occupation is None) == (special_item is None):
        errors.append(FieldError("occupation", _("请选择职业（工种）或专项职业能力项目之一")))
    elif occupation is not None:
        if work_type is not None and work_type.occupation_id != occupation.pk:
            errors.append(
                FieldError(
                    "work_type",
                    _("工种“%(name)s”不属于%(occupation)s")
                    % {"name": work_type.name, "occupation": occupation.name},
                )
            )
        clean_levels = _clean_levels(levels, occupation, errors)
    else:
        assert special_item is not None
        if work_type is not None:
            errors.append(FieldError("work_type", _("专项职业能力项目没有工种")))
        if special_item.kind != SpecialItem.Kind.SPECIAL_COMPETENCY:
            errors.append(
                FieldError("special_item", _("“%(name)s”不是专项职业能力项目") % {"name": special_item.name})
            )
        if levels:
            errors.append(FieldError("levels", _("专项职业能力不分等级")))
    if valid_from and valid_to and valid_to < valid_from:
        errors.append(FieldError("valid_to", _("有效期止不能早于有效期起")))
    if not errors:
        same = Accreditation.objects.filter(
            body=body, occupation=occupation, work_type=work_type, special_item=special_item
        )
        if same.exists():
            errors.append(FieldError("occupation", _("本机构已有这一评价范围，请修改原有记录")))
    if errors:
        raise _invalid(_("评价范围有误"), errors)
    accreditation = Accreditation.objects.create(
        body=body,
        occupation=occupation,
        work_type=work_type,
        special_item=special_item,
        levels=clean_levels,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    record_event(
        actor=actor,
        action="certificates.accreditation.added",
        obj=accreditation,
        after=snapshot(accreditation, ACCREDITATION_FIELDS),
    )
    return accreditation


@transaction.atomic
def remove_accreditation(*, actor: Actor, accreditation: Accreditation, reason: str = "") -> None:
    """Withdraw one accreditation (results already recorded keep it in their basis). Needs
    ``certificates.delete_accreditation``."""
    require_perm(actor, "certificates.delete_accreditation")
    accreditation = Accreditation.objects.select_for_update().get(pk=accreditation.pk)
    before = snapshot(accreditation, ACCREDITATION_FIELDS)
    record_event(
        actor=actor,
        action="certificates.accreditation.removed",
        obj=accreditation,
        before=before,
        reason=reason[:500],
    )
    accreditation.delete()
