"""Codes people and programs type (area, occupation, 工种, 专项 item, site) resolved to rows, or a field error.

Shared by the API, the screens' forms and the results import so that every channel says the same thing about
an unknown code.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lijiao.catalog.models import Occupation, SpecialItem, WorkType
from lijiao.catalog.selectors import (
    occupation_by_code,
    special_item_by_code,
    unknown_occupation_message,
    unknown_special_item_message,
)
from lijiao.certificates.models import EvaluatingBody, EvaluationSite
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.models import HandlingArea

__all__ = ["resolve_area", "resolve_site", "resolve_subject"]


def _refuse(message: str, field: str, problem: str) -> DomainError:
    return DomainError(message=message, code="invalid", errors=(FieldError(field, problem),))


def resolve_area(code: str, *, message: str) -> HandlingArea:
    """The active handling area with this code, else a field error on ``handling_area``."""
    text = (code or "").strip()
    area = HandlingArea.objects.filter(code__iexact=text, active=True).first() if text else None
    if area is None:
        raise _refuse(message, "handling_area", _("未知的经办区域代码“%(code)s”") % {"code": text})
    return area


def resolve_site(body: EvaluatingBody, code: str, *, message: str) -> EvaluationSite:
    """The body's site with this code, else a field error on ``site_code``."""
    text = (code or "").strip()
    site = EvaluationSite.objects.filter(body=body, code=text).first() if text else None
    if site is None:
        raise _refuse(message, "site_code", _("本机构没有代码为“%(code)s”的站点") % {"code": text})
    return site


def resolve_subject(
    occupation_code: str | None, work_type_code: str | None, special_item_code: str | None, *, message: str
) -> tuple[Occupation | None, WorkType | None, SpecialItem | None]:
    """The occupation (and 工种) or 专项 item named by their codes; unknown codes are field errors."""
    occupation = work_type = special_item = None
    if (occupation_code or "").strip():
        occupation = occupation_by_code(occupation_code or "")
        if occupation is None:
            raise _refuse(message, "occupation_code", unknown_occupation_message(occupation_code or ""))
    if (work_type_code or "").strip():
        work_type = WorkType.objects.filter(code=(work_type_code or "").strip()).first()
        if work_type is None:
            raise _refuse(
                message,
                "work_type_code",
                _("未知的工种编码“%(code)s”") % {"code": (work_type_code or "").strip()},
            )
    if (special_item_code or "").strip():
        special_item = special_item_by_code(special_item_code or "")
        if special_item is None:
            raise _refuse(message, "special_item_code", unknown_special_item_message(special_item_code or ""))
    return occupation, work_type, special_item
