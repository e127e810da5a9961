"""Navigation entries shown to the current user, by permission."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _


def _subsidy_items(user: Any) -> list[dict[str, str]]:
    """Claims for those who read them, and each review queue for its reviewers."""
    entries = (
        ("subsidies.view_claim", _("补贴申请"), "subsidies:claim_list"),
        ("subsidies.review_first_claim", _("补贴初审"), "subsidies:queue_first"),
        ("subsidies.review_second_claim", _("补贴复审"), "subsidies:queue_second"),
    )
    return [{"label": label, "url": reverse(name)} for perm, label, name in entries if user.has_perm(perm)]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = [
        {"label": _("首页"), "url": reverse("portal:home")},
        {"label": _("培训目录"), "url": reverse("catalog:public_list")},
        {"label": _("目录版本"), "url": reverse("catalog:public_editions")},
        {"label": _("培训机构名录"), "url": reverse("providers:listed")},
    ]
    if user is not None and user.is_authenticated:
        provider_staff = bool(getattr(user, "provider_id", None))
        if user.has_perm("training.view_trainingclass"):
            label = _("我的培训班") if provider_staff else _("培训班")
            items.append({"label": label, "url": reverse("training:class_list")})
        if user.has_perm("training.review_trainingclass"):
            items.append({"label": _("开班审核"), "url": reverse("training:review_queue")})
        if user.has_perm("training.view_program") and not provider_staff:
            items.append({"label": _("培训项目"), "url": reverse("training:program_list")})
        if user.has_perm("certificates.view_certificate"):
            items.append({"label": _("证书"), "url": reverse("certificates:certificate_list")})
        items += _subsidy_items(user)
        if user.has_perm("providers.view_provider"):
            items.append({"label": _("培训机构"), "url": reverse("providers:list")})
        if user.has_perm("certificates.view_evaluatingbody") and not provider_staff:
            items.append({"label": _("评价机构"), "url": reverse("certificates:body_list")})
        if user.has_perm("certificates.confirm_selfevaluation"):
            items.append({"label": _("自主评价确认"), "url": reverse("certificates:selfevaluation_queue")})
        if user.has_perm("catalog.change_edition"):
            items.append({"label": _("目录管理"), "url": reverse("catalog:manage_editions")})
        if user.has_perm("core.change_holidayarrangement"):
            items.append({"label": _("节假日安排"), "url": reverse("accounts:holiday_years")})
        if getattr(user, "citizen_id_digest", ""):
            items.append({"label": _("我的证书"), "url": reverse("certificates:mine")})
            items.append({"label": _("我的补贴"), "url": reverse("subsidies:mine")})
        if user.has_perm("certificates.verify_batch"):
            items.append({"label": _("证书批量核验"), "url": reverse("certificates:verify_batch")})
        if user.has_perm("audit.view_auditevent"):
            items.append({"label": _("审计日志"), "url": reverse("audit:events")})
    items.append({"label": _("证书查验"), "url": reverse("certificates:verify")})  # public, after one's work
    return {"nav_items": items}
