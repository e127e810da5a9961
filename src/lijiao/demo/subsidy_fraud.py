"""Demo registers and planted fraud patterns (issue 12 item 14), all through the real services.

* :func:`load_subsidy_registers` (before the payment demo files its claims): one snapshot of each external
  register, imported through :func:`lijiao.subsidies.importers_registers.import_register` by the auditor from
  files built here (xlsx with xlsxwriter, csv), dated from the demo clock: a retiree (pension payee), a
  full-time student, a civil servant on the payroll and an unemployment registration whose contribution months
  show an employer — each a trainee of a class the payment demo claims for — and the contribution months the
  技能提升补贴 (R6) claims are judged by (the demo worker insured long enough, one trainee too briefly).
* :func:`load_subsidy_fraud` (after the payment demo): four claimants who registered one phone number (updated
  through :func:`lijiao.people.services.register_person`); a certificate imported from another city (the history
  import, which flags rather than refuses it) dated before the end of the class it names, claimed for by the
  provider; then one audit run (``run_audit``) so 疑点核查 and the held claims have content with evidence. With
  the register matches (held when the claims were submitted) and the cross-provider enrolments the training
  demo already has, the findings cover seven checks. Overlapping attendance is not planted: the enrolment
  services refuse overlapping classes, and the training demo's tests prove that none exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import xlsxwriter
from django.db import transaction
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.core.errors import DomainError
from lijiao.demo.clock import DemoClock
from lijiao.people.models import Person
from lijiao.subsidies.importers_registers import import_register
from lijiao.subsidies.models import Claim, ClaimStatus, RegisterKind
from lijiao.training.models import ClassStatus, Enrollment, TrainingClass

__all__ = ["PlantedPeople", "load_subsidy_fraud", "load_subsidy_registers"]

WORKER_CITIZEN_ID = "210202199003072311"  # 何军, the demo login ``worker``
SHARED_PHONE = "15941188526"
SHARED_PHONE_PEOPLE = 4


@dataclass
class PlantedPeople:
    """The trainees the registers name, chosen by the payment demo from the classes it claims for."""

    pension: tuple[Person, TrainingClass] | None = None
    student: tuple[Person, TrainingClass] | None = None
    payroll: tuple[Person, TrainingClass] | None = None
    unemployed: tuple[Person, TrainingClass] | None = None
    few_months: Person | None = None
    well_insured: list[Person] = field(default_factory=list)


def _citizen_id_check(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights, strict=True)) % 11]


def _cid(first17: str) -> str:
    """A valid ID number of someone on a register who is no trainee (the check digit computed)."""
    return first17 + _citizen_id_check(first17)


def _months_back(today: dt.date, count: int, *, skip: int = 1) -> list[dt.date]:
    """``count`` first-of-month dates ending ``skip`` months before ``today``'s month, oldest first."""
    index = today.year * 12 + today.month - 1 - skip
    return [dt.date((index - n) // 12, (index - n) % 12 + 1, 1) for n in range(count - 1, -1, -1)]


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(title: str, header: list[str], rows: list[list[str]]) -> bytes:
    """A clerk's sheet: a title row above the header, every cell text (ID numbers never as numbers)."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = workbook.add_worksheet("Sheet1")
    sheet.write_string(0, 0, title)
    for r, row in enumerate([header, *rows], start=1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    workbook.close()
    return out.getvalue()


def _import(auditor: User, kind: str, file_name: str, data: bytes, *, as_of: dt.date, source: str) -> int:
    result = import_register(
        actor=auditor, kind=kind, file_name=file_name, data=data, as_of=as_of, source=source
    )
    if result.result.errors:
        raise RuntimeError(
            f"demo register {kind} refused: {[(e.row_number, e.message) for e in result.result.errors[:3]]}"
        )
    return result.result.imported_rows


def load_subsidy_registers(
    *, users: dict[str, User], clock: DemoClock, planted: PlantedPeople
) -> dict[str, int]:
    """One snapshot per register kind, dated a few days before today, naming the ``planted`` trainees."""
    clock.now()
    auditor = users.get("auditor") or User.objects.get(username="auditor")
    today = timezone.localdate()
    as_of = today - dt.timedelta(days=3)
    counts: dict[str, int] = {}

    def iso(day: dt.date | None) -> str:
        return day.isoformat() if day else ""

    pension = [["1", "宋德福", _cid("21020319580612151"), "2018-07-01", "", "企业职工基本养老保险"]]
    if planted.pension:
        person, tc = planted.pension
        started = tc.start_date - dt.timedelta(days=400)
        pension.append(["2", person.name, person.citizen_id, iso(started), "", "企业职工基本养老保险"])
    counts["register_pension"] = _import(
        auditor,
        RegisterKind.PENSION,
        "养老金领取人员名册.xlsx",
        _xlsx(
            "大连市养老金领取人员名册",
            ["序号", "姓名", "身份证号", "领取起始日期", "终止日期", "险种"],
            pension,
        ),
        as_of=as_of,
        source="市社会保险事业服务中心",
    )

    student = [
        [
            "大连理工大学",
            "2019-09-01",
            "2023-06-30",
            "全日制",
            "机械工程",
            "王思远",
            _cid("21020420010315061"),
        ]
    ]
    if planted.student:
        person, tc = planted.student
        student.append(
            [
                "辽宁师范大学",
                iso(tc.start_date - dt.timedelta(days=500)),
                iso(tc.end_date + dt.timedelta(days=700)),
                "全日制",
                "汉语言文学",
                person.name,
                person.citizen_id,
            ]
        )
    counts["register_student"] = _import(
        auditor,
        RegisterKind.STUDENT,
        "在校学生名册.csv",
        _csv(
            ["姓名", "身份证号", "学校", "入学日期", "毕业日期", "学习形式", "专业"],
            [[r[5], r[6], *r[:5]] for r in student],
        ),
        as_of=as_of,
        source="市教育局",
    )

    payroll: list[list[str]] = []
    if planted.payroll:
        person, tc = planted.payroll
        payroll.append(
            [
                person.name,
                person.citizen_id,
                "大连市某区街道办事处",
                iso(tc.start_date - dt.timedelta(days=900)),
                "",
            ]
        )
    payroll.append(["赵立新", _cid("21021119750723041"), "大连市财政局", "2001-08-01", ""])
    counts["register_payroll"] = _import(
        auditor,
        RegisterKind.PAYROLL,
        "财政供养人员名册.csv",
        _csv(["姓名", "身份证号", "单位", "起始日期", "截止日期"], payroll),
        as_of=as_of,
        source="市财政局",
    )

    unemployment: list[list[str]] = [
        ["钱晓红", _cid("21021219881102002"), "2025-03-10", "2025-09-30", "旅顺口区就业服务中心"]
    ]
    insurance: list[list[str]] = []
    if planted.unemployed:
        person, tc = planted.unemployed
        unemployment.append(
            [
                person.name,
                person.citizen_id,
                iso(tc.start_date - dt.timedelta(days=60)),
                "",
                "中山区就业服务中心",
            ]
        )
        first = tc.start_date.replace(day=1) - dt.timedelta(days=62)
        for month in _months_back(today, 24):
            if first <= month <= tc.end_date:
                insurance.append(
                    [person.name, person.citizen_id, f"{month:%Y-%m}", "大连远航物流有限公司", "企业"]
                )
    counts["register_unemployment"] = _import(
        auditor,
        RegisterKind.UNEMPLOYMENT,
        "失业登记名册.csv",
        _csv(["姓名", "身份证号", "登记日期", "注销日期", "登记机构"], unemployment),
        as_of=as_of,
        source="市公共就业服务中心",
    )

    worker = Person.objects.filter(name="何军").order_by("pk").first()
    insured = [p for p in [worker, *planted.well_insured] if p is not None]
    for n, person in enumerate(insured):
        for month in _months_back(today, 18 + n):
            insurance.append(
                [person.name, person.citizen_id, f"{month:%Y-%m}", "大连德润装备制造有限公司", "企业"]
            )
    if planted.few_months is not None:
        person = planted.few_months
        for month in _months_back(today, 5):
            insurance.append(
                [person.name, person.citizen_id, f"{month:%Y-%m}", "大连星海商贸有限公司", "企业"]
            )
    counts["register_insurance_months"] = _import(
        auditor,
        RegisterKind.INSURANCE,
        "社会保险缴费明细.xlsx",
        _xlsx("社会保险缴费明细", ["姓名", "身份证号", "缴费月份", "缴费单位", "单位性质"], insurance),
        as_of=as_of,
        source="市社会保险事业服务中心",
    )
    return counts


def _shared_phone() -> int:
    """Four claimants of one class give the same phone number (an agent filling in their forms), as updated by
    the provider's staff who filed their claims."""
    from lijiao.people.services import register_person

    claims = (
        Claim.objects.filter(status__in=[ClaimStatus.SUBMITTED, ClaimStatus.FIRST_APPROVED])
        .exclude(training_class=None)
        .exclude(created_by=None)
        .select_related("person", "created_by")
        .order_by("-training_class_id", "pk")
    )
    done: set[int] = set()
    for claim in claims:
        if claim.person_id in done:
            continue
        assert claim.created_by is not None
        register_person(
            actor=claim.created_by,
            citizen_id=claim.person.citizen_id,
            name=claim.person.name,
            phone=SHARED_PHONE,
        )
        done.add(claim.person_id)
        if len(done) == SHARED_PHONE_PEOPLE:
            break
    return len(done)


def _certificate_before_class_end(admin: User) -> int:
    """A certificate from another city's import, dated before the end of the class it names, claimed for by the
    provider (the import flags it; the claim is the audit's to find)."""
    from lijiao.certificates.services.history_import import import_certificates
    from lijiao.subsidies.services import claims as filing
    from lijiao.subsidies.services import review

    for login in ("binhai", "shuzhi", "huizhi", "xinghai"):
        filer = User.objects.filter(username=login).exclude(provider=None).first()
        enrollment = (
            Enrollment.objects.filter(
                training_class__provider_id=int(filer.provider_id or 0) if filer else 0,
                training_class__status__in=[ClassStatus.ASSESSED, ClassStatus.CLOSED],
                status=Enrollment.Status.COMPLETED,
                certificates__isnull=True,
                training_class__catalog_item__occupation__isnull=False,
                training_class__catalog_item__level__in=[5, 4, 3],
            )
            .exclude(person_id__in=Claim.objects.values("person_id"))
            .select_related("person", "training_class__catalog_item__occupation")
            .order_by("-training_class__end_date", "pk")
            .first()
        )
        if filer is not None and enrollment is not None:
            break
    else:
        return 0
    tc, person = enrollment.training_class, enrollment.person
    item = tc.catalog_item
    assert item.occupation is not None
    issued = max(tc.start_date, tc.end_date - dt.timedelta(days=6))
    level = {5: "五级", 4: "四级", 3: "三级"}[int(item.level or 5)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "证书编号",
            "证书类型",
            "姓名",
            "身份证号",
            "职业编码",
            "职业（工种）/项目",
            "等级",
            "发证机构",
            "发证日期",
            "培训班编号",
        ]
    )
    writer.writerow(
        [
            f"S300121210300{issued:%y}{item.level}{990001:06d}",
            "职业技能等级证书",
            person.name,
            person.citizen_id,
            item.occupation.code,
            item.occupation.name,
            level,
            "鞍山市职业技能鉴定中心",
            issued.isoformat(),
            tc.code,
        ]
    )
    result = import_certificates(
        actor=admin,
        file_name="外市转入证书.csv",
        data=out.getvalue().encode("utf-8-sig"),
        imported_from="辽宁省鞍山市",
    )
    if result.errors:
        return 0
    claim = filing.file_for_trainee(actor=filer, enrollment=enrollment)
    review.submit_claim(claim=claim, actor=filer)
    return 1


def load_subsidy_fraud(*, users: dict[str, User], clock: DemoClock) -> dict[str, int]:
    """Plant the patterns the services let through, then one audit run over every claim."""
    from lijiao.subsidies.services.audit import run_audit

    clock.now()
    admin = users.get("admin") or User.objects.get(username="admin")
    auditor = users.get("auditor") or User.objects.get(username="auditor")
    counts = {"shared_phone_people": _shared_phone()}
    try:
        with transaction.atomic():
            counts["certificate_before_class_end"] = _certificate_before_class_end(admin)
    except DomainError:  # ImportFileError included
        counts["certificate_before_class_end"] = 0
    try:
        run = run_audit(actor=auditor)
    except DomainError:
        return counts
    counts["audit_findings"] = sum(v for k, v in (run.counts or {}).items() if isinstance(v, int))
    return counts
