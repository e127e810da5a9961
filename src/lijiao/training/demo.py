"""Demo training data (issue #3 item 8): providers, programs, ~200 classes across the year and ~5,000 trainees.

What ``lijiao loaddemo`` adds after the users and the catalog (see :func:`load_training_demo`):

* **Providers** (SPEC C3) — eight approved institutions in seven handling areas (the demo ``provider`` user's
  大连市海川职业培训学校 among them), one *suspended* and one *blacklisted* (an approved provider with a blacklist
  entry in force since ten weeks ago, after faked check-ins were found); valid credit codes (GB 32100, the
  embedded GB 11714 organisation code included), scopes of real items of the catalog edition in force, teachers
  with valid citizen IDs (GB 11643) and their certificates, venues with their capacities, a few credit events.
  Every listed provider has a staff login (``provider``, ``xinghai``, ``binhai``… with the demo password). All of
  it goes through the provider services (registered, approved, scoped… by the city administrator), so it is
  audited row by row (only the backdated ``created_at`` / ``approved_at`` are set directly, for realism).
* **Programs** (SPEC C4) — :func:`lijiao.training.services.programs.install_default_programs` for last year and
  this year.
* **History** — about 185 classes that started over the last ~320 days: most finished, assessed or closed, some
  running, with their timetables, enrollments, check-ins, attendance rates and assessment results. Services
  refuse past dates (a class cannot start before it is filed, check-ins only in their session window), so the
  history is built **set-based** (``bulk_create``, ``COPY`` / ``executemany`` for the ~85,000 check-ins, and
  timestamps such as ``enrolled_at`` set to when it happened) — but against every rule the services enforce:

  - each class's subject is an item of the catalog edition in force on its filing date, inside the provider's
    scope, with a program that fits it (:func:`~lijiao.training.services.classes.program_item_problems`); the
    provider is listed (approved, licence valid, not blacklisted) over the class dates;
  - timetables of 180-minute sessions (= 4 lesson hours of 45 minutes) reaching the lesson-hour rule of the
    item (:func:`~lijiao.training.services.classes.lesson_rule_for` and the item's own minimum), the practical
    share (≥ 60 % for occupations) and the declared hours; capacity ≤ the venue's; no venue or teacher in two
    classes at once;
  - trainees with valid citizen IDs (Dalian address codes 2102xx), aged 18–58, phones, and groups whose
    evidence passes :func:`lijiao.people.services.validate_group_evidence`; each enrollment points at the stored
    eligibility decision of the class's program (a record shared by every enrollment with the same decision),
    evaluated exactly as :func:`~lijiao.training.services.enrollment.enroll` does, and the person's target group
    matches the program's; nobody holds two enrollments whose classes overlap in time; ``enrolled_count`` =
    enrollments not withdrawn ≤ capacity;
  - check-ins only for enrolled trainees, within the session window, never in two overlapping sessions; most
    trainees attend 85–100 %, a few fall below 80 % (later subsidy rules must refuse them); the stored attendance
    rates are :func:`lijiao.training.checks.attendance_rates`; results (pass rate ≈ 88 %) for every completed
    trainee of an assessed or closed class, dated after the class and before today.

  ``tests/portal/test_demo.py`` runs the shared checks over the whole dataset to prove it.
* **From today on**, through the services exactly as staff would: classes approved for the coming weeks (with
  trainees enrolled through :func:`~lijiao.training.services.enrollment.enroll`, some registered on the spot),
  classes filed and waiting in the district clerks' review queues (three in 中山区 for the ``clerk`` user), one
  returned with a reason, one rejected, and drafts of the demo provider.

Audit: every service call writes its own events. The bulk history writes **one audit event per bulk step**
(``demo.history.people_loaded``, ``…classes_loaded``, ``…enrollments_loaded``, ``…attendance_loaded``,
``…results_loaded``) with the counts it inserted, not one event per row; the chain stays verifiable
(``lijiao verify-audit``).

Idempotent: everything runs in one transaction and is skipped when the first demo provider already exists.
Random choices come from ``random.Random(SEED)`` in a fixed order; dates are relative to today.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.audit.services import record_event
from lijiao.catalog.models import CatalogItem, Edition, Occupation, SpecialItem
from lijiao.catalog.selectors import edition_in_force
from lijiao.core.calendar import get_calendar
from lijiao.core.decisions import store_decisions
from lijiao.core.errors import DomainError
from lijiao.core.identity import address_code_status, citizen_id_check_char, credit_code_check_char
from lijiao.core.models import HandlingArea, Region
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import record_group, register_person, validate_group_evidence
from lijiao.providers import services as provider_services
from lijiao.providers.models import CreditEvent, Provider, Teacher, Venue
from lijiao.training.checks import PersonGroupEvidence, attendance_rates, evaluate_eligibility, person_facts
from lijiao.training.models import (
    AssessmentResult,
    CheckIn,
    ClassSession,
    ClassStatus,
    Enrollment,
    Program,
    TrainingClass,
)
from lijiao.training.services import classes as class_services
from lijiao.training.services.enrollment import enroll
from lijiao.training.services.programs import install_default_programs

__all__ = ["DEMO_PROVIDERS", "SEED", "DemoProvider", "load_training_demo"]

SEED = 20261124
SESSION_MINUTES = 180  # 4 lesson hours of 45 minutes
HISTORY_DAYS = 320
SLOTS: dict[str, dt.time] = {"am": dt.time(9, 0), "pm": dt.time(13, 30), "eve": dt.time(18, 30)}
DALIAN_ADDRESS_CODES: tuple[tuple[str, int], ...] = (
    ("210202", 10),  # 中山区
    ("210203", 9),  # 西岗区
    ("210204", 13),  # 沙河口区
    ("210211", 20),  # 甘井子区
    ("210212", 5),  # 旅顺口区
    ("210213", 12),  # 金州区
    ("210214", 8),  # 普兰店区
    ("210224", 2),  # 长海县
    ("210281", 9),  # 瓦房店市
    ("210283", 8),  # 庄河市
)
AREA_ADDRESS_CODE = {
    "SBJ": "210202",
    "ZS": "210202",
    "XG": "210203",
    "SHK": "210204",
    "GJZ": "210211",
    "GXY": "210211",
    "LSK": "210212",
    "JPX": "210213",
    "PLD": "210214",
    "CH": "210224",
    "WFD": "210281",
    "CXD": "210281",
    "ZH": "210283",
}


# ---------------------------------------------------------------------------------------------------------------
# The providers, as data


@dataclass(frozen=True, slots=True)
class DemoTeacher:
    name: str
    occupation: str  # occupation code, "" for none
    certificates: str
    practical: bool = False


@dataclass(frozen=True, slots=True)
class DemoVenue:
    name: str
    address: str
    capacity: int
    practical: bool = False


@dataclass(frozen=True, slots=True)
class DemoProvider:
    """One demo institution: who it is, what it may train, its teachers and venues, and how busy it was."""

    key: str  # staff login ("" for none); the demo provider user's institution uses "provider"
    org_code: str  # the 8 characters of its organisation code (the check character is computed)
    registry: str  # first two characters of the credit code: 52 民办非企业单位, 12 事业单位, 91 企业
    name: str
    type: str
    area: str
    address: str
    legal_representative: str
    contact_name: str
    contact_phone: str
    licence_number: str
    licence_expires_on: dt.date
    occupations: tuple[tuple[str, int], ...]  # (occupation code, highest level it may train)
    specials: tuple[str, ...]
    teachers: tuple[DemoTeacher, ...]
    venues: tuple[DemoVenue, ...]
    history_classes: int = 0
    status: str = "approved"  # approved | suspended | blacklisted
    checkin_method: str = CheckIn.Method.FACE
    staff_name: str = ""
    approved_year: int = 2020

    @property
    def credit_code(self) -> str:
        division = AREA_ADDRESS_CODE[self.area]
        first17 = f"{self.registry}{division}{self.org_code}{_org_check(self.org_code)}"
        return first17 + credit_code_check_char(first17)


def _org_check(first8: str) -> str:
    """GB 11714 check character of an organisation code (digits by value, letters A=10 … Z=35)."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(first8, weights, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _cert(occupation: str, level: str, number: str) -> str:
    return f"{occupation}（{level}）职业技能等级证书 {number}"


HAICHUAN = "52210202MJ0000018T"  # the demo provider user's institution (created by lijiao.portal.demo)

