"""The rules AGE, R1–R11, the living allowance and the talent kinds: one function per rule, each a line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from lijiao.core.retirement import category_for, statutory_retirement
from lijiao.core.rules import RuleError, add_months, evaluate, months_between
from lijiao.subsidies.policy.base import (
    KIND_NAMES,
    FactsError,
    RuleLine,
    _Ctx,
    _date,
    _decimal,
    _int,
    _level_name,
    _line,
    _missing,
    _money,
    _plain,
    _section,
    _yuan,
)

# ---------------------------------------------------------------------------------------------------------------
# the rules


def _age(ctx: _Ctx) -> RuleLine:
    label = "年龄在16周岁至法定退休年龄之间"
    policy = ctx.params.policy("min_age", "max_age_statutory_retirement")
    on = ctx.application_date
    if on is None:
        return _missing("AGE", label, policy, "申请日期")
    birth = _date(ctx.person.get("birth_date"), "person.birth_date")
    age = _int(ctx.person.get("age"), "person.age")
    reached = ctx.person.get("retirement_age_reached")
    retirement_date = _date(ctx.person.get("retirement_date"), "person.retirement_date")
    if birth is not None:
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        if ctx.person.get("gender") in ("M", "F"):
            category, _assumed = category_for(
                str(ctx.person["gender"]), str(ctx.person.get("position") or "")
            )
            retirement_date = statutory_retirement(birth, category).date
            reached = on >= retirement_date
    if age is None:
        return _missing("AGE", label, policy, "出生日期或年龄")
    min_age = int(ctx.params.get("min_age"))
    check_retirement = bool(ctx.params.get("max_age_statutory_retirement"))
    inputs = {"application_date": on, "age": age, "min_age": min_age, "retirement_date": retirement_date}
    if age < min_age:
        return _line("AGE", label, inputs, False, policy, f"申请日年龄{age}周岁，未满{min_age}周岁。")
    if check_retirement and reached is None:
        return _missing("AGE", label, policy, "性别（用于计算法定退休年龄）")
    if check_retirement and reached:
        return _line(
            "AGE",
            label,
            inputs,
            False,
            policy,
            f"申请日已达到法定退休年龄（{_plain(retirement_date) or '已达到'}）。",
        )
    return _line("AGE", label, inputs, True, policy, f"申请日年龄{age}周岁，在劳动年龄内。")


def _r1(ctx: _Ctx) -> RuleLine:
    label = "取得与培训项目相符的证书后申领"
    policy = "取得职业资格证书、职业技能等级证书或专项职业能力证书后，方可申领补贴"
    if ctx.kind == "apprenticeship" and ctx.part == "advance":
        return _line(
            "R1",
            label,
            {"part": "advance"},
            True,
            policy,
            "预拨部分在培养开始后申领，无需证书；清算部分须取得证书。",
        )
    cert = ctx.certificate
    number = cert.get("number")
    inputs = {"number": number, "status": cert.get("status"), "matches_item": cert.get("matches_item")}
    if not number:
        return _line("R1", label, inputs, False, policy, "尚未取得证书，不能申领补贴。")
    if cert.get("status", "valid") != "valid":
        return _line("R1", label, inputs, False, policy, f"证书{number}状态不是有效，不能申领补贴。")
    if cert.get("matches_item") is False:
        return _line(
            "R1", label, inputs, False, policy, f"证书{number}的职业（工种）或等级与培训项目不一致。"
        )
    issued = _date(cert.get("issued_on"), "certificate.issued_on")
    if issued is not None and ctx.application_date is not None and issued > ctx.application_date:
        return _line("R1", label, inputs, False, policy, f"证书发证日期{issued}晚于申请日期。")
    return _line("R1", label, inputs, True, policy, f"已取得证书{number}，与培训项目相符。")


def _r2(ctx: _Ctx) -> RuleLine:
    label = "每人每年享受补贴次数不超过上限"
    policy = ctx.params.policy("r2_max_per_year", "r2_scope", "r2_period")
    maximum = int(ctx.params.get("r2_max_per_year"))
    scope = ctx.params.get("r2_scope")
    period = ctx.params.get("r2_period")
    counts = _section(_section(ctx.history, "subsidies"), str(period))
    if scope == "total":
        used = _int(counts.get("total"), f"history.subsidies.{period}.total")
        scope_text = "各类补贴合计"
    else:
        by_kind = _section(counts, "by_kind")
        used = _int(by_kind.get(ctx.kind, 0 if counts else None), f"history.subsidies.{period}.by_kind")
        scope_text = f"本类补贴（{KIND_NAMES.get(ctx.kind, ctx.kind)}）"
    period_text = "本自然年度" if period == "calendar_year" else "申请日前12个月内"
    if used is None:
        return _missing("R2", label, policy, "本年度已享受补贴次数")
    inputs = {"used": used, "max": maximum, "scope": scope, "period": period}
    passed = used < maximum
    verdict = "未超过" if passed else "已达到"
    return _line(
        "R2",
        label,
        inputs,
        passed,
        policy,
        f"{period_text}{scope_text}已享受{used}次，{verdict}每年{maximum}次的上限。",
    )


def _level_family(level: int) -> int:
    return 1 if level >= 11 else 0


def _r3(ctx: _Ctx) -> RuleLine:
    label = "同一职业（工种）同一等级只补贴一次，已补贴较高等级的不再补贴较低等级"
    policy = ctx.params.policy("r3_kinds")
    kinds = set(ctx.params.get("r3_kinds"))
    level = _int(ctx.certificate.get("level") or ctx.item.get("level"), "certificate.level")
    if level is None:
        return _line("R3", label, {"level": None}, True, policy, "专项职业能力等不分等级的项目，不适用本条。")
    earlier = []
    for row in ctx.history.get("subsidised_levels") or []:
        if not isinstance(row, Mapping):
            raise FactsError("“history.subsidised_levels”应为对象列表")
        row_level = _int(row.get("level"), "history.subsidised_levels.level")
        if (
            row.get("kind") in kinds
            and row_level is not None
            and _level_family(row_level) == _level_family(level)
        ):
            earlier.append(row_level)
    blocking = sorted(x for x in earlier if x <= level)
    inputs = {"level": level, "subsidised_levels": sorted(set(earlier))}
    if not blocking:
        text = "此前未享受过该职业（工种）同等级或更高等级的补贴。"
        return _line("R3", label, inputs, True, policy, text)
    highest = blocking[0]
    if highest == level:
        text = f"该职业（工种）{_level_name(level)}已享受过补贴，同一等级只补贴一次。"
    else:
        text = f"该职业（工种）已享受过更高等级（{_level_name(highest)}）的补贴，不再补贴较低等级（{_level_name(level)}）。"
    return _line("R3", label, inputs, False, policy, text)


def _r4(ctx: _Ctx) -> RuleLine:
    label = "同一证书只能享受一次补贴（各类补贴合计）"
    policy = "同一证书不得重复申领补贴；技能提升补贴与职业培训补贴不得就同一证书重复享受"
    if ctx.kind == "apprenticeship" and ctx.part == "advance":
        return _line("R4", label, {"part": "advance"}, True, policy, "预拨部分不使用证书。")
    number = ctx.certificate.get("number")
    used = ctx.history.get("certificate_claimed_elsewhere")
    inputs = {"number": number, "claimed_elsewhere": used}
    if not number:
        return _line("R4", label, inputs, False, policy, "没有证书，无法核对。")
    if used is None:
        return _missing("R4", label, policy, "证书是否已被其他申请使用的信息")
    if used:
        return _line("R4", label, inputs, False, policy, f"证书{number}已用于其他补贴申请，不能重复补贴。")
    return _line("R4", label, inputs, True, policy, f"证书{number}未用于其他补贴申请。")


def _catalog_amount(ctx: _Ctx, *, field_name: str = "subsidy_standard") -> tuple[RuleLine, Decimal]:
    label = "补贴金额 = min(目录标准 ×（1 + 紧缺上浮）, 政策上限)"
    policy = ctx.params.policy("r5_use_shortage_uplift") or "按目录补贴标准确定补贴金额"
    rule = "R5"
    standard = _decimal(ctx.item.get(field_name), f"catalog_item.{field_name}")
    cap = _decimal(ctx.item.get("edition_cap"), "catalog_item.edition_cap")
    uplift = _decimal(ctx.item.get("uplift"), "catalog_item.uplift") or Decimal("0")
    if field_name != "subsidy_standard" or (
        ctx.params.has("r5_use_shortage_uplift") and not ctx.params.get("r5_use_shortage_uplift")
    ):
        uplift = Decimal("0")
    if standard is None:
        return _missing(rule, label, policy, "目录补贴标准"), Decimal("0")
    uplifted = standard * (1 + uplift)
    amount = uplifted if cap is None else min(uplifted, cap)
    amount = _money(amount)
    inputs = {
        "standard": standard,
        "uplift": uplift,
        "uplifted": _money(uplifted),
        "cap": cap,
        "amount": amount,
    }
    text = f"目录标准{_yuan(standard)}"
    if uplift:
        text += f"，紧缺上浮{uplift * 100:.0f}%后为{_yuan(uplifted)}"
    if cap is not None and uplifted > cap:
        text += f"，超过政策上限{_yuan(cap)}，按上限"
    text += f"，核定{_yuan(amount)}。"
    return _line(rule, label, inputs, amount > 0, policy, text), amount


def _r5(ctx: _Ctx) -> tuple[RuleLine, Decimal]:
    return _catalog_amount(ctx)


def _r6_amount(ctx: _Ctx) -> tuple[RuleLine, Decimal]:
    label = "技能提升补贴按证书等级定额"
    policy = ctx.params.policy("r6_amount_by_level")
    table = ctx.params.get("r6_amount_by_level")
    level = _int(ctx.certificate.get("level"), "certificate.level")
    raw = table.get(str(level)) if level is not None else None
    if raw is None:
        text = f"证书等级为{_level_name(level)}，该等级没有技能提升补贴标准。"
        return _line("R6_AMOUNT", label, {"level": level}, False, policy, text), Decimal("0")
    amount = _money(Decimal(str(raw)))
    text = f"证书等级为{_level_name(level)}，补贴{_yuan(amount)}。"
    return _line("R6_AMOUNT", label, {"level": level, "amount": amount}, True, policy, text), amount


def _r6(ctx: _Ctx) -> RuleLine:
    label = "参保缴费满规定月数、取得证书后规定期限内申请、不属于在校学生或事业单位人员"
    policy = ctx.params.policy(
        "r6_min_insured_months",
        "r6_apply_within_months",
        "r6_excluded_groups",
        "r6_excluded_employer_kinds",
        "r6_per_year",
        "r6_extra_for_shortage",
    )
    min_months = int(ctx.params.get("r6_min_insured_months"))
    within = int(ctx.params.get("r6_apply_within_months"))
    insured = _int(ctx.history.get("insured_months"), "history.insured_months")
    issued = _date(ctx.certificate.get("issued_on"), "certificate.issued_on")
    on = ctx.application_date
    groups = set(ctx.person.get("groups") or [])
    excluded_groups = set(ctx.params.get("r6_excluded_groups")) & groups
    employer_kind = ctx.person.get("employer_kind") or ""
    excluded_employer = employer_kind in set(ctx.params.get("r6_excluded_employer_kinds"))
    inputs: dict[str, Any] = {
        "insured_months": insured,
        "min_insured_months": min_months,
        "certificate_issued_on": issued,
        "application_date": on,
        "apply_within_months": within,
        "groups": sorted(groups),
        "employer_kind": employer_kind,
    }
    if insured is None or issued is None or on is None:
        return _missing("R6", label, policy, "参保月数、发证日期或申请日期")
    problems = []
    if insured < min_months:
        problems.append(f"截至申请日参保缴费{insured}个月，不足{min_months}个月")
    deadline = add_months(issued, within)
    if on > deadline:
        problems.append(f"证书发证日期{issued}，应在{deadline}前申请，申请日{on}已超过{within}个月")
    if excluded_groups:
        names = {"student": "在校学生", "public_institution": "事业单位人员"}
        problems.append("属于" + "、".join(names.get(g, g) for g in sorted(excluded_groups)))
    if excluded_employer:
        problems.append(f"参保单位性质为{employer_kind}")
    yearly = _r6_yearly(ctx, inputs)
    if yearly:
        problems.append(yearly)
    if problems:
        return _line("R6", label, inputs, False, policy, "；".join(problems) + "，不符合技能提升补贴条件。")
    text = f"截至申请日参保缴费{insured}个月（不少于{min_months}个月），在取得证书后{within}个月内申请。"
    if "r6_allowed_this_year" in inputs:
        text += (
            f"本年度已享受技能提升补贴{inputs['r6_used_this_year']}次，"
            f"未超过每年{inputs['r6_allowed_this_year']}次。"
        )
    return _line("R6", label, inputs, True, policy, text)


def _r6_yearly(ctx: _Ctx, inputs: dict[str, Any]) -> str:
    """The 2025 variant (only when the version has ``r6_per_year``): once a year, plus up to
    ``r6_extra_for_shortage`` more when the certificate's occupation is a shortage one. Fills ``inputs``; returns
    the problem sentence or ""."""
    if not ctx.params.has("r6_per_year"):
        return ""
    per_year = int(ctx.params.get("r6_per_year"))
    extra = int(ctx.params.get("r6_extra_for_shortage")) if ctx.params.has("r6_extra_for_shortage") else 0
    counts = _section(_section(ctx.history, "subsidies"), "calendar_year")
    if not counts:
        inputs["r6_per_year"] = per_year
        return "缺少本年度已享受技能提升补贴次数，无法判断每年次数"
    this_year = _section(counts, "by_kind")
    used = _int(this_year.get("skill_upgrade", 0), "history.subsidies.calendar_year.by_kind") or 0
    tier = str(ctx.certificate.get("shortage_tier") or ctx.item.get("shortage_tier") or "")
    allowed = per_year + (extra if tier else 0)
    inputs.update(
        {
            "r6_used_this_year": used,
            "r6_per_year": per_year,
            "r6_extra_for_shortage": extra,
            "shortage_tier": tier,
            "r6_allowed_this_year": allowed,
        }
    )
    if used < allowed:
        return ""
    if tier:
        return f"本年度已享受技能提升补贴{used}次，紧缺职业（工种）证书每年最多{allowed}次"
    more = f"（紧缺职业（工种）证书可再增加{extra}次）" if extra else ""
    return f"本年度已享受技能提升补贴{used}次，非紧缺职业（工种）证书每年限{per_year}次{more}"


def _r7(ctx: _Ctx) -> RuleLine:
    label = "首次参加职业技能评价，每人限享受一次"
    policy = ctx.params.policy("r7_first_assessment_only", "r7_once_per_person")
    first = ctx.history.get("first_assessment")
    before = _int(ctx.history.get("assessment_claims"), "history.assessment_claims") or 0
    inputs = {"first_assessment": first, "assessment_claims": before}
    if first is None:
        return _missing("R7", label, policy, "是否首次评价的信息")
    if ctx.params.get("r7_first_assessment_only") and not first:
        return _line(
            "R7", label, inputs, False, policy, "此前已参加过职业技能评价并取得证书，不属于首次评价。"
        )
    if ctx.params.get("r7_once_per_person") and before > 0:
        return _line("R7", label, inputs, False, policy, "已享受过职业技能评价补贴，每人限一次。")
    return _line("R7", label, inputs, True, policy, "首次参加职业技能评价，此前未享受过评价补贴。")


def _r7_amount(ctx: _Ctx) -> tuple[RuleLine, Decimal]:
    line, amount = _catalog_amount(ctx, field_name="assessment_subsidy")
    label = "评价补贴金额 = min(目录评价补贴标准, 政策上限)"
    return RuleLine("R7_AMOUNT", label, line.inputs, line.passed, line.policy, line.explanation), amount


def _r8(ctx: _Ctx) -> RuleLine:
    label = "新招用或转岗职工、劳动合同1年以上、培养中级工至高级技师、培养期1—2年（特殊3年）"
    p = ctx.params
    policy = p.policy(
        "r8_hire_types", "r8_min_contract_months", "r8_levels", "r8_min_months", "r8_max_months"
    )
    a = ctx.apprenticeship
    hire_type = a.get("hire_type")
    contract = _int(a.get("contract_months"), "apprenticeship.contract_months")
    level = _int(a.get("level") or ctx.item.get("level"), "apprenticeship.level")
    months = _int(a.get("training_months"), "apprenticeship.training_months")
    exceptional = bool(a.get("exceptional"))
    inputs = {
        "hire_type": hire_type,
        "contract_months": contract,
        "level": level,
        "training_months": months,
        "exceptional": exceptional,
    }
    if hire_type is None or contract is None or level is None or months is None:
        return _missing("R8", label, policy, "学徒招用方式、劳动合同期限、培养等级或培养期")
    problems = []
    hire_names = {"new": "新招用", "transferred": "转岗", "existing": "原有在岗"}
    if hire_type not in p.get("r8_hire_types"):
        problems.append(f"学徒为{hire_names.get(str(hire_type), str(hire_type))}职工，不是新招用或转岗人员")
    if contract < int(p.get("r8_min_contract_months")):
        problems.append(f"劳动合同期限{contract}个月，不足{p.get('r8_min_contract_months')}个月")
    if level not in [int(x) for x in p.get("r8_levels")]:
        problems.append(f"培养等级为{_level_name(level)}，不在中级工至高级技师范围内")
    maximum = int(p.get("r8_max_months_exceptional") if exceptional else p.get("r8_max_months"))
    if not int(p.get("r8_min_months")) <= months <= maximum:
        problems.append(f"培养期{months}个月，不在{p.get('r8_min_months')}—{maximum}个月之间")
    if problems:
        return _line("R8", label, inputs, False, policy, "；".join(problems) + "。")
    text = f"{hire_names[str(hire_type)]}职工，劳动合同{contract}个月，培养{_level_name(level)}，培养期{months}个月。"
    return _line("R8", label, inputs, True, policy, text)


def _r8_amount(ctx: _Ctx) -> tuple[RuleLine, Decimal]:
    label = "学徒补贴 = 每人每年标准 × 培养年数；预拨部分按比例，清算部分为其余"
    p = ctx.params
    policy = p.policy("r8_amount_per_year", "r8_advance_share")
    per_year = Decimal(str(p.get("r8_amount_per_year")))
    share = Decimal(str(p.get("r8_advance_share")))
    months = _int(ctx.apprenticeship.get("training_months"), "apprenticeship.training_months")
    if months is None:
        return _missing("R8_AMOUNT", label, policy, "培养期"), Decimal("0")
    total = _money(per_year * Decimal(months) / 12)
    advance = _money(total * share)
    amount = {"advance": advance, "final": total - advance, "full": total}[ctx.part]
    part_text = {"advance": f"预拨{share * 100:.0f}%", "final": "清算其余部分", "full": "全额"}[ctx.part]
    inputs = {
        "per_year": per_year,
        "training_months": months,
        "total": total,
        "advance_share": share,
        "part": ctx.part,
    }
    text = f"每人每年{_yuan(per_year)}，培养{months}个月共{_yuan(total)}，本次{part_text}：{_yuan(amount)}。"
    return _line("R8_AMOUNT", label, inputs, amount > 0, policy, text), amount


def _r9(ctx: _Ctx) -> RuleLine:
    label = "实际参训课时达到计划课时的规定比例"
    policy = ctx.params.policy("attendance_threshold")
    threshold = Decimal(str(ctx.params.get("attendance_threshold")))
    attended = _decimal(ctx.attendance.get("lesson_hours_attended"), "attendance.lesson_hours_attended")
    planned = _decimal(ctx.attendance.get("lesson_hours_planned"), "attendance.lesson_hours_planned")
    if attended is None or not planned:
        return _missing("R9", label, policy, "参训课时和计划课时")
    rate = attended / planned
    inputs = {
        "attended": attended,
        "planned": planned,
        "rate": rate.quantize(Decimal("0.0001")),
        "threshold": threshold,
    }
    passed = rate >= threshold
    verdict = "达到" if passed else "低于"
    text = (
        f"参训{attended}课时 / 计划{planned}课时 = {rate * 100:.1f}%，{verdict}{threshold * 100:.0f}%的要求。"
    )
    return _line("R9", label, inputs, passed, policy, text)


def _r10(ctx: _Ctx) -> RuleLine:
    label = "培训机构在目录清单内且培训期间未列入黑名单，培训班已备案，项目在机构培训范围内"
    policy = ctx.params.policy("r10_require_listed")
    c = ctx.training_class
    inputs = {
        "provider_listed": c.get("provider_listed"),
        "provider_blacklisted": c.get("provider_blacklisted"),
        "class_approved": c.get("approved"),
        "item_in_scope": c.get("item_in_scope"),
    }
    if any(v is None for v in inputs.values()):
        return _missing("R10", label, policy, "培训机构、培训班备案和培训范围的信息")
    problems = []
    if not c["provider_listed"]:
        problems.append("培训机构不在目录清单内（未认定或已暂停、清退）")
    if c["provider_blacklisted"]:
        problems.append("培训机构在培训期间被列入黑名单")
    if not c["approved"]:
        problems.append("培训班未经备案")
    if not c["item_in_scope"]:
        problems.append("培训项目不在机构的培训范围内")
    if problems:
        return _line("R10", label, inputs, False, policy, "；".join(problems) + "。")
    return _line(
        "R10",
        label,
        inputs,
        True,
        policy,
        "培训机构在目录清单内、培训期间未列入黑名单，培训班已备案，项目在培训范围内。",
    )


def _r11(ctx: _Ctx) -> RuleLine:
    label = "离校3年内未就业或毕业年度高校毕业生，培训3—6个月，每人一次"
    p = ctx.params
    policy = p.policy("r11_years_since_graduation", "r11_min_months", "r11_once_per_person")
    g = ctx.graduate
    on = ctx.application_date
    year = _int(g.get("graduation_year") or ctx.person.get("graduation_year"), "graduate.graduation_year")
    employed = g.get("employed", ctx.person.get("employed"))
    months = _int(g.get("training_months"), "graduate.training_months")
    if months is None:
        start = _date(ctx.training_class.get("start_date"), "training_class.start_date")
        end = _date(ctx.training_class.get("end_date"), "training_class.end_date")
        if start and end:
            months = months_between(start, end + dt.timedelta(days=1))
    before = _int(ctx.history.get("graduate_conversion_claims"), "history.graduate_conversion_claims") or 0
    inputs = {
        "graduation_year": year,
        "employed": employed,
        "training_months": months,
        "earlier_claims": before,
    }
    if year is None or on is None or months is None:
        return _missing("R11", label, policy, "毕业年份、申请日期或培训期限")
    problems = []
    years = on.year - year
    window = int(p.get("r11_years_since_graduation"))
    if years > window:
        problems.append(f"{year}年毕业，已离校超过{window}年")
    elif years > 0 and employed:
        problems.append("已就业")
    if years < -1:
        problems.append(f"{year}年毕业，不是毕业年度高校毕业生")
    if not int(p.get("r11_min_months")) <= months <= int(p.get("r11_max_months")):
        problems.append(
            f"培训期限{months}个月，不在{p.get('r11_min_months')}—{p.get('r11_max_months')}个月之间"
        )
    if p.get("r11_once_per_person") and before > 0:
        problems.append("已享受过专业转换培训补贴，每人限一次")
    if problems:
        return _line("R11", label, inputs, False, policy, "；".join(problems) + "。")
    who = "毕业年度高校毕业生" if years <= 0 else f"离校{years}年内未就业高校毕业生"
    return _line("R11", label, inputs, True, policy, f"{who}，培训{months}个月，此前未享受过该补贴。")


def _living(ctx: _Ctx) -> RuleLine:
    label = "属于生活费补贴对象"
    policy = ctx.params.policy("living_groups")
    allowed = set(ctx.params.get("living_groups"))
    groups = set(ctx.person.get("groups") or [])
    hit = sorted(allowed & groups)
    inputs = {"groups": sorted(groups), "eligible_groups": sorted(allowed)}
    if hit:
        return _line("LIVING", label, inputs, True, policy, f"属于生活费补贴对象（{'、'.join(hit)}）。")
    return _line("LIVING", label, inputs, False, policy, "不属于就业困难人员等生活费补贴对象。")


def _living_amount(ctx: _Ctx) -> tuple[RuleLine, Decimal]:
    label = "生活费补贴 = 每天标准 × 培训天数（不超过上限天数）"
    policy = ctx.params.policy("living_amount_per_day", "living_max_days")
    per_day = Decimal(str(ctx.params.get("living_amount_per_day")))
    days = _int(ctx.training_class.get("training_days"), "training_class.training_days")
    if days is None:
        return _missing("LIVING_AMOUNT", label, policy, "培训天数"), Decimal("0")
    counted = min(days, int(ctx.params.get("living_max_days")))
    amount = _money(per_day * counted)
    inputs = {"per_day": per_day, "training_days": days, "counted_days": counted, "amount": amount}
    text = f"每天{_yuan(per_day)} × {counted}天 = {_yuan(amount)}。"
    return _line("LIVING_AMOUNT", label, inputs, amount > 0, policy, text), amount


def _talent(ctx: _Ctx) -> RuleLine:
    label = "人才类奖励和资助逐案审核"
    policy = ctx.params.policy("talent_max_amount") or "按相关奖励、资助办法逐案审核"
    text = f"{KIND_NAMES.get(ctx.kind, ctx.kind)}不按规则自动核定，由经办人员按文件逐案审核金额。"
    return _line("TALENT", label, {"kind": ctx.kind}, False, policy, text)


RULES: dict[str, Callable[[_Ctx], RuleLine]] = {
    "AGE": _age,
    "R1": _r1,
    "R2": _r2,
    "R3": _r3,
    "R4": _r4,
    "R6": _r6,
    "R7": _r7,
    "R8": _r8,
    "R9": _r9,
    "R10": _r10,
    "R11": _r11,
    "LIVING": _living,
    "TALENT": _talent,
}
AMOUNTS: dict[str, Callable[[_Ctx], tuple[RuleLine, Decimal]]] = {
    "R5": _r5,
    "R6": _r6_amount,
    "R7": _r7_amount,
    "R8": _r8_amount,
    "LIVING": _living_amount,
}


def _extra(ctx: _Ctx, spec: Any) -> RuleLine:
    if not isinstance(spec, Mapping) or "rule" not in spec:
        raise FactsError("政策版本的附加规则应为含“rule”的对象")
    code = str(spec.get("code") or "EXTRA")
    try:
        result = evaluate(spec["rule"], ctx.facts)
    except RuleError as exc:
        raise FactsError(f"附加规则{code}有误：{exc}") from None
    inputs = {c.fact: c.actual for c in result.trace}
    text = "满足条件。" if result.passed else "不满足：" + "；".join(result.reasons) + "。"
    return _line(
        code, str(spec.get("label") or code), inputs, result.passed, str(spec.get("policy") or ""), text
    )
