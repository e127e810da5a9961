"""What the inputs of a decision line are called on screens: the evaluator stores machine keys with the record,
people read these labels (never a Python name)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

INPUT_LABELS: Final[dict[str, Promise]] = {
    "advance_share": gettext_lazy("预拨比例"),
    "age": gettext_lazy("年龄"),
    "amount": gettext_lazy("金额（元）"),
    "application_date": gettext_lazy("申请日期"),
    "apply_within_months": gettext_lazy("申请期限（月）"),
    "assessment_claims": gettext_lazy("已申领评价补贴次数"),
    "attended": gettext_lazy("实到课时"),
    "cap": gettext_lazy("政策上限（元）"),
    "certificate_issued_on": gettext_lazy("发证日期"),
    "claimed_elsewhere": gettext_lazy("证书已用于其他申请"),
    "class_approved": gettext_lazy("班级已备案"),
    "contract_months": gettext_lazy("劳动合同期限（月）"),
    "counted_days": gettext_lazy("计发天数"),
    "earlier_claims": gettext_lazy("此前申请"),
    "eligible_groups": gettext_lazy("适用人员类别"),
    "employed": gettext_lazy("已就业"),
    "employer_kind": gettext_lazy("参保单位性质"),
    "exceptional": gettext_lazy("特殊情况"),
    "first_assessment": gettext_lazy("首次评价"),
    "graduation_year": gettext_lazy("毕业年份"),
    "groups": gettext_lazy("人员类别"),
    "hire_type": gettext_lazy("入职方式"),
    "insured_months": gettext_lazy("参保月数"),
    "item_in_scope": gettext_lazy("在机构培训范围内"),
    "kind": gettext_lazy("补贴类型"),
    "level": gettext_lazy("等级"),
    "matches_item": gettext_lazy("与培训项目相符"),
    "max": gettext_lazy("上限"),
    "min_age": gettext_lazy("最低年龄"),
    "min_insured_months": gettext_lazy("最低参保月数"),
    "number": gettext_lazy("证书编号"),
    "part": gettext_lazy("拨付部分"),
    "per_day": gettext_lazy("每日标准（元）"),
    "per_year": gettext_lazy("每年标准（元）"),
    "period": gettext_lazy("计算期间"),
    "planned": gettext_lazy("计划课时"),
    "provider_blacklisted": gettext_lazy("机构在黑名单中"),
    "provider_listed": gettext_lazy("机构已列入目录"),
    "rate": gettext_lazy("出勤率"),
    "retirement_date": gettext_lazy("法定退休日期"),
    "scope": gettext_lazy("计数口径"),
    "standard": gettext_lazy("补贴标准（元）"),
    "status": gettext_lazy("状态"),
    "subsidised_levels": gettext_lazy("已补贴等级"),
    "threshold": gettext_lazy("出勤要求"),
    "total": gettext_lazy("合计"),
    "training_days": gettext_lazy("培训天数"),
    "training_months": gettext_lazy("培训月数"),
    "uplift": gettext_lazy("紧缺上浮比例"),
    "uplifted": gettext_lazy("上浮后金额（元）"),
    "used": gettext_lazy("已使用次数"),
}

# Coded values the lines carry (the version's parameters and the claim's stated facts), as people say them.
VALUE_LABELS: Final[dict[str, Promise]] = {
    "per_kind": gettext_lazy("按补贴类型分别计算"),
    "total": gettext_lazy("合并计算"),
    "calendar_year": gettext_lazy("自然年度"),
    "rolling_12_months": gettext_lazy("申请日前12个月"),
    "new": gettext_lazy("新招用"),
    "transferred": gettext_lazy("转岗"),
    "existing": gettext_lazy("原有在岗"),
    "full": gettext_lazy("全额"),
    "advance": gettext_lazy("预拨部分"),
    "final": gettext_lazy("清算部分"),
    "valid": gettext_lazy("有效"),
    "revoked": gettext_lazy("已撤销"),
}


def _value(value: Any) -> str:
    if value is True:
        return _("是")
    if value is False:
        return _("否")
    if value is None or value in ("", []):
        return "—"
    if isinstance(value, list | tuple):
        return "、".join(_value(v) for v in value)
    if isinstance(value, str) and value in VALUE_LABELS:
        return str(VALUE_LABELS[value])
    return str(value)


def labelled_inputs(inputs: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``[(label, shown value)]`` for a line's inputs; a key without a label is left out rather than shown raw."""
    return [(str(INPUT_LABELS[key]), _value(value)) for key, value in inputs.items() if key in INPUT_LABELS]