DEMO_PROVIDERS: tuple[DemoProvider, ...] = (
    DemoProvider(
        key="provider",
        org_code="MJ000001",
        registry="52",
        name="大连市海川职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="ZS",
        address="大连市中山区人民路 68 号",
        legal_representative="吴海川",
        contact_name="吴凯",
        contact_phone="041182653301",
        licence_number="教民121020270000018号",
        licence_expires_on=dt.date(2029, 6, 30),
        occupations=(
            ("4-10-01-05", 3),  # 养老护理员
            ("4-10-01-06", 4),  # 家政服务员
            ("4-10-01-03", 4),  # 保育师
            ("4-03-02-01", 4),  # 中式烹调师
            ("4-03-02-02", 4),  # 中式面点师
            ("4-14-01-03", 4),  # 健康照护师
            ("4-01-06-01", 4),  # 电子商务师
        ),
        specials=("ZX210200-022", "ZX210200-019", "ZX210200-029", "ZX210200-059", "CY-SYB"),
        teachers=(
            DemoTeacher(
                "孙丽华",
                "4-10-01-05",
                _cert("养老护理员", "二级/技师", "S000121000101202000031")
                + "\n职业培训师（三级）职业技能等级证书 S000121000101223000112",
            ),
            DemoTeacher(
                "王建国", "4-10-01-05", _cert("养老护理员", "三级/高级工", "S000121000101193000452"), True
            ),
            DemoTeacher(
                "刘春梅", "4-10-01-03", _cert("保育师", "三级/高级工", "S000121000101213000207"), True
            ),
            DemoTeacher(
                "张宝林", "4-03-02-01", _cert("中式烹调师", "二级/技师", "S000121000101182000019"), True
            ),
            DemoTeacher(
                "李雪", "4-01-06-01", "电子商务师（三级/高级工）职业技能等级证书 S000121000101233000088"
            ),
            DemoTeacher("周敏", "", "高级中学教师资格证书 20102110142000361\n创业培训讲师（SYB）合格证"),
        ),
        venues=(
            DemoVenue("人民路校区第一教室", "大连市中山区人民路 68 号 3 楼", 40),
            DemoVenue("养老照护实训室", "大连市中山区人民路 68 号 5 楼", 36, True),
            DemoVenue("烹饪实训中心", "大连市中山区鲁迅路 21 号", 40, True),
        ),
        history_classes=30,
        staff_name="吴凯",
        approved_year=2017,
    ),
    DemoProvider(
        key="xinghai",
        org_code="MJ0Y2K31",
        registry="52",
        name="大连市中山区星海职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="ZS",
        address="大连市中山区解放路 156 号",
        legal_representative="陈星",
        contact_name="刘倩",
        contact_phone="13904112356",
        licence_number="教民121020270000046号",
        licence_expires_on=dt.date(2028, 12, 31),
        occupations=(
            ("4-10-03-01", 3),  # 美容师
            ("4-10-03-02", 3),  # 美发师
            ("4-10-03-03", 4),  # 美甲师
            ("4-03-02-07", 3),  # 茶艺师
            ("4-03-02-08", 4),  # 咖啡师
            ("4-03-02-04", 4),  # 西式面点师
        ),
        specials=(
            "ZX210200-034",
            "ZX210200-035",
            "ZX210200-032",
            "ZX210200-033",
            "ZX210200-030",
            "ZX210200-031",
        ),
        teachers=(
            DemoTeacher("陈晓燕", "4-10-03-01", _cert("美容师", "二级/技师", "S000221000102192000044"), True),
            DemoTeacher("赵亮", "4-10-03-02", _cert("美发师", "二级/技师", "S000221000102182000017"), True),
            DemoTeacher("林婷", "4-03-02-07", _cert("茶艺师", "二级/技师", "S000221000102212000066")),
            DemoTeacher(
                "于洋", "4-03-02-04", _cert("西式面点师", "三级/高级工", "S000221000102203000139"), True
            ),
            DemoTeacher("高慧", "", "职业培训师（三级）职业技能等级证书 S000221000102223000021"),
        ),
        venues=(
            DemoVenue("解放路校区理论教室", "大连市中山区解放路 156 号 2 楼", 45),
            DemoVenue("美容美发实训室", "大连市中山区解放路 156 号 3 楼", 30, True),
            DemoVenue("西点茶艺实训室", "大连市中山区解放路 156 号 4 楼", 32, True),
        ),
        history_classes=18,
        checkin_method=CheckIn.Method.QR,
        staff_name="刘倩",
        approved_year=2019,
    ),
    DemoProvider(
        key="binhai",
        org_code="41190387",
        registry="12",
        name="大连滨海技工学校",
        type=Provider.Type.TECHNICAL_SCHOOL,
        area="GJZ",
        address="大连市甘井子区椒金山街道滨海北路 1088 号",
        legal_representative="马振华",
        contact_name="曲文斌",
        contact_phone="041186713420",
        licence_number="辽人社技校字〔2016〕21号",
        licence_expires_on=dt.date(2030, 12, 31),
        occupations=(
            ("6-18-02-04", 2),  # 焊工
            ("6-31-01-03", 2),  # 电工
            ("6-18-01-01", 3),  # 车工
            ("6-31-01-02", 3),  # 机修钳工
            ("6-23-02-01", 3),  # 金属船体制造工
            ("6-23-02-03", 3),  # 船舶电气装配工
        ),
        specials=("ZX210200-013", "ZX210200-014", "ZX210200-016"),
        teachers=(
            DemoTeacher(
                "曲志强", "6-18-02-04", _cert("焊工", "一级/高级技师", "Y000121000201151000008"), True
            ),
            DemoTeacher("姜海涛", "6-31-01-03", _cert("电工", "二级/技师", "Y000121000201172000023"), True),
            DemoTeacher("宫立新", "6-18-01-01", _cert("车工", "二级/技师", "Y000121000201162000031"), True),
            DemoTeacher("隋红", "6-31-01-02", "机械制造专业讲师（中级职称）\n中等职业学校教师资格证书"),
            DemoTeacher(
                "鞠明", "6-23-02-01", _cert("金属船体制造工", "二级/技师", "Y000121000201182000045"), True
            ),
            DemoTeacher("杜宏伟", "6-23-02-03", "电气自动化专业讲师（中级职称）"),
        ),
        venues=(
            DemoVenue("教学楼 201 教室", "大连市甘井子区滨海北路 1088 号教学楼", 50),
            DemoVenue("焊接实训车间", "大连市甘井子区滨海北路 1088 号实训楼一层", 40, True),
            DemoVenue("电工电气实训室", "大连市甘井子区滨海北路 1088 号实训楼二层", 40, True),
            DemoVenue("数控车削实训车间", "大连市甘井子区滨海北路 1088 号实训楼三层", 32, True),
        ),
        history_classes=28,
        checkin_method=CheckIn.Method.CARD,
        staff_name="曲文斌",
        approved_year=2016,
    ),
    DemoProvider(
        key="derun",
        org_code="MA0K7U5R",
        registry="91",
        name="大连德润装备制造有限公司职业培训中心",
        type=Provider.Type.ENTERPRISE_CENTRE,
        area="JPX",
        address="大连市金州区双D港辽河东路 99 号",
        legal_representative="孟德润",
        contact_name="潘立军",
        contact_phone="13842618875",
        licence_number="金普人社培字〔2021〕07号",
        licence_expires_on=dt.date(2028, 6, 30),
        occupations=(
            ("6-20-01-01", 3),  # 装配钳工
            ("6-18-01-07", 2),  # 多工序数控机床操作调整工
            ("6-31-07-03", 3),  # 工业机器人系统操作员
            ("6-31-07-01", 3),  # 工业机器人系统运维员
            ("6-18-02-04", 3),  # 焊工
        ),
        specials=("ZX210200-012", "ZX210200-011", "ZX210200-009"),
        teachers=(
            DemoTeacher(
                "潘立军", "6-20-01-01", _cert("装配钳工", "二级/技师", "Y018821020088192000012"), True
            ),
            DemoTeacher(
                "韩冬",
                "6-18-01-07",
                _cert("多工序数控机床操作调整工", "一级/高级技师", "Y018821020088201000003"),
                True,
            ),
            DemoTeacher(
                "郑凯", "6-31-07-03", _cert("工业机器人系统操作员", "二级/技师", "Y018821020088222000009")
            ),
            DemoTeacher("蒋晓东", "6-18-02-04", _cert("焊工", "二级/技师", "Y018821020088172000021"), True),
        ),
        venues=(
            DemoVenue("培训中心多媒体教室", "大连市金州区辽河东路 99 号综合楼 4 楼", 40),
            DemoVenue("装配与数控实训车间", "大连市金州区辽河东路 99 号二号厂房", 36, True),
            DemoVenue("工业机器人实训室", "大连市金州区辽河东路 99 号三号厂房", 30, True),
        ),
        history_classes=20,
        checkin_method=CheckIn.Method.CARD,
        staff_name="潘立军",
        approved_year=2021,
    ),
    DemoProvider(
        key="shuzhi",
        org_code="MJ1H2Q8W",
        registry="52",
        name="大连高新园区数智职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="GXY",
        address="大连市高新技术产业园区黄浦路 537 号",
        legal_representative="谢宇航",
        contact_name="白雪",
        contact_phone="13998573310",
        licence_number="教民121021170000128号",
        licence_expires_on=dt.date(2029, 3, 31),
        occupations=(
            ("4-04-05-05", 3),  # 人工智能训练师
            ("4-04-05-01", 3),  # 计算机程序设计员
            ("4-04-04-02", 3),  # 网络与信息安全管理员
            ("4-07-02-05", 3),  # 商务数据分析师
            ("4-13-01-05", 3),  # 全媒体运营师
            ("4-01-06-02", 3),  # 互联网营销师
        ),
        specials=("ZX210200-001", "ZX210200-051", "ZX210200-002", "ZX210200-008"),
        teachers=(
            DemoTeacher(
                "谢宇航", "4-04-05-05", _cert("人工智能训练师", "三级/高级工", "S001221000301233000017")
            ),
            DemoTeacher(
                "白雪", "4-13-01-05", _cert("全媒体运营师", "三级/高级工", "S001221000301223000026"), True
            ),
            DemoTeacher("程磊", "4-04-05-01", "软件设计师（中级）资格证书\n职业培训师（二级）", True),
            DemoTeacher(
                "许文静", "4-07-02-05", _cert("商务数据分析师", "三级/高级工", "S001221000301213000035"), True
            ),
            DemoTeacher("邓超", "4-04-04-02", "网络工程师（中级）资格证书", True),
        ),
        venues=(
            DemoVenue("黄浦路校区 A301 机房", "大连市高新园区黄浦路 537 号 A 座 3 楼", 48, True),
            DemoVenue("黄浦路校区 A305 机房", "大连市高新园区黄浦路 537 号 A 座 3 楼", 40, True),
            DemoVenue("直播与新媒体实训室", "大连市高新园区黄浦路 537 号 B 座 2 楼", 30, True),
        ),
        history_classes=22,
        checkin_method=CheckIn.Method.QR,
        staff_name="白雪",
        approved_year=2020,
    ),
    DemoProvider(
        key="ankang",
        org_code="MJ0P3L6D",
        registry="52",
        name="大连市西岗区安康职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="XG",
        address="大连市西岗区长春路 291 号",
        legal_representative="邵安康",
        contact_name="崔玉兰",
        contact_phone="041183627415",
        licence_number="教民121020370000073号",
        licence_expires_on=dt.date(2028, 9, 30),
        occupations=(
            ("4-10-01-05", 2),  # 养老护理员
            ("4-14-01-02", 4),  # 医疗护理员
            ("4-14-02-05", 3),  # 老年人能力评估师
            ("4-10-01-01", 4),  # 婴幼儿发展引导员
            ("4-10-01-03", 3),  # 保育师
            ("4-14-02-02", 3),  # 健康管理师
        ),
        specials=("ZX210200-021", "ZX210200-023", "ZX210200-058", "ZX210200-057", "ZX210200-018"),
        teachers=(
            DemoTeacher(
                "崔玉兰", "4-10-01-05", _cert("养老护理员", "一级/高级技师", "S000321000401191000005"), True
            ),
            DemoTeacher(
                "秦芳",
                "4-14-01-02",
                "主管护师资格证书\n" + _cert("医疗护理员", "四级/中级工", "S000321000401224000071"),
                True,
            ),
            DemoTeacher(
                "田雨", "4-14-02-05", _cert("老年人能力评估师", "三级/高级工", "S000321000401233000012")
            ),
            DemoTeacher(
                "方晶", "4-10-01-01", _cert("婴幼儿发展引导员", "三级/高级工", "S000321000401213000048"), True
            ),
            DemoTeacher("邹建华", "4-14-02-02", "执业医师资格证书\n健康管理师（三级）"),
        ),
        venues=(
            DemoVenue("长春路校区理论教室", "大连市西岗区长春路 291 号 2 楼", 45),
            DemoVenue("养老护理实训室", "大连市西岗区长春路 291 号 3 楼", 36, True),
            DemoVenue("母婴照护实训室", "大连市西岗区长春路 291 号 4 楼", 30, True),
        ),
        history_classes=24,
        staff_name="崔玉兰",
        approved_year=2018,
    ),
    DemoProvider(
        key="huizhi",
        org_code="MJ2B5N9T",
        registry="52",
        name="大连市沙河口区汇智职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="SHK",
        address="大连市沙河口区西安路 139 号",
        legal_representative="钱汇智",
        contact_name="汤明",
        contact_phone="13614263981",
        licence_number="教民121020470000092号",
        licence_expires_on=dt.date(2029, 12, 31),
        occupations=(
            ("4-01-06-01", 3),  # 电子商务师
            ("4-01-06-02", 4),  # 互联网营销师
            ("4-02-06-03", 4),  # 物流服务师
            ("4-10-08-01", 4),  # 网约配送员
            ("4-02-07-08", 4),  # 快递员
        ),
        specials=("ZX210200-003", "ZX210200-004", "ZX210200-005", "ZX210200-061", "CY-SYB", "CY-WL"),
        teachers=(
            DemoTeacher("汤明", "4-01-06-01", _cert("电子商务师", "二级/技师", "S000521000501202000014")),
            DemoTeacher(
                "尹佳", "4-01-06-02", _cert("互联网营销师", "三级/高级工", "S000521000501223000029"), True
            ),
            DemoTeacher(
                "黎国栋", "4-02-06-03", _cert("物流服务师", "三级/高级工", "S000521000501193000036"), True
            ),
            DemoTeacher("常娟", "", "创业培训讲师（SYB、网络创业）合格证\n高级经济师"),
        ),
        venues=(
            DemoVenue("西安路校区大教室", "大连市沙河口区西安路 139 号 5 楼", 60),
            DemoVenue("电商直播实训室", "大连市沙河口区西安路 139 号 6 楼", 35, True),
            DemoVenue("物流仓储实训场", "大连市沙河口区中长街 44 号", 40, True),
        ),
        history_classes=20,
        checkin_method=CheckIn.Method.QR,
        staff_name="汤明",
        approved_year=2019,
    ),
    DemoProvider(
        key="zhuanghe",
        org_code="MJ3C4R2F",
        registry="52",
        name="庄河市海洋职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="ZH",
        address="庄河市新华街道黄海大街 22 号",
        legal_representative="隋海洋",
        contact_name="宫晓梅",
        contact_phone="13130827746",
        licence_number="教民121028370000015号",
        licence_expires_on=dt.date(2028, 4, 30),
        occupations=(
            ("6-01-05-01", 4),  # 水产品加工工
            ("5-04-02-01", 4),  # 水生动物饲养工
            ("5-04-03-02", 5),  # 渔业船员
            ("5-05-01-02", 3),  # 农业经理人
            ("6-29-01-07", 4),  # 乡村建设工匠
        ),
        specials=("ZX210200-044", "ZX210200-045", "ZX210200-042", "ZX210200-043", "ZX210200-006"),
        teachers=(
            DemoTeacher(
                "隋海洋",
                "5-04-02-01",
                "水产养殖高级工程师\n" + _cert("水生动物饲养工", "二级/技师", "S000721000601182000003"),
                True,
            ),
            DemoTeacher(
                "宫晓梅", "6-01-05-01", _cert("水产品加工工", "三级/高级工", "S000721000601203000019"), True
            ),
            DemoTeacher("孔令军", "6-29-01-07", "建筑工程师（中级职称）\n乡村建设工匠培训讲师", True),
            DemoTeacher("毛丽", "5-05-01-02", _cert("农业经理人", "三级/高级工", "S000721000601223000027")),
        ),
        venues=(
            DemoVenue("黄海大街校区教室", "庄河市黄海大街 22 号", 50),
            DemoVenue("海产品加工实训基地", "庄河市石城乡海洋村", 40, True),
        ),
        history_classes=14,
        checkin_method=CheckIn.Method.CARD,
        staff_name="宫晓梅",
        approved_year=2021,
    ),
    DemoProvider(
        key="",
        org_code="MJ4D6T1K",
        registry="52",
        name="大连市甘井子区华达职业培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="GJZ",
        address="大连市甘井子区华北路 233 号",
        legal_representative="龙华达",
        contact_name="龙飞",
        contact_phone="13889571163",
        licence_number="教民121021170000164号",
        licence_expires_on=dt.date(2027, 8, 31),
        occupations=(("6-31-01-03", 4), ("6-18-02-04", 4)),
        specials=("ZX210200-014",),
        teachers=(
            DemoTeacher("龙飞", "6-31-01-03", _cert("电工", "三级/高级工", "S000921000701183000051"), True),
        ),
        venues=(DemoVenue("华北路教室", "大连市甘井子区华北路 233 号", 40),),
        status="suspended",
        approved_year=2022,
    ),
    DemoProvider(
        key="",
        org_code="MJ5E8W3P",
        registry="52",
        name="大连市普兰店区鸿运职业技能培训学校",
        type=Provider.Type.PRIVATE_SCHOOL,
        area="PLD",
        address="大连市普兰店区丰荣街道南山路 17 号",
        legal_representative="万鸿运",
        contact_name="万静",
        contact_phone="13504981276",
        licence_number="教民121028270000031号",
        licence_expires_on=dt.date(2028, 10, 31),
        occupations=(("4-10-01-06", 4), ("4-09-08-01", 5), ("4-10-01-05", 4)),
        specials=("ZX210200-026", "ZX210200-027"),
        teachers=(
            DemoTeacher("万静", "4-10-01-06", _cert("家政服务员", "三级/高级工", "S001121000801213000015")),
            DemoTeacher(
                "段红梅", "4-10-01-05", _cert("养老护理员", "三级/高级工", "S001121000801203000022"), True
            ),
        ),
        venues=(
            DemoVenue("南山路教室", "大连市普兰店区南山路 17 号 2 楼", 45),
            DemoVenue("家政实训室", "大连市普兰店区南山路 17 号 3 楼", 40, True),
        ),
        history_classes=8,
        status="blacklisted",
        approved_year=2020,
    ),
)
SUSPENSION_REASON = (
    "培训场地变更未按规定报备，现场核查不具备实训条件，暂停开班待整改（大人社监〔2026〕112号）"
)
BLACKLIST_REASON = "核查发现代签到、虚报培训学时，骗取职业培训补贴（大人社监〔2026〕158号），列入黑名单两年"
BLACKLIST_WEEKS = 10  # the blacklist entry started this many weeks before today

