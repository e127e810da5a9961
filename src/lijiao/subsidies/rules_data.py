"""The default subsidy schemes as data (SPEC C6, R1–R11): one scheme per kind, its version 1's parameters and rules.

Every number the rules use is a parameter ``{"value": …, "policy": "<the policy text it comes from>"}``; the
``rules`` say which rules run for the kind (in order) and which one sets the amount. The bureau changes a number by
publishing a new version (:mod:`lijiao.subsidies.services.schemes`), never by editing code. Decimal values are
written as strings so the content hash is stable. Pure data: no Django, no ORM.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any, Final

DEFAULT_EFFECTIVE_FROM: Final = dt.date(2020, 1, 1)

# Policy sources (short citations shown beside each parameter and on every decision line).
_GUOFA_2018_11 = "《国务院关于推行终身职业技能培训制度的意见》（国发〔2018〕11号）"
_CAISHE_2017_164 = "《就业补助资金管理办法》（财社〔2017〕164号）"
_ACTION_2019_24 = "《职业技能提升行动方案（2019—2021年）》（国办发〔2019〕24号）"
_RSB_2017_40 = "《关于失业保险支持参保职工提升职业技能有关问题的通知》（人社部发〔2017〕40号）"
_RSB_2021_39 = "《关于全面推行中国特色企业新型学徒制 加强技能人才培养的通知》（人社部发〔2021〕39号）"
_RETIREMENT_2024 = "《全国人民代表大会常务委员会关于实施渐进式延迟法定退休年龄的决定》（2024年9月13日）"
_LIST_MANAGEMENT = "职业技能培训机构目录清单管理：“凡补必进、不进不补”"
_CITY = "本市职业技能培训补贴实施细则"


def _p(value: Any, policy: str) -> dict[str, Any]:
    return {"value": value, "policy": policy}


_COMMON: Final[dict[str, dict[str, Any]]] = {
    "min_age": _p(16, f"{_ACTION_2019_24}：培训对象为劳动年龄内（16周岁至法定退休年龄）的劳动者"),
    "max_age_statutory_retirement": _p(
        True,
        f"{_RETIREMENT_2024}：法定退休年龄按出生年月、性别和岗位类别计算（由身份证号得出，不由申请人填写）",
    ),
    "r2_max_per_year": _p(3, f"{_GUOFA_2018_11}：每人每年享受补贴次数最多不超过3次"),
    "r2_scope": _p(
        "per_kind", f"{_CITY}：每年补贴次数按补贴类型分别计算（取值 per_kind）或合并计算（取值 total）"
    ),
    "r2_period": _p(
        "calendar_year",
        f"{_CITY}：补贴次数按自然年度（取值 calendar_year）或申请日前12个月（取值 rolling_12_months）计算",
    ),
    "r3_kinds": _p(
        ["training", "skill_upgrade", "graduate_conversion"],
        f"{_GUOFA_2018_11}：同一职业和等级不可重复享受；已享受较高等级补贴的，不再享受同职业较低等级补贴",
    ),
}

_ATTENDANCE = {
    "attendance_threshold": _p("0.80", f"{_CITY}：学员实际参训课时达到计划课时80%及以上的，方可申领补贴"),
}

_LISTING = {
    "r10_require_listed": _p(
        True, f"{_LIST_MANAGEMENT}；培训班须经备案，培训项目须在机构培训范围内，机构在培训期间未列入黑名单"
    ),
}


def _training_params() -> dict[str, Any]:
    return {
        **_COMMON,
        **_ATTENDANCE,
        **_LISTING,
        "r5_use_shortage_uplift": _p(
            True,
            f"{_CAISHE_2017_164}；{_CITY}：按培训开班申请日有效的目录补贴标准，紧缺职业（工种）按紧缺程度上浮，"
            "上浮后不超过目录版本的补贴政策上限",
        ),
    }


DEFAULT_SCHEMES: Final[dict[str, dict[str, Any]]] = {
    "training": {
        "name": "职业培训补贴",
        "description": "参加职业技能培训并取得证书的劳动者，按目录标准给予培训补贴。",
        "document_number": "财社〔2017〕164号",
        "policy_text": f"{_CAISHE_2017_164}；{_GUOFA_2018_11}",
        "parameters": _training_params(),
        "rules": {"apply": ["AGE", "R1", "R2", "R3", "R4", "R9", "R10"], "amount": "R5"},
    },
    "skill_upgrade": {
        "name": "技能提升补贴",
        "description": "参保职工取得职业资格证书或职业技能等级证书的，按等级给予技能提升补贴。",
        "document_number": "人社部发〔2017〕40号",
        "policy_text": f"{_RSB_2017_40}；{_ACTION_2019_24}",
        "parameters": {
            **_COMMON,
            "r6_min_insured_months": _p(
                12, f"{_ACTION_2019_24}：申领条件由参保3年（36个月）以上放宽至1年（12个月）以上"
            ),
            "r6_apply_within_months": _p(12, f"{_RSB_2017_40}：自取得证书之日起12个月内申请"),
            "r6_amount_by_level": _p(
                {"5": "1000", "4": "1500", "3": "2000", "13": "1000", "12": "1500", "11": "2000"},
                f"{_RSB_2017_40}：初级（五级）1000元、中级（四级）1500元、高级（三级）2000元",
            ),
            "r6_excluded_groups": _p(
                ["student", "public_institution"], f"{_CITY}：在校学生、事业单位工作人员不享受技能提升补贴"
            ),
            "r6_excluded_employer_kinds": _p(
                ["事业单位"], f"{_CITY}：参保单位为事业单位的，不享受技能提升补贴"
            ),
        },
        "rules": {"apply": ["AGE", "R1", "R2", "R3", "R4", "R6"], "amount": "R6"},
    },
    "assessment": {
        "name": "职业技能评价补贴",
        "description": "首次通过职业技能评价并取得证书的，按目录的评价补贴标准给予补贴；评价机构可代为申请。",
        "document_number": "财社〔2017〕164号",
        "policy_text": _CAISHE_2017_164,
        "parameters": {
            **_COMMON,
            "r7_first_assessment_only": _p(
                True, f"{_CAISHE_2017_164}：对通过初次职业技能评价并取得证书的人员给予补贴"
            ),
            "r7_once_per_person": _p(True, f"{_CAISHE_2017_164}：职业技能评价补贴每人限享受一次"),
        },
        "rules": {"apply": ["AGE", "R1", "R2", "R4", "R7"], "amount": "R7"},
    },
    "apprenticeship": {
        "name": "企业新型学徒制补贴",
        "description": "企业对新招用和转岗职工开展学徒培训，按人按年给予补贴，先预拨一部分，结业取证后清算。",
        "document_number": "人社部发〔2021〕39号",
        "policy_text": _RSB_2021_39,
        "parameters": {
            **_COMMON,
            "r8_hire_types": _p(
                ["new", "transferred"], f"{_RSB_2021_39}：培养对象为与企业签订劳动合同的新招用和转岗人员"
            ),
            "r8_min_contract_months": _p(12, f"{_RSB_2021_39}：签订1年以上劳动合同"),
            "r8_levels": _p([4, 3, 2, 1], f"{_RSB_2021_39}：培养目标为中级工、高级工、技师、高级技师"),
            "r8_min_months": _p(12, f"{_RSB_2021_39}：学徒培养期一般为1—2年"),
            "r8_max_months": _p(24, f"{_RSB_2021_39}：学徒培养期一般为1—2年"),
            "r8_max_months_exceptional": _p(36, f"{_RSB_2021_39}：特殊情况可延长到3年"),
            "r8_amount_per_year": _p("5000", f"{_RSB_2021_39}：补贴标准原则上每人每年不低于5000元"),
            "r8_advance_share": _p(
                "0.50", f"{_RSB_2021_39}：可先行拨付不超过50%的补贴资金，培养结束取证后拨付其余部分"
            ),
        },
        "rules": {"apply": ["AGE", "R8", "R1", "R4"], "amount": "R8"},
    },
    "living": {
        "name": "生活费补贴",
        "description": "就业困难人员等参加培训期间，按培训天数给予生活费补贴。",
        "document_number": "财社〔2017〕164号",
        "policy_text": _CAISHE_2017_164,
        "parameters": {
            **_COMMON,
            **_ATTENDANCE,
            **_LISTING,
            "living_groups": _p(
                ["low_income", "unemployed", "disabled", "rural_migrant"],
                f"{_CAISHE_2017_164}：对就业困难人员、零就业家庭成员等参加培训期间给予生活费补贴",
            ),
            "living_amount_per_day": _p("50", f"{_CITY}：生活费补贴按培训天数每人每天50元"),
            "living_max_days": _p(60, f"{_CITY}：生活费补贴最多按60天计算"),
        },
        "rules": {"apply": ["AGE", "LIVING", "R2", "R9", "R10"], "amount": "LIVING"},
    },
    "graduate_conversion": {
        "name": "毕业生专业转换培训补贴",
        "description": "离校3年内未就业高校毕业生和毕业年度高校毕业生参加3—6个月的专业转换及技能提升培训。",
        "document_number": "",
        "policy_text": "高校毕业生等青年专业转换及技能提升培训相关规定",
        "parameters": {
            **_training_params(),
            "r11_years_since_graduation": _p(3, "离校3年内未就业的高校毕业生，以及毕业年度高校毕业生"),
            "r11_min_months": _p(3, "专业转换及技能提升培训期限为3—6个月"),
            "r11_max_months": _p(6, "专业转换及技能提升培训期限为3—6个月"),
            "r11_once_per_person": _p(True, "专业转换及技能提升培训补贴每人限享受一次"),
        },
        "rules": {"apply": ["AGE", "R11", "R1", "R2", "R3", "R4", "R9", "R10"], "amount": "R5"},
    },
    "appointment_funding": {
        "name": "特级技师/首席技师评聘工作资助",
        "description": "对开展特级技师、首席技师评聘的企业给予工作经费资助（最高8万元），逐案审核。",
        "document_number": "",
        "policy_text": "特级技师、首席技师评聘工作资助办法",
        "parameters": {"talent_max_amount": _p("80000", "对开展评聘的企业给予最高8万元工作经费资助")},
        "rules": {"apply": ["TALENT"], "amount": "NONE"},
    },
    "competition_award": {
        "name": "职业技能竞赛奖励",
        "description": "职业技能竞赛获奖选手奖励，按竞赛文件逐案审核。",
        "document_number": "",
        "policy_text": "职业技能竞赛奖励办法",
        "parameters": {},
        "rules": {"apply": ["TALENT"], "amount": "NONE"},
    },
    "craftsman_award": {
        "name": "工匠奖励",
        "description": "获评大连工匠的，给予奖励（12万元），逐案审核。",
        "document_number": "",
        "policy_text": "大连工匠评选奖励办法",
        "parameters": {"talent_max_amount": _p("120000", "获评大连工匠的给予12万元奖励")},
        "rules": {"apply": ["TALENT"], "amount": "NONE"},
    },
}


# The 2025 variant of 技能提升补贴 (SPEC C6 R6: once per year, plus up to two more for shortage occupations). Not
# in version 1 (whose content and hash stay as published): :func:`install_default_schemes` adds it as a ready-to-
# publish DRAFT version 2 effective 2025-01-01, because the bureau adopts a national adjustment by its own act
# (publishing closes version 1 the day before, and every claim decided keeps the version that decided it).
SKILL_UPGRADE_2025_EFFECTIVE_FROM: Final = dt.date(2025, 1, 1)
_SKILL_2025 = "2025年技能提升补贴政策调整（延续实施部分减负稳岗扩就业政策措施）"
SKILL_UPGRADE_2025_CHANGES: Final[dict[str, Any]] = {
    "r6_per_year": 1,
    "r6_extra_for_shortage": 2,
}
SKILL_UPGRADE_2025_POLICIES: Final[dict[str, str]] = {
    "r6_per_year": f"{_SKILL_2025}：参保职工每人每年可享受1次技能提升补贴",
    "r6_extra_for_shortage": f"{_SKILL_2025}：取得紧缺职业（工种）证书的，每年可再增加享受不超过2次",
}


def default_scheme(kind: str) -> dict[str, Any]:
    """A deep copy of the default data for ``kind`` (callers may change it freely)."""
    return copy.deepcopy(DEFAULT_SCHEMES[kind])


# What each parameter is, in words (screens show these, never the parameter's name).
PARAMETER_LABELS: Final[dict[str, str]] = {
    "min_age": "最低年龄（周岁）",
    "max_age_statutory_retirement": "不超过法定退休年龄",
    "r2_max_per_year": "每人每年最多补贴次数（R2）",
    "r2_scope": "次数计算范围（R2）：per_kind 按类型 / total 合计",
    "r2_period": "次数计算期间（R2）：calendar_year 自然年度 / rolling_12_months 前12个月",
    "r3_kinds": "同职业同等级只补一次的补贴类型（R3）",
    "attendance_threshold": "出勤课时比例要求（R9）",
    "r10_require_listed": "机构须在目录清单内且未列入黑名单（R10）",
    "r5_use_shortage_uplift": "紧缺职业（工种）上浮（R5）",
    "r6_min_insured_months": "最少参保缴费月数（R6）",
    "r6_apply_within_months": "取得证书后申请期限（月，R6）",
    "r6_amount_by_level": "技能提升补贴标准（等级 → 元，R6）",
    "r6_excluded_groups": "不享受技能提升补贴的人员类别（R6）",
    "r6_excluded_employer_kinds": "不享受技能提升补贴的参保单位性质（R6）",
    "r6_per_year": "技能提升补贴每年次数（R6，2025年起）",
    "r6_extra_for_shortage": "紧缺职业（工种）证书每年可增加次数（R6，2025年起）",
    "r7_first_assessment_only": "仅限首次评价（R7）",
    "r7_once_per_person": "评价补贴每人一次（R7）",
    "r8_hire_types": "学徒招用方式（R8）：new 新招用 / transferred 转岗",
    "r8_min_contract_months": "最短劳动合同期限（月，R8）",
    "r8_levels": "学徒培养等级（R8）",
    "r8_min_months": "最短培养期（月，R8）",
    "r8_max_months": "最长培养期（月，R8）",
    "r8_max_months_exceptional": "特殊情况最长培养期（月，R8）",
    "r8_amount_per_year": "学徒补贴每人每年标准（元，R8）",
    "r8_advance_share": "预拨比例（R8）",
    "living_groups": "生活费补贴对象人员类别",
    "living_amount_per_day": "生活费补贴每天标准（元）",
    "living_max_days": "生活费补贴最多天数",
    "r11_years_since_graduation": "离校年限（年，R11）",
    "r11_min_months": "最短培训期限（月，R11）",
    "r11_max_months": "最长培训期限（月，R11）",
    "r11_once_per_person": "专业转换培训补贴每人一次（R11）",
    "talent_max_amount": "最高金额（元）",
}
