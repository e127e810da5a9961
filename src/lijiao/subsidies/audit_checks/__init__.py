"""The anti-fraud checks (issue 12 items 9, 10): set-based, a fixed handful of queries each, no per-claim loop.

Each check narrows the data with an aggregate or a join in the database (groups over a threshold, overlapping
pairs, rows that break a date rule) and only the few candidates it returns are turned into :class:`Draft`
findings in Python. The same register check serves the pre-payment check of one claim
(:func:`lijiao.subsidies.services.registers.check_registers`) and the nightly audit of every claim: both get
the same fingerprint, so a finding is never written twice.

Everything here is the ORM or portable SQL: the answers are the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from lijiao.subsidies.audit_checks.attendance import (
    check_cross_provider,
    check_overlap_attendance,
    check_short_class,
)
from lijiao.subsidies.audit_checks.base import Context, Draft, fingerprint
from lijiao.subsidies.audit_checks.certificates import (
    check_certificate_before_class_end,
    check_evaluator_spike,
)
from lijiao.subsidies.audit_checks.claim_rules import (
    check_r2_cap,
    check_r3_repeat,
    check_r4_certificate_reuse,
)
from lijiao.subsidies.audit_checks.people import check_identity_age, check_identity_name, check_shared_phone
from lijiao.subsidies.audit_checks.providers import check_provider_blacklisted
from lijiao.subsidies.audit_checks.registers import check_registers, latest_snapshots
from lijiao.subsidies.models import RegisterKind

HOLDING_CHECKS = frozenset(
    {
        "r2_cap",
        "r3_repeat",
        "r4_certificate_reuse",
        "identity_age",
        "certificate_before_class_end",
        *(f"register_{kind}" for kind in RegisterKind.values),
    }
)

# --- the catalogue of checks -----------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[Context], list[Draft]]] = {
    "r2_cap": check_r2_cap,
    "r3_repeat": check_r3_repeat,
    "r4_certificate_reuse": check_r4_certificate_reuse,
    "overlap_attendance": check_overlap_attendance,
    "short_class": check_short_class,
    "shared_phone": check_shared_phone,
    "cross_provider": check_cross_provider,
    "certificate_before_class_end": check_certificate_before_class_end,
    "evaluator_spike": check_evaluator_spike,
    "provider_blacklisted": check_provider_blacklisted,
    "identity_age": check_identity_age,
    "identity_name": check_identity_name,
    "registers": check_registers,
}


def check_labels() -> dict[str, str]:
    """Each check code (and register check) with its name for people."""
    return {
        "r2_cap": _("超过年度补贴次数上限（R2）"),
        "r3_repeat": _("重复或降级补贴（R3）"),
        "r4_certificate_reuse": _("同一证书多次申请（R4）"),
        "overlap_attendance": _("跨班签到时间重叠"),
        "short_class": _("实际培训天数少于课表"),
        "shared_phone": _("多名学员共用手机号"),
        "cross_provider": _("学员同时在其他机构班级参训"),
        "certificate_before_class_end": _("发证日期早于结业日期"),
        "evaluator_spike": _("评价机构发证量异常"),
        "provider_blacklisted": _("培训机构开班期间在黑名单中"),
        "identity_age": _("年龄不符（未满16周岁或已达退休年龄）"),
        "identity_name": _("同一身份证号不同姓名"),
        "register_pension": _("养老金领取人员"),
        "register_student": _("在校学生"),
        "register_payroll": _("财政供养人员"),
        "register_unemployment": _("失业登记期间有单位缴费"),
    }


__all__ = [
    "CHECKS",
    "HOLDING_CHECKS",
    "Context",
    "Draft",
    "check_labels",
    "check_r2_cap",
    "check_registers",
    "fingerprint",
    "latest_snapshots",
]