# ---------------------------------------------------------------------------------------------------------------
# People


SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董肖程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜"
    "范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文曲宫隋鞠栾衣初"
)
SURNAME_WEIGHTS = [12 if c in "王李张刘" else 6 if c in "陈杨赵孙于姜" else 1 for c in SURNAMES]
MALE_CHARS = "伟强磊军勇杰涛明超斌鹏辉刚健峰浩宇博帅东海波龙亮林鑫晨阳凯旭志国建成文俊飞洋坤宁松天昊然泽一子嘉睿铭振兴福"
FEMALE_CHARS = "丽敏静婷娜芳燕霞玲娟艳红雪琳慧倩颖欣悦晶佳梅秀兰莉萍丹璐瑶怡琪蕾楠月茜露涵可馨雯英玉"
PHONE_PREFIXES = (
    *("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156"),
    *("157", "158", "159", "166", "176", "177", "178", "180", "181", "182", "183", "186", "187", "188"),
    *("189", "198", "199"),
)
EMPLOYERS = (
    "大连港湾物流有限公司",
    "大连金石重工机械有限公司",
    "大连海越船舶修造有限公司",
    "大连星辰软件技术有限公司",
    "大连康养城养老服务有限公司",
    "大连渤海明珠酒店有限公司",
    "大连恒泰汽车服务有限公司",
    "大连新港石化设备有限公司",
    "大连北方数控机床有限公司",
    "大连东方电气安装工程有限公司",
    "大连顺达快递服务有限公司",
    "大连海之味食品有限公司",
    "大连瑞祥物业服务有限公司",
    "大连云帆电子商务有限公司",
    "大连长兴岛石化工程有限公司",
    "大连安居家政服务有限公司",
    "大连银帆航运有限公司",
    "大连科创机器人有限公司",
    "大连德润装备制造有限公司",
    "大连鑫源建筑工程有限公司",
)

# The person profiles (who they are) each program recruits, with relative weights.
PROGRAM_PROFILES: dict[str | None, tuple[tuple[str, int], ...]] = {
    Program.Kind.GENERAL: (("unemployed", 4), ("rural_migrant", 3), ("employee", 3)),
    Program.Kind.GRADUATE_CONVERSION: (("graduate", 3), ("upcoming_graduate", 1)),
    Program.Kind.INDUSTRY_PLUS: (("employee", 4), ("rural_migrant", 3), ("unemployed", 2)),
    Program.Kind.MASTER_CRAFTSMAN: (("senior_employee", 1),),
    Program.Kind.JOB_TRANSFER: (("employee", 1),),
    Program.Kind.ELDER_CHILD: (("unemployed", 4), ("rural_migrant", 3), ("employee", 2)),
    None: (("unemployed", 2), ("rural_migrant", 1), ("employee", 2)),
}
INDUSTRY_PLUS_OCCUPATIONS = frozenset({"4-14-01-02", "4-14-01-03", "6-29-01-07", "5-05-01-02"})
PROGRAM_PREFIX = {
    Program.Kind.GRADUATE_CONVERSION: "高校毕业生专业转换·",
    Program.Kind.MASTER_CRAFTSMAN: "大师工匠·",
    Program.Kind.ELDER_CHILD: "一老一小·",
    Program.Kind.JOB_TRANSFER: "转岗培训·",
    Program.Kind.INDUSTRY_PLUS: "行业+培训·",
}
THEORY_TOPICS = ("职业道德与安全规范", "基础理论知识", "操作规程与标准", "典型案例分析", "理论复习与考前辅导")
PRACTICAL_TOPICS = ("基本技能实训", "专项技能实训", "综合技能实训", "模拟考核训练")
MANUAL_REASONS = (
    "人脸识别设备故障，授课教师现场核验身份证后补录",
    "学员手机未带，现场核验身份证后补录",
    "签到终端断网，按纸质签到表补录",
)
EVALUATORS_OCCUPATION = (
    "大连市职业技能鉴定指导中心",
    "大连市职业技能等级认定评价中心",
    "辽宁省职业技能等级认定（大连）评价站",
)
EVALUATOR_SPECIAL = "大连市就业和人才服务中心（专项职业能力考核）"
EVALUATOR_BUSINESS = "大连市创业指导服务中心"


# ---------------------------------------------------------------------------------------------------------------
# Plans held in memory before the bulk insert


@dataclass(slots=True)
class _PersonPlan:
    name: str
    citizen_id: str
    gender: str
    birth_date: dt.date
    phone: str
    household: str
    education: str
    employer_name: str
    profile: str
    groups: dict[str, PersonGroupEvidence]
    notes: dict[str, str] = field(default_factory=dict)
    spans: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    first_enrolled_at: dt.datetime | None = None
    pk: int = 0  # 0 until written
    created_by_service: bool = False


@dataclass(slots=True)
class _SessionPlan:
    starts_at: dt.datetime
    ends_at: dt.datetime
    kind: str
    topic: str
    teacher: Teacher | None
    pk: int = 0


@dataclass(slots=True)
class _EnrollmentPlan:
    person: _PersonPlan
    eligibility: dict[str, Any]
    enrolled_at: dt.datetime
    status: str = Enrollment.Status.ACTIVE
    withdrawn_after: int | None = None  # sessions attended before withdrawing
    tier: str = "good"
    pk: int = 0


@dataclass(slots=True)
class _ClassPlan:
    provider: _ProviderState
    item: CatalogItem
    program: Program | None
    sessions: list[_SessionPlan]
    capacity: int
    venue: Venue | None
    teachers: list[Teacher]
    mode: str
    filed_on: dt.date
    created_at: dt.datetime
    approved_at: dt.datetime
    status: str = ClassStatus.APPROVED
    name: str = ""
    code: str = ""
    enrollments: list[_EnrollmentPlan] = field(default_factory=list)
    reviewed_by: User | None = None
    reviewed_at: dt.datetime | None = None
    assessed_on: dt.date | None = None
    pk: int = 0

    @property
    def start_date(self) -> dt.date:
        return timezone.localtime(self.sessions[0].starts_at).date()

    @property
    def end_date(self) -> dt.date:
        return timezone.localtime(self.sessions[-1].ends_at).date()

    @property
    def span(self) -> tuple[dt.datetime, dt.datetime]:
        return self.sessions[0].starts_at, self.sessions[-1].ends_at


@dataclass(slots=True)
class _ProviderState:
    spec: DemoProvider
    provider: Provider
    teachers: list[Teacher]
    venues: list[Venue]
    staff: User | None
    reviewer: User
    class_serial: Counter[str] = field(default_factory=Counter)


# ---------------------------------------------------------------------------------------------------------------
# The builder


class _DemoBuilder:
    def __init__(self, *, admin: User, password: str, today: dt.date) -> None:
        self.admin = admin
        self.password = password
        self.today = today
        self.now = timezone.now()
        self.rng = random.Random(SEED)
        self.calendar = get_calendar()
        self.people: list[_PersonPlan] = []
        self.pool: dict[str, list[_PersonPlan]] = defaultdict(list)
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.existing_digests = set(Person.objects.values_list("citizen_id_digest", flat=True))
        self.venue_busy: dict[int, set[tuple[dt.date, str]]] = defaultdict(set)
        self.teacher_busy: dict[int, set[tuple[dt.date, str]]] = defaultdict(set)
        self.registration_serial = 0
        self.programs: dict[int, dict[str, Program]] = {}
        self.items_cache: dict[tuple[int, int], list[CatalogItem]] = {}
        self.counts: Counter[str] = Counter()

    # ----------------------------------------------------------------------------------------------- helpers

    def local(self, day: dt.date, time: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, time))

    def weighted(self, options: Sequence[tuple[Any, float]]) -> Any:
        values = [value for value, _ in options]
        weights = [weight for _, weight in options]
        return self.rng.choices(values, weights=weights, k=1)[0]

    # ---------------------------------------------------------------------------------------------- identity

    def citizen_id(self, birth_date: dt.date, gender: str, address: str | None = None) -> str:
        while True:
            code = address or self.weighted(DALIAN_ADDRESS_CODES)
            if address_code_status(code, birth_date.year) != "known":  # not yet in use when they were born
                address = None
                continue
            sequence = self.rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{code}{birth_date:%Y%m%d}{sequence:03d}"
            number = first17 + citizen_id_check_char(first17)
            if number in self.used_ids:
                continue
            if pii_digest(PIIKind.CITIZEN_ID, number) in self.existing_digests:
                continue
            self.used_ids.add(number)
            return number

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person_name(self, gender: str) -> str:
        surname = self.rng.choices(SURNAMES, weights=SURNAME_WEIGHTS, k=1)[0]
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        given = self.rng.choice(chars)
        if self.rng.random() < 0.68:
            given += self.rng.choice(chars)
        return surname + given

    def birth_date(self, on: dt.date, low: int, high: int) -> dt.date:
        """A birth date making the person ``low``–``high`` full years old on ``on``."""
        age = self.rng.randint(low, high)
        latest = (
            on.replace(year=on.year - age)
            if not (on.month == 2 and on.day == 29)
            else dt.date(on.year - age, 2, 28)
        )
        return latest - dt.timedelta(days=self.rng.randrange(0, 360))

    # ------------------------------------------------------------------------------------------------ people

    def new_person(self, profile: str, on: dt.date, area: str) -> _PersonPlan | None:
        """A person of ``profile`` fit for a class starting ``on``; None when the profile cannot fit that date."""
        rng = self.rng
        year_now = self.today.year
        gender = "M" if rng.random() < 0.5 else "F"
        groups: dict[str, PersonGroupEvidence] = {}
        notes: dict[str, str] = {}
        household = Person.Household.URBAN
        employer = ""
        address = AREA_ADDRESS_CODE.get(area) if rng.random() < 0.5 else None
        if profile == "graduate":
            education = self.weighted(
                (
                    (Person.Education.BACHELOR, 55),
                    (Person.Education.COLLEGE, 35),
                    (Person.Education.POSTGRADUATE, 10),
                )
            )
            grad_age = {Person.Education.COLLEGE: 21, Person.Education.BACHELOR: 22}.get(education, 25)
            graduation_year = min(on.year - rng.randint(0, 2) - (1 if on.month < 7 else 0), year_now)
            if on.year - graduation_year > 3:
                return None
            birth = dt.date(
                graduation_year - grad_age - rng.randint(0, 1), rng.randint(1, 12), rng.randint(1, 28)
            )
            groups["graduate"] = PersonGroupEvidence("graduate", graduation_year=graduation_year)
            if rng.random() < 0.3:
                groups["unemployed"] = PersonGroupEvidence(
                    "unemployed", registration_number=self.registration(on)
                )
            if rng.random() < 0.15:
                household = Person.Household.RURAL
        elif profile == "upcoming_graduate":
            education = self.weighted(((Person.Education.BACHELOR, 65), (Person.Education.COLLEGE, 35)))
            graduation_year = on.year if on.month <= 6 else on.year + 1
            if not year_now <= graduation_year <= year_now + 1:
                return None
            grad_age = 21 if education == Person.Education.COLLEGE else 22
            birth = dt.date(graduation_year - grad_age, rng.randint(1, 12), rng.randint(1, 28))
            groups["upcoming_graduate"] = PersonGroupEvidence(
                "upcoming_graduate", graduation_year=graduation_year
            )
        elif profile == "unemployed":
            education = self.weighted(
                (
                    (Person.Education.JUNIOR, 30),
                    (Person.Education.SENIOR, 40),
                    (Person.Education.COLLEGE, 20),
                    (Person.Education.BACHELOR, 10),
                )
            )
            birth = self.birth_date(on, 24, 55)
            groups["unemployed"] = PersonGroupEvidence(
                "unemployed", registration_number=self.registration(on)
            )
            if rng.random() < 0.08:
                groups["low_income"] = PersonGroupEvidence("low_income")
                notes["low_income"] = "持城乡低保证"
            if gender == "M" and rng.random() < 0.08:
                groups["veteran"] = PersonGroupEvidence("veteran")
                notes["veteran"] = "持退役军人优待证"
            if rng.random() < 0.02:
                groups["disabled"] = PersonGroupEvidence("disabled")
                notes["disabled"] = "持残疾人证（肢体四级）"
        elif profile == "rural_migrant":
            household = Person.Household.RURAL
            education = self.weighted(
                ((Person.Education.PRIMARY, 10), (Person.Education.JUNIOR, 55), (Person.Education.SENIOR, 35))
            )
            birth = self.birth_date(on, 20, 55)
            groups["rural_migrant"] = PersonGroupEvidence("rural_migrant")
            if rng.random() < 0.1:
                groups["low_income"] = PersonGroupEvidence("low_income")
                notes["low_income"] = "脱贫户（监测对象）"
        else:  # employee / senior_employee
            senior = profile == "senior_employee"
            education = self.weighted(
                (
                    (Person.Education.JUNIOR, 10),
                    (Person.Education.SENIOR, 40),
                    (Person.Education.COLLEGE, 30),
                    (Person.Education.BACHELOR, 20),
                )
            )
            birth = self.birth_date(on, 32 if senior else 22, 55)
            employer = rng.choice(EMPLOYERS)
            limit = min(720, max(0, (year_now - birth.year - 16) * 12 + 12))
            low = min(limit, 96 if senior else 6)
            months = rng.randint(low, max(low, min(limit, 360)))
            groups["employee"] = PersonGroupEvidence(
                "employee", insured_months=months, employer_name=employer
            )
            groups["insured"] = PersonGroupEvidence("insured", insured_months=months)
            if rng.random() < 0.2:
                household = Person.Household.RURAL
        age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
        if not 18 <= age <= 58:
            return None
        for evidence in groups.values():
            errors = validate_group_evidence(
                group=evidence.group,
                birth_year=birth.year,
                graduation_year=evidence.graduation_year,
                registration_number=evidence.registration_number,
                insured_months=evidence.insured_months,
                employer_name=evidence.employer_name,
                note=notes.get(evidence.group, ""),
                today_year=year_now,
            )
            if errors:  # a bug in the generator, never in the data
                raise AssertionError(f"demo person evidence invalid: {errors}")
        return _PersonPlan(
            name=self.person_name(gender),
            citizen_id=self.citizen_id(birth, gender, address),
            gender=gender,
            birth_date=birth,
            phone=self.phone(),
            household=household,
            education=education,
            employer_name=employer,
            profile=profile,
            groups=groups,
            notes=notes,
        )

    def registration(self, on: dt.date) -> str:
        self.registration_serial += 1
        return f"{self.weighted(DALIAN_ADDRESS_CODES)}{on.year}{self.registration_serial:06d}"

    def eligibility(self, person: _PersonPlan, program: Program | None, on: dt.date) -> dict[str, Any] | None:
        """The decision record :func:`enroll` stores, or None when the person is not eligible."""
        facts = person_facts(
            birth_date=person.birth_date,
            gender=person.gender,
            groups=person.groups,
            on=on,
            household=person.household,
            education=person.education,
            employer_name=person.employer_name,
        )
        decision = evaluate_eligibility(program, facts)
        if not decision.passed or not 18 <= facts["age"] <= 58:
            return None
        if (
            program is not None
            and program.target_groups
            and not set(program.target_groups) & set(person.groups)
        ):
            return None
        return {**decision.as_dict(), "on": on.isoformat(), "program": program.code if program else None}

    @staticmethod
    def free(person: _PersonPlan, span: tuple[dt.datetime, dt.datetime]) -> bool:
        start, end = span
        return all(end <= s or e <= start for s, e in person.spans)

    def pick_people(
        self, plan: _ClassPlan, count: int, *, reuse: float = 0.09
    ) -> list[tuple[_PersonPlan, dict[str, Any]]]:
        """``count`` eligible people free over the class's span: mostly new, some returning trainees."""
        kind = plan.program.kind if plan.program else None
        profiles = PROGRAM_PROFILES[kind]
        on = plan.start_date
        span = plan.span
        chosen: list[tuple[_PersonPlan, dict[str, Any]]] = []
        taken: set[int] = set()
        attempts = 0
        while len(chosen) < count and attempts < count * 20:
            attempts += 1
            profile = self.weighted(profiles)
            person: _PersonPlan | None = None
            decision: dict[str, Any] | None = None
            candidates = self.pool[profile]
            if candidates and self.rng.random() < reuse:
                for _ in range(6):
                    candidate = self.rng.choice(candidates)
                    if id(candidate) in taken or not self.free(candidate, span):
                        continue
                    decision = self.eligibility(candidate, plan.program, on)
                    if decision is not None:
                        person = candidate
                        break
            if person is None:
                person = self.new_person(profile, on, plan.provider.spec.area)
                if person is None:
                    continue
                decision = self.eligibility(person, plan.program, on)
                if decision is None:
                    continue
                self.people.append(person)
                self.pool[profile].append(person)
            assert decision is not None
            taken.add(id(person))
            person.spans.append(span)
            chosen.append((person, decision))
        return chosen

    # --------------------------------------------------------------------------------------------- providers

    def providers(self) -> list[_ProviderState]:
        states: list[_ProviderState] = []
        occupations = {o.code: o for o in Occupation.objects.all()}
        specials = {s.code: s for s in SpecialItem.objects.all()}
        regions = {r.code: r for r in Region.objects.all()}
        areas = {a.code: a for a in HandlingArea.objects.all()}
        clerks = {
            u.handling_area_id: u
            for u in User.objects.filter(
                groups__name=Role.DISTRICT_CLERK, handling_area__isnull=False
            ).order_by("pk")
        }
        admin = self.admin
        for spec in DEMO_PROVIDERS:
            area = areas[spec.area]
            provider = Provider.objects.filter(credit_code=spec.credit_code).first()
            if provider is None:
                provider = provider_services.register_provider(
                    actor=admin,
                    credit_code=spec.credit_code,
                    name=spec.name,
                    type=spec.type,
                    handling_area=area,
                    address=spec.address,
                    legal_representative=spec.legal_representative,
                    contact_name=spec.contact_name,
                    contact_phone=spec.contact_phone,
                    licence_number=spec.licence_number,
                    licence_expires_on=spec.licence_expires_on,
                )
                provider = provider_services.approve_provider(
                    actor=admin, provider=provider, note="材料齐全，现场核查合格"
                )
            else:  # the demo provider user's institution, created without its details
                provider = provider_services.update_provider(
                    actor=admin,
                    provider=provider,
                    name=spec.name,
                    type=spec.type,
                    handling_area=area,
                    address=spec.address,
                    legal_representative=spec.legal_representative,
                    contact_name=spec.contact_name,
                    contact_phone=spec.contact_phone,
                    licence_number=spec.licence_number,
                    licence_expires_on=spec.licence_expires_on,
                )
            approved_at = self.local(dt.date(spec.approved_year, 3 + len(spec.name) % 8, 12), dt.time(10, 0))
            Provider.objects.filter(pk=provider.pk).update(
                created_at=approved_at - dt.timedelta(days=30), approved_at=approved_at
            )
            provider.refresh_from_db()
            provider_services.set_scope(
                actor=admin,
                provider=provider,
                occupations=[(occupations[code], level) for code, level in spec.occupations],
                special_items=[specials[code] for code in spec.specials],
            )
            teachers = []
            for teacher in spec.teachers:
                gender = "F" if teacher.name[-1] in FEMALE_CHARS else "M"
                birth = dt.date(
                    self.rng.randint(1968, 1992), self.rng.randint(1, 12), self.rng.randint(1, 28)
                )
                teachers.append(
                    provider_services.add_teacher(
                        actor=admin,
                        provider=provider,
                        name=teacher.name,
                        citizen_id=self.citizen_id(birth, gender, AREA_ADDRESS_CODE[spec.area]),
                        phone=self.phone(),
                        occupation=occupations.get(teacher.occupation),
                        certificates=teacher.certificates,
                        is_practical=teacher.practical,
                    )
                )
            venues = [
                provider_services.add_venue(
                    actor=admin,
                    provider=provider,
                    name=venue.name,
                    address=venue.address,
                    capacity=venue.capacity,
                    region=regions.get(AREA_ADDRESS_CODE[spec.area]),
                    is_practical=venue.practical,
                )
                for venue in spec.venues
            ]
            staff = None
            if spec.key == "provider":
                staff = User.objects.filter(provider=provider).order_by("pk").first()
            elif spec.key:
                staff = User.objects.filter(username=spec.key).first() or create_user(
                    actor=admin,
                    username=spec.key,
                    password=self.password,
                    roles=[Role.PROVIDER_STAFF],
                    display_name=f"{spec.name.removeprefix('大连市').removeprefix('大连')[:8]} {spec.staff_name}",
                    provider=provider,
                )
            if spec.status == "suspended":
                provider = provider_services.suspend_provider(
                    actor=admin, provider=provider, reason=SUSPENSION_REASON
                )
                provider_services.record_credit_event(
                    actor=admin,
                    provider=provider,
                    kind=CreditEvent.Kind.SANCTION,
                    occurred_on=self.today - dt.timedelta(days=40),
                    description=SUSPENSION_REASON,
                    points=-20,
                )
            states.append(_ProviderState(spec, provider, teachers, venues, staff, clerks.get(area.pk, admin)))
        return states

    def credit_events(self, states: Iterable[_ProviderState]) -> None:
        by_key = {s.spec.name: s for s in states}
        events = (
            (
                "大连市海川职业培训学校",
                CreditEvent.Kind.COMMENDATION,
                150,
                "年度职业技能培训工作先进单位",
                10,
            ),
            ("大连滨海技工学校", CreditEvent.Kind.COMMENDATION, 200, "“工匠杯”焊工项目学员获一等奖", 10),
            (
                "大连市沙河口区汇智职业培训学校",
                CreditEvent.Kind.COMPLAINT,
                95,
                "学员投诉实训课时被压缩，经核查已整改",
                -5,
            ),
            (
                "大连市中山区星海职业技能培训学校",
                CreditEvent.Kind.COMPLAINT,
                60,
                "学员反映收取教材费，经核查已退还",
                -3,
            ),
        )
        for name, kind, days_ago, text, points in events:
            state = by_key[name]
            provider_services.record_credit_event(
                actor=self.admin,
                provider=state.provider,
                kind=kind,
                occurred_on=self.today - dt.timedelta(days=days_ago),
                description=text,
                points=points,
            )

    def blacklist(self, state: _ProviderState) -> None:
        start = self.today - dt.timedelta(weeks=BLACKLIST_WEEKS)
        provider_services.blacklist_provider(
            actor=self.admin,
            provider=state.provider,
            reason=BLACKLIST_REASON,
            starts_on=start,
            ends_on=start + dt.timedelta(days=730),
        )
        provider_services.record_credit_event(
            actor=self.admin,
            provider=state.provider,
            kind=CreditEvent.Kind.SANCTION,
            occurred_on=start,
            description=BLACKLIST_REASON,
            points=-50,
        )

    # -------------------------------------------------------------------------------------------- programs

    def install_programs(self) -> None:
        for year in (self.today.year - 1, self.today.year):
            programs = install_default_programs(actor=self.admin, year=year)
            self.programs[year] = {p.kind: p for p in programs}

    def items(self, state: _ProviderState, on: dt.date) -> list[CatalogItem]:
        edition = edition_in_force(on)
        if edition is None:
            return []
        key = (state.provider.pk, edition.pk)
        if key not in self.items_cache:
            from lijiao.training.selectors.classes import provider_items

            self.items_cache[key] = list(provider_items(state.provider, on).select_related("category"))
        return self.items_cache[key]

    def choose_item(self, state: _ProviderState, on: dt.date) -> CatalogItem | None:
        items = self.items(state, on)
        if not items:
            return None
        weight = {5: 3.0, 4: 3.0, 3: 1.6, 2: 1.4, 1: 0.5}
        return self.weighted(
            [
                (i, weight[i.level] if i.level else (1.8 if i.kind == CatalogItem.Kind.SPECIAL else 1.2))
                for i in items
            ]
        )

    def choose_program(self, state: _ProviderState, item: CatalogItem, year: int) -> Program | None:
        programs = self.programs.get(year)
        if not programs:
            return None
        options: list[tuple[str, float]] = [(Program.Kind.GENERAL, 2.0)]
        if item.allows_graduate_conversion:
            options.append((Program.Kind.GRADUATE_CONVERSION, 3.0 if state.spec.key == "shuzhi" else 1.5))
        if item.is_elder_child_care:
            options.append((Program.Kind.ELDER_CHILD, 3.0))
        if item.level in (1, 2):
            options.append((Program.Kind.MASTER_CRAFTSMAN, 6.0))
        if item.occupation is not None and item.occupation.code in INDUSTRY_PLUS_OCCUPATIONS:
            options.append((Program.Kind.INDUSTRY_PLUS, 3.0))
        if item.kind == CatalogItem.Kind.OCCUPATION:
            options.append(
                (
                    Program.Kind.JOB_TRANSFER,
                    3.0 if state.spec.type == Provider.Type.ENTERPRISE_CENTRE else 0.3,
                )
            )
        for _ in range(5):
            program = programs.get(self.weighted(options))
            if program is not None and not class_services.program_item_problems(program, item):
                return program
        return programs.get(Program.Kind.GENERAL)

    # -------------------------------------------------------------------------------------------- timetable

    def required_hours(self, item: CatalogItem) -> int:
        """The lesson hours the item needs: its lesson-hour rule's minimum and its own, whichever is higher."""
        rule = class_services.lesson_rule_for(item)
        return max(rule.min_total_hours if rule else 0, item.min_lesson_hours or 0)

    def required_sessions(self, item: CatalogItem) -> tuple[int, int]:
        """(sessions, practical sessions) of 180 minutes (4 lesson hours) that satisfy the item's rule."""
        rule = class_services.lesson_rule_for(item)
        sessions = math.ceil(self.required_hours(item) * 45 / SESSION_MINUTES) + self.rng.choice(
            (0, 0, 0, 1, 2)
        )
        share = rule.min_practical_share if rule else Decimal(0)
        practical = math.ceil(Decimal(sessions) * share)
        if share and practical < sessions and self.rng.random() < 0.3:
            practical += 1
        if not share and item.kind == CatalogItem.Kind.BUSINESS_START:
            practical = sessions // 4  # 创业实践 (not required)
        return sessions, practical

    def pattern_for(self, item: CatalogItem, program: Program | None) -> tuple[str, ...]:
        kind = program.kind if program else None
        if kind in (Program.Kind.MASTER_CRAFTSMAN, Program.Kind.JOB_TRANSFER):
            return self.weighted(((("eve",), 2), (("wkd-am", "wkd-pm"), 1)))
        return self.weighted(
            (
                (("am", "pm"), 5),
                (("am",), 2),
                (("pm",), 1),
                (("eve",), 1),
                (("wkd-am", "wkd-pm"), 1.5),
            )
        )

    def session_slots(
        self, start: dt.date, pattern: tuple[str, ...], count: int
    ) -> list[tuple[dt.date, str]]:
        weekend = pattern[0].startswith("wkd-")
        slots: list[tuple[dt.date, str]] = []
        day = start
        while len(slots) < count:
            working = self.calendar.is_workday(day)
            if (working and not weekend) or (weekend and not working and day.weekday() >= 5):
                for slot in pattern:
                    if len(slots) < count:
                        slots.append((day, slot.removeprefix("wkd-")))
            day += dt.timedelta(days=1)
        return slots

    def plan_timetable(
        self,
        state: _ProviderState,
        item: CatalogItem,
        program: Program | None,
        earliest: dt.date,
        latest: dt.date,
    ) -> tuple[list[tuple[dt.date, str]], Venue | None, list[Teacher], int, str, int] | None:
        """Slots, venue, teachers, capacity, mode and practical count for a class starting in [earliest, latest],
        with no venue or teacher busy twice. None when nothing fits."""
        sessions, practical = self.required_sessions(item)
        pattern = self.pattern_for(item, program)
        online = item.special_item is not None and item.special_item.code == "CY-WL"
        mode = TrainingClass.Mode.ONLINE if online else TrainingClass.Mode.OFFLINE
        if not online and item.is_digital and self.rng.random() < 0.3:
            mode = TrainingClass.Mode.MIXED
        capacity = self.rng.choice((30, 30, 35, 40, 40, 45, 50))
        span_days = max(0, (latest - earliest).days)
        for _attempt in range(14):
            start = earliest + dt.timedelta(days=self.rng.randint(0, span_days))
            slots = self.session_slots(start, pattern, sessions)
            venue: Venue | None = None
            if mode != TrainingClass.Mode.ONLINE:
                wanted_practical = practical * 2 >= sessions
                venues = sorted(
                    (v for v in state.venues if v.capacity >= 30),
                    key=lambda v: (v.is_practical != wanted_practical, self.rng.random()),
                )
                venue = next((v for v in venues if not (self.venue_busy[v.pk] & set(slots))), None)
                if venue is None:
                    continue
            theory = [t for t in state.teachers if not (self.teacher_busy[t.pk] & set(slots))]
            if not theory:
                continue
            code = item.occupation.code if item.occupation is not None else ""
            theory.sort(
                key=lambda t: (
                    t.occupation.code != code if t.occupation is not None else True,
                    t.is_practical,
                    self.rng.random(),
                )
            )
            lead = theory[0]
            others = [t for t in theory[1:] if t.is_practical] or theory[1:]
            teachers = [lead, *others[:1]] if practical else [lead]
            cap = min(capacity, venue.capacity) if venue is not None else capacity
            if venue is not None:
                self.venue_busy[venue.pk].update(slots)
            for teacher in teachers:
                self.teacher_busy[teacher.pk].update(slots)
            return slots, venue, teachers, cap, mode, practical
        return None

    def sessions_for(
        self, item: CatalogItem, slots: list[tuple[dt.date, str]], practical: int, teachers: list[Teacher]
    ) -> list[_SessionPlan]:
        count = len(slots)
        kinds = [ClassSession.Kind.THEORY] * (count - practical) + [ClassSession.Kind.PRACTICAL] * practical
        head, tail = kinds[:1], kinds[1:]
        self.rng.shuffle(tail)
        kinds = head + sorted(
            tail, key=lambda k: (k == ClassSession.Kind.PRACTICAL) and self.rng.random() < 0.7
        )
        subject = item.subject_name
        plans = []
        for index, ((day, slot), kind) in enumerate(zip(slots, kinds, strict=True)):
            starts_at = self.local(day, SLOTS[slot])
            if kind == ClassSession.Kind.PRACTICAL:
                topic = f"{subject}{PRACTICAL_TOPICS[min(index * len(PRACTICAL_TOPICS) // count, 3)]}"
                teacher = teachers[-1]
            else:
                topic = f"{subject}{THEORY_TOPICS[min(index * len(THEORY_TOPICS) // count, 4)]}"
                teacher = teachers[0]
            plans.append(
                _SessionPlan(
                    starts_at, starts_at + dt.timedelta(minutes=SESSION_MINUTES), kind, topic, teacher
                )
            )
        return plans

    def class_name(self, state: _ProviderState, item: CatalogItem, program: Program | None) -> str:
        subject = item.subject_name
        level = f"（{item.get_level_display()}）" if item.level else ""
        state.class_serial[subject + level] += 1
        prefix = PROGRAM_PREFIX.get(Program.Kind(program.kind), "") if program else ""
        suffix = "班" if subject.endswith("培训") and not level else "培训班"  # 创业培训 → 创业培训班
        return f"{prefix}{subject}{level}{suffix}第{state.class_serial[subject + level]}期"[:100]

    # --------------------------------------------------------------------------------------------- history

    def history_status(self, end: dt.date) -> str:
        days = (self.today - end).days
        roll = self.rng.random()
        if days <= 0:
            return ClassStatus.RUNNING
        if days <= 7:
            return ClassStatus.FINISHED
        if days <= 25:
            return (
                ClassStatus.ASSESSED
                if roll < 0.55
                else ClassStatus.CLOSED
                if roll < 0.8
                else ClassStatus.FINISHED
            )
        return ClassStatus.CLOSED if roll < 0.87 else ClassStatus.ASSESSED

    def plan_history(self, states: list[_ProviderState]) -> list[_ClassPlan]:
        window_start = self.today - dt.timedelta(days=HISTORY_DAYS)
        blacklist_start = self.today - dt.timedelta(weeks=BLACKLIST_WEEKS)
        plans: list[_ClassPlan] = []
        for state in states:
            if state.spec.status == "suspended":
                continue
            latest = self.today - dt.timedelta(days=3)
            if state.spec.status == "blacklisted":
                latest = blacklist_start - dt.timedelta(days=75)
            for _ in range(state.spec.history_classes):
                plan = self.plan_class(state, window_start, latest, historical=True)
                if plan is None:
                    continue
                if state.spec.status == "blacklisted" and plan.end_date >= blacklist_start:
                    continue
                plans.append(plan)
            if (
                state.spec.key == "provider"
            ):  # the demo login always finds a class in progress, whatever the date
                for _ in range(10):
                    plan = self.plan_class(state, self.today - dt.timedelta(days=7), latest, historical=True)
                    if plan is not None and plan.end_date >= self.today:
                        plans.append(plan)
                        break
        plans.sort(key=lambda p: (p.sessions[0].starts_at, p.provider.provider.pk))
        for plan in plans:
            plan.name = self.class_name(plan.provider, plan.item, plan.program)
            self.plan_enrollments(plan)
        return plans

    def plan_class(
        self, state: _ProviderState, earliest: dt.date, latest: dt.date, *, historical: bool
    ) -> _ClassPlan | None:
        item = self.choose_item(state, earliest if historical else self.today)
        if item is None:
            return None
        timetable = None
        for _ in range(3):
            program = self.choose_program(state, item, earliest.year)
            timetable = self.plan_timetable(state, item, program, earliest, latest)
            if timetable is not None:
                break
        if timetable is None:
            return None
        slots, venue, teachers, capacity, mode, practical = timetable
        start = slots[0][0]
        filed_on = self.today
        if historical:
            # the subject of the edition in force on the class's own filing date, the program of its start year
            filed_on = start - dt.timedelta(days=self.rng.randint(8, 20))
            edition_item = self._item_on(item, filed_on)
            if edition_item is None or self.required_hours(edition_item) > len(slots) * 4:
                return None
            item = edition_item
            program = self.choose_program(state, item, start.year)
        created_at = self.local(
            filed_on - dt.timedelta(days=self.rng.randint(1, 5)), dt.time(10, self.rng.randint(0, 59))
        )
        approved_at = self.local(
            filed_on + dt.timedelta(days=self.rng.randint(1, 4)), dt.time(15, self.rng.randint(0, 59))
        )
        plan = _ClassPlan(
            provider=state,
            item=item,
            program=program,
            sessions=self.sessions_for(item, slots, practical, teachers),
            capacity=capacity,
            venue=venue,
            teachers=teachers,
            mode=mode,
            filed_on=filed_on,
            created_at=created_at,
            approved_at=approved_at,
        )
        return plan

    def _item_on(self, item: CatalogItem, on: dt.date) -> CatalogItem | None:
        edition: Edition | None = edition_in_force(on)
        if edition is None:
            return None
        if item.edition_id == edition.pk:
            return item
        return class_services.same_subject_item(edition, item)

    def plan_enrollments(self, plan: _ClassPlan) -> None:
        rng = self.rng
        plan.status = self.history_status(plan.end_date)
        count = max(12, round(plan.capacity * rng.uniform(0.72, 1.0)))
        latest_enrolment = min(plan.sessions[0].starts_at - dt.timedelta(hours=14), self.now)
        for person, decision in self.pick_people(plan, min(count, plan.capacity)):
            window = max(60, int((latest_enrolment - plan.approved_at).total_seconds() // 60))
            enrolled_at = plan.approved_at + dt.timedelta(minutes=rng.randrange(30, window))
            enrolled_at = min(enrolled_at, latest_enrolment)
            if person.first_enrolled_at is None or enrolled_at < person.first_enrolled_at:
                person.first_enrolled_at = enrolled_at
            roll = rng.random()
            tier = "poor" if roll < 0.04 else "fair" if roll < 0.10 else "good"
            enrollment = _EnrollmentPlan(person, decision, enrolled_at, tier=tier)
            sessions = len(plan.sessions)
            past = sum(1 for s in plan.sessions if s.ends_at <= self.now)
            if sessions >= 6 and rng.random() < 0.02:
                after = rng.randint(1, max(1, sessions // 3))
                if after < past:
                    enrollment.status = Enrollment.Status.WITHDRAWN
                    enrollment.withdrawn_after = after
            if enrollment.status == Enrollment.Status.ACTIVE and plan.status != ClassStatus.RUNNING:
                enrollment.status = Enrollment.Status.COMPLETED
            plan.enrollments.append(enrollment)
        if plan.status in (ClassStatus.ASSESSED, ClassStatus.CLOSED):
            plan.assessed_on = min(
                plan.end_date + dt.timedelta(days=rng.randint(2, 7)), self.today - dt.timedelta(days=1)
            )
        plan.reviewed_by = plan.provider.reviewer
        plan.reviewed_at = plan.approved_at
        if plan.status == ClassStatus.CLOSED:
            assert plan.assessed_on is not None
            closed_on = min(
                plan.assessed_on + dt.timedelta(days=rng.randint(3, 12)), self.today - dt.timedelta(days=1)
            )
            plan.reviewed_at = self.local(closed_on, dt.time(16, rng.randint(0, 59)))

    def attended(self, plan: _ClassPlan, enrollment: _EnrollmentPlan) -> list[int]:
        """Indexes of the sessions the trainee checked in to (past sessions only)."""
        rng = self.rng
        total = len(plan.sessions)
        past = [i for i, s in enumerate(plan.sessions) if s.ends_at <= self.now]
        if enrollment.withdrawn_after is not None:
            return past[: enrollment.withdrawn_after]
        if enrollment.tier == "poor":
            keep = min(math.ceil(total * 0.8) - 1, max(1, round(total * rng.uniform(0.45, 0.78))))
        elif enrollment.tier == "fair":
            keep = max(math.ceil(total * 0.8), total - max(1, round(total * 0.17)))
        else:
            allowed = math.floor(total * 0.15)
            keep = total - min(allowed, rng.choices((0, 1, 2), weights=(55, 30, 15), k=1)[0])
        missed = total - keep
        if missed <= 0:
            return past
        skip = set(rng.sample(range(total), missed))
        return [i for i in past if i not in skip]

    def checkin_method(self, plan: _ClassPlan, session: _SessionPlan) -> tuple[str, str]:
        if plan.mode == TrainingClass.Mode.ONLINE or (
            plan.mode == TrainingClass.Mode.MIXED and session.kind == ClassSession.Kind.THEORY
        ):
            return CheckIn.Method.ONLINE, ""
        if self.rng.random() < 0.03:
            return CheckIn.Method.MANUAL, self.rng.choice(MANUAL_REASONS)
        return plan.provider.spec.checkin_method, ""

    def scores(
        self, plan: _ClassPlan, enrollment: _EnrollmentPlan
    ) -> tuple[Decimal | None, Decimal | None, bool]:
        rng = self.rng
        penalty = 14 if enrollment.tier == "poor" else 0

        def score(mean: float, sd: float) -> Decimal:
            value = min(99.0, max(18.0, rng.gauss(mean - penalty, sd)))
            return Decimal(f"{round(value * 2) / 2:.1f}")

        kind = plan.item.kind
        if kind == CatalogItem.Kind.BUSINESS_START:
            theory = score(80, 8)
            return theory, None, theory >= 60
        if kind == CatalogItem.Kind.SPECIAL:
            practical = score(74, 10)
            return None, practical, practical >= 60
        theory, practical = score(75.5, 11), score(78.5, 10)
        return theory, practical, theory >= 60 and practical >= 60

    def evaluator(self, plan: _ClassPlan) -> str:
        if plan.item.kind == CatalogItem.Kind.SPECIAL:
            return EVALUATOR_SPECIAL
        if plan.item.kind == CatalogItem.Kind.BUSINESS_START:
            return EVALUATOR_BUSINESS
        if plan.provider.spec.type in (Provider.Type.ENTERPRISE_CENTRE, Provider.Type.TECHNICAL_SCHOOL):
            return f"{plan.provider.spec.name}（职业技能等级认定）"[:100]
        return EVALUATORS_OCCUPATION[plan.provider.provider.pk % len(EVALUATORS_OCCUPATION)]

    # ------------------------------------------------------------------------------------------ bulk writes

    def write_history(self, plans: list[_ClassPlan]) -> None:
        """Insert the planned history set-based, one audit event per bulk step."""
        people = self.write_people()
        self.write_classes(plans)
        enrollments = self.write_enrollments(plans)
        checkins = self.write_attendance(plans)
        results = self.write_results(plans)
        self.counts.update(
            people=people,
            history_classes=len(plans),
            enrollments=enrollments,
            checkins=checkins,
            results=results,
        )

    def bulk_event(self, action: str, object_type: str, label: str, after: dict[str, Any]) -> None:
        record_event(
            actor=self.admin,
            action=f"demo.history.{action}",
            object_type=object_type,
            object_repr=f"演示数据：{label}",
            after=after,
            reason="演示数据批量导入（demo data, one event per bulk step）",
        )

    def write_people(self) -> int:
        people = [p for p in self.people if not p.pk and p.first_enrolled_at is not None]
        rows = [
            Person(
                name=p.name,
                citizen_id=p.citizen_id,
                gender=p.gender,
                birth_date=p.birth_date,
                phone=p.phone,
                household=p.household,
                education=p.education,
                employer_name=p.employer_name,
            )
            for p in people
        ]
        Person.objects.bulk_create(rows, batch_size=1000)
        registered: dict[int, dt.datetime] = {}
        for person, row in zip(people, rows, strict=True):
            person.pk = row.pk
            assert person.first_enrolled_at is not None
            registered[row.pk] = person.first_enrolled_at - dt.timedelta(minutes=5)
        _set_column(Person, "created_at", registered.items())
        _set_column(Person, "updated_at", registered.items())
        groups = [
            PersonGroup(
                person_id=p.pk,
                group=g.group,
                graduation_year=g.graduation_year,
                registration_number=g.registration_number,
                insured_months=g.insured_months,
                employer_name=g.employer_name,
                note=p.notes.get(g.group, ""),
            )
            for p in people
            for g in p.groups.values()
        ]
        PersonGroup.objects.bulk_create(groups, batch_size=1000)
        _set_column(PersonGroup, "recorded_at", ((g.pk, registered[g.person_id]) for g in groups))
        self.bulk_event(
            "people_loaded", "people.person", "学员", {"people": len(rows), "groups": len(groups)}
        )
        return len(rows)

    def write_classes(self, plans: list[_ClassPlan]) -> None:
        self.assign_codes(plans)
        lesson_hours = SESSION_MINUTES // class_services.LESSON_MINUTES
        classes = [
            TrainingClass(
                code=plan.code,
                name=plan.name,
                provider=plan.provider.provider,
                handling_area_id=plan.provider.provider.handling_area_id,
                catalog_item=plan.item,
                program=plan.program,
                start_date=plan.start_date,
                end_date=plan.end_date,
                lesson_hours=len(plan.sessions) * lesson_hours,
                practical_hours=lesson_hours
                * sum(1 for s in plan.sessions if s.kind == ClassSession.Kind.PRACTICAL),
                capacity=plan.capacity,
                enrolled_count=sum(1 for e in plan.enrollments if e.status != Enrollment.Status.WITHDRAWN),
                venue=plan.venue,
                mode=plan.mode,
                status=plan.status,
                filed_on=plan.filed_on,
                reviewed_by=plan.reviewed_by,
                reviewed_at=plan.reviewed_at,
                created_by=plan.provider.staff,
            )
            for plan in plans
        ]
        TrainingClass.objects.bulk_create(classes, batch_size=500)
        for plan, training_class in zip(plans, classes, strict=True):
            plan.pk = training_class.pk
        _set_column(TrainingClass, "created_at", ((p.pk, p.created_at) for p in plans))
        _set_column(
            TrainingClass,
            "updated_at",
            ((p.pk, max(p.reviewed_at or p.approved_at, p.created_at)) for p in plans),
        )
        through = TrainingClass.teachers.through
        through.objects.bulk_create(
            [through(trainingclass_id=plan.pk, teacher_id=t.pk) for plan in plans for t in plan.teachers],
            batch_size=1000,
        )
        planned = [s for plan in plans for s in plan.sessions]
        sessions = [
            ClassSession(
                training_class_id=plan.pk,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                kind=s.kind,
                topic=s.topic,
                teacher=s.teacher,
            )
            for plan in plans
            for s in plan.sessions
        ]
        ClassSession.objects.bulk_create(sessions, batch_size=1000)
        for session_plan, session in zip(planned, sessions, strict=True):
            session_plan.pk = session.pk
        statuses = Counter(plan.status for plan in plans)
        self.bulk_event(
            "classes_loaded",
            "training.trainingclass",
            "往期培训班",
            {"classes": len(classes), "sessions": len(sessions), "statuses": dict(sorted(statuses.items()))},
        )

    def write_enrollments(self, plans: list[_ClassPlan]) -> int:
        planned = [(plan, e) for plan in plans for e in plan.enrollments]
        # the decision records, stored once each: the enrollments point at them
        decision_ids = store_decisions([e.eligibility for _plan, e in planned])
        enrollments = [
            Enrollment(
                training_class_id=plan.pk,
                person_id=e.person.pk,
                status=e.status,
                enrolled_by=plan.provider.staff,
                eligibility_decision_id=decision_id,
            )
            for (plan, e), decision_id in zip(planned, decision_ids, strict=True)
        ]
        Enrollment.objects.bulk_create(enrollments, batch_size=1000)
        for (_plan, enrollment_plan), enrollment in zip(planned, enrollments, strict=True):
            enrollment_plan.pk = enrollment.pk
        _set_column(Enrollment, "enrolled_at", ((e.pk, e.enrolled_at) for _plan, e in planned))
        statuses = Counter(e.status for e in enrollments)
        self.bulk_event(
            "enrollments_loaded",
            "training.enrollment",
            "报名",
            {"enrollments": len(enrollments), "statuses": dict(sorted(statuses.items()))},
        )
        return len(enrollments)

    def write_attendance(self, plans: list[_ClassPlan]) -> int:
        checkins: list[tuple[Any, ...]] = []
        for plan in plans:
            staff = plan.provider.staff
            for e in plan.enrollments:
                for index in self.attended(plan, e):
                    session = plan.sessions[index]
                    method, reason = self.checkin_method(plan, session)
                    manual = method == CheckIn.Method.MANUAL
                    offset = self.rng.randint(0, 40) if manual else self.rng.randint(-25, 12)
                    checked_at = session.starts_at + dt.timedelta(minutes=offset)
                    checkins.append(
                        (
                            session.pk,
                            e.pk,
                            e.person.pk,
                            checked_at,
                            method,
                            reason,
                            staff.pk if staff else None,
                        )
                    )
        _insert_rows(
            CheckIn,
            ["session", "enrollment", "person", "checked_at", "method", "reason", "recorded_by"],
            checkins,
        )
        rates: list[tuple[int, Decimal]] = []
        for plan in plans:  # stored exactly as finish_class / the check-in services store them
            rates.extend(attendance_rates(TrainingClass(pk=plan.pk)).items())
        _set_column(Enrollment, "attendance_rate", rates)
        methods = Counter(str(row[4]) for row in checkins)
        self.bulk_event(
            "attendance_loaded",
            "training.checkin",
            "签到",
            {
                "checkins": len(checkins),
                "methods": dict(sorted(methods.items())),
                "attendance_rates": len(rates),
            },
        )
        return len(checkins)

    def write_results(self, plans: list[_ClassPlan]) -> int:
        results: list[AssessmentResult] = []
        recorded_at: list[dt.datetime] = []
        for plan in plans:
            if plan.assessed_on is None:
                continue
            organisation = self.evaluator(plan)
            for e in plan.enrollments:
                if e.status != Enrollment.Status.COMPLETED:
                    continue
                theory, practical, passed = self.scores(plan, e)
                results.append(
                    AssessmentResult(
                        enrollment_id=e.pk,
                        theory_score=theory,
                        practical_score=practical,
                        passed=passed,
                        evaluating_organisation=organisation,
                        assessed_on=plan.assessed_on,
                        recorded_by=plan.provider.staff,
                    )
                )
                next_day = self.local(plan.assessed_on + dt.timedelta(days=1), dt.time(11, 0))
                recorded_at.append(min(next_day, self.now))
        AssessmentResult.objects.bulk_create(results, batch_size=1000)
        _set_column(
            AssessmentResult,
            "recorded_at",
            ((result.pk, when) for result, when in zip(results, recorded_at, strict=True)),
        )
        passed_count = sum(1 for r in results if r.passed)
        self.bulk_event(
            "results_loaded",
            "training.assessmentresult",
            "评价结果",
            {"results": len(results), "passed": passed_count},
        )
        return len(results)

    def assign_codes(self, plans: list[_ClassPlan]) -> None:
        """``PX<year><area><serial>`` as :func:`~lijiao.training.services.classes.create_class` numbers them,
        continuing after any class of that year and area already there."""
        serials: dict[str, int] = {}
        for plan in sorted(plans, key=lambda p: (p.created_at, p.provider.provider.pk)):
            area = plan.provider.spec.area
            prefix = f"{class_services.CODE_PREFIX}{timezone.localtime(plan.created_at).year}{area}"
            if prefix not in serials:
                last = (
                    TrainingClass.objects.filter(code__startswith=prefix)
                    .order_by("-code")
                    .values_list("code", flat=True)
                    .first()
                )
                tail = last[len(prefix) :] if last else ""
                serials[prefix] = int(tail) if tail.isdigit() else 0
            serials[prefix] += 1
            plan.code = f"{prefix}{serials[prefix]:06d}"

    # --------------------------------------------------------------------------------- from today on (services)

    def service_class(
        self, state: _ProviderState, earliest: dt.date, latest: dt.date
    ) -> TrainingClass | None:
        """A draft with its timetable, built through the services by the provider's staff."""
        staff = state.staff
        assert staff is not None
        for _ in range(4):
            chosen = self.choose_item(state, self.today)
            if chosen is None:
                return None
            program = self.choose_program(state, chosen, earliest.year)
            timetable = self.plan_timetable(state, chosen, program, earliest, latest)
            if timetable is not None:
                break
        else:
            return None
        slots, venue, teachers, capacity, mode, practical = timetable
        if slots[0][0].year != earliest.year:  # the program of the year the class starts in (if there is one)
            program = self.choose_program(state, chosen, slots[0][0].year)
        sessions = self.sessions_for(chosen, slots, practical, teachers)
        name = self.class_name(state, chosen, program)
        tc = class_services.create_class(
            actor=staff,
            data=class_services.ClassInput(
                name=name,
                catalog_item=chosen,
                start_date=slots[0][0],
                end_date=timezone.localtime(sessions[-1].ends_at).date(),
                capacity=capacity,
                program=program,
                venue=venue,
                teachers=teachers,
                mode=mode,
            ),
        )
        return class_services.set_sessions(
            actor=staff,
            training_class=tc,
            sessions=[
                class_services.SessionInput(s.starts_at, s.ends_at, s.kind, s.topic, s.teacher)
                for s in sessions
            ],
        )

    def filed(self, state: _ProviderState, tc: TrainingClass) -> TrainingClass:
        assert state.staff is not None
        return class_services.file_class(actor=state.staff, training_class=tc)

    def enroll_upcoming(self, state: _ProviderState, tc: TrainingClass) -> int:
        """Enroll 25–50 % of the places through the services: returning trainees and people registered now."""
        staff = state.staff
        assert staff is not None
        sessions = list(tc.sessions.order_by("starts_at"))
        plan = _ClassPlan(
            provider=state,
            item=tc.catalog_item,
            program=tc.program,
            sessions=[_SessionPlan(s.starts_at, s.ends_at, s.kind, s.topic, s.teacher) for s in sessions],
            capacity=tc.capacity,
            venue=tc.venue,
            teachers=[],
            mode=tc.mode,
            filed_on=self.today,
            created_at=self.now,
            approved_at=self.now,
        )
        wanted = round(tc.capacity * self.rng.uniform(0.25, 0.5))
        enrolled = 0
        for person, _decision in self.pick_people(plan, wanted, reuse=0.5):
            if not person.pk:
                created = register_person(
                    actor=staff,
                    citizen_id=person.citizen_id,
                    name=person.name,
                    phone=person.phone,
                    household=person.household,
                    education=person.education,
                    employer_name=person.employer_name,
                )
                person.pk = created.pk
                person.created_by_service = True
                for evidence in person.groups.values():
                    record_group(
                        actor=staff,
                        person=created,
                        group=evidence.group,
                        graduation_year=evidence.graduation_year,
                        registration_number=evidence.registration_number,
                        insured_months=evidence.insured_months,
                        employer_name=evidence.employer_name,
                        note=person.notes.get(evidence.group, ""),
                    )
            try:
                with transaction.atomic():
                    enroll(actor=staff, training_class=tc, person=Person.objects.get(pk=person.pk))
            except DomainError:  # refused by a check the generator does not model: leave the place free
                person.spans.remove(plan.span)
                continue
            enrolled += 1
        return enrolled

    def upcoming(self, states: list[_ProviderState]) -> None:
        """Classes from today on, through the services (see the module docstring)."""
        by_key = {s.spec.key: s for s in states if s.spec.key}
        first = self.today + dt.timedelta(days=7)
        last = self.today + dt.timedelta(days=34)
        if dt.date(first.year, 12, 24) >= first + dt.timedelta(days=21):
            # the coming classes start in this year's programs, while the year leaves three weeks to start them
            # in (fewer, and the providers' venues and teachers run out: the clerk's queue would be short)
            last = min(last, dt.date(first.year, 12, 24))
        approved_per_provider = {
            "provider": 2,
            "xinghai": 1,
            "binhai": 2,
            "derun": 1,
            "shuzhi": 2,
            "ankang": 2,
            "huizhi": 1,
            "zhuanghe": 1,
        }
        for key, count in approved_per_provider.items():
            state = by_key[key]
            for _ in range(count):
                tc = self.service_class(state, first, last)
                if tc is None:
                    continue
                tc = self.filed(state, tc)
                tc = class_services.approve_class(actor=state.reviewer, training_class=tc)
                self.counts["upcoming_enrollments"] += self.enroll_upcoming(state, tc)
                self.counts["upcoming_approved"] += 1
        for key, count in (("provider", 2), ("xinghai", 1), ("binhai", 1), ("derun", 1)):
            state = by_key[key]
            for _ in range(count):
                tc = self.service_class(state, first, last)
                if tc is not None:
                    self.filed(state, tc)
                    self.counts["upcoming_filed"] += 1
        haichuan = by_key["provider"]
        tc = self.service_class(haichuan, first, last)
        if tc is not None:
            tc = self.filed(haichuan, tc)
            class_services.return_class(
                actor=haichuan.reviewer,
                training_class=tc,
                reason="课程表中实操课安排在理论教室，请改在实训场地并补充实操教师后重新提交",
            )
        huizhi = by_key["huizhi"]
        tc = self.service_class(huizhi, first, last)
        if tc is not None:
            tc = self.filed(huizhi, tc)
            class_services.reject_class(
                actor=huizhi.reviewer,
                training_class=tc,
                reason="该机构同期在训班次已达场地承载上限，现场核查发现实训工位不足，不予备案",
            )
        self.service_class(haichuan, first, last)  # a draft with its timetable, ready to file
        items = self.items(haichuan, self.today)
        carer = next((i for i in items if i.subject_code == "4-10-01-05" and i.level == 4), items[0])
        assert haichuan.staff is not None  # every demo provider has staff
        class_services.create_class(  # a draft still without a timetable
            actor=haichuan.staff,
            data=class_services.ClassInput(
                name="养老护理员（四级/中级工）培训班（筹备中）",
                catalog_item=carer,
                start_date=last,
                end_date=last + dt.timedelta(days=21),
                capacity=30,
                program=self.programs.get(last.year, {}).get(Program.Kind.ELDER_CHILD),
                venue=haichuan.venues[0],
                teachers=haichuan.teachers[:2],
            ),
        )


def _set_column(model: type[Any], column: str, values: Iterable[tuple[int, Any]]) -> None:
    """Set one column of many rows by primary key, values prepared as the field prepares them for saving.

    Much faster than ``bulk_update``'s CASE expressions: PostgreSQL gets ``UPDATE … FROM (VALUES …)`` per
    thousand rows, other databases one ``executemany`` of a one-row ``UPDATE``.
    """
    from django.db import connections, router

    connection = connections[router.db_for_write(model)]
    field_ = model._meta.get_field(column)
    quote = connection.ops.quote_name
    table, target, pk = quote(model._meta.db_table), quote(field_.column), quote(model._meta.pk.column)
    rows = [(pk_value, field_.get_db_prep_save(value, connection)) for pk_value, value in values]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cast = field_.db_type(connection)
            for start in range(0, len(rows), 1000):
                batch = rows[start : start + 1000]
                placeholders = ", ".join(["(%s, %s)"] * len(batch))
                cursor.execute(
                    f"UPDATE {table} SET {target} = v.value::{cast} FROM (VALUES {placeholders}) AS v(id, value) "
                    f"WHERE {table}.{pk} = v.id",
                    [x for row in batch for x in row],
                )
        else:
            sql = f"UPDATE {table} SET {target} = %s WHERE {pk} = %s"
            for start in range(0, len(rows), 5000):
                cursor.executemany(sql, [(value, pk_value) for pk_value, value in rows[start : start + 5000]])


def _insert_rows(model: type[Any], columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows of plain fields (ids from the database): ``COPY`` on PostgreSQL, elsewhere one
    ``executemany`` — for the ~100,000 check-ins, where ``bulk_create`` spends its time compiling SQL."""
    from django.db import connections, router

    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in columns]
    quote = connection.ops.quote_name
    names = ", ".join(quote(f.column) for f in fields)
    prepared = [
        tuple(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)) for row in rows
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN") as copy:
                for row in prepared:
                    copy.write_row(row)
            return
        sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"
        )
        for start in range(0, len(prepared), 5000):
            cursor.executemany(sql, prepared[start : start + 5000])


def _sentinel() -> bool:
    return Provider.objects.filter(credit_code=DEMO_PROVIDERS[1].credit_code).exists()


@transaction.atomic
def load_training_demo(*, admin: User, password: str, today: dt.date | None = None) -> dict[str, int]:
    """Build the demo providers, programs, classes and trainees (see the module docstring); returns counts.

    ``admin`` is the city administrator the provider and program services run as; ``password`` is given to the
    providers' staff logins. Does nothing (returns ``{}``) when the demo providers are already there.
    """
    if _sentinel():
        return {}
    builder = _DemoBuilder(admin=admin, password=password, today=today or timezone.localdate())
    builder.install_programs()
    states = builder.providers()
    builder.credit_events(states)
    plans = builder.plan_history(states)
    builder.write_history(plans)
    for state in states:
        if state.spec.status == "blacklisted":
            builder.blacklist(state)
    builder.upcoming(states)
    counts = dict(builder.counts)
    counts["providers"] = len(states)
    counts["classes"] = TrainingClass.objects.count()
    counts["people"] = Person.objects.count()
    counts["enrollments"] = Enrollment.objects.count()
    for status, number in Counter(TrainingClass.objects.values_list("status", flat=True)).items():
        counts[f"classes_{status}"] = number
    return counts
