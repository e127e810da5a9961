"""Demo training data: providers, programs, ~200 classes across the year and ~5,000 trainees — all through the
services, played forward in time.

What :func:`load_training_demo` adds after the users and the catalog:

* **Providers** (SPEC C3, data in :mod:`lijiao.demo.providers`) — registered, approved and scoped by the city
  administrator through the provider services, with their teachers and venues; every listed provider has a staff
  login (``provider``, ``xinghai``, ``binhai``… with the demo password); one is suspended, one blacklisted ten
  weeks ago, and a few credit events are recorded on their days.
* **Programs** (SPEC C4) — :func:`lijiao.training.services.programs.install_default_programs` for last year and
  this year.
* **History** — about 185 classes that started over the last ~320 days. A planner chooses subjects, programs,
  timetables (no venue or teacher twice at once), trainees (valid Dalian citizen IDs, ages, group evidence) and
  who attends which session; then the history is **played forward in time** (:mod:`lijiao.demo.clock`): at each
  step's moment the user of the right role calls the service — the provider's staff create the class, set its
  timetable and file it, the district clerk (or the city administrator) approves it, the staff import the roster
  (:func:`lijiao.training.roster_import.import_roster`, which registers the trainees and enrolls them after every
  check), start the class, record each session's attendance sheet, withdraw the odd trainee, finish the class and
  record the assessment results; the clerk closes it. Whatever a service refuses is left out (counted as
  ``refused``), so the demo can never contradict a rule.
* **From today on**, the same way: classes approved for the coming weeks with trainees enrolled through
  :func:`~lijiao.training.services.enrollment.enroll`, classes filed and waiting in the district clerks' review
  queues (three in 中山区 for the ``clerk`` user), one returned with a reason, one rejected, and drafts of the demo
  provider.

Every service call writes its own audit events, dated when the step happened.
Random choices come from ``random.Random(SEED)`` in a fixed order; dates are relative to today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.catalog.models import CatalogItem, Edition, Occupation, SpecialItem
from lijiao.catalog.selectors import edition_in_force
from lijiao.core.calendar import get_calendar
from lijiao.core.errors import DomainError
from lijiao.core.identity import address_code_status, citizen_id_check_char
from lijiao.core.models import HandlingArea, Region
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.demo.clock import DemoClock
from lijiao.demo.providers import (
    AREA_ADDRESS_CODE,
    BLACKLIST_REASON,
    BLACKLIST_WEEKS,
    DEMO_PROVIDERS,
    SUSPENSION_REASON,
    DemoProvider,
)
from lijiao.demo.users import DEMO_USERS
from lijiao.people.models import Person, PersonGroup
from lijiao.people.services import validate_group_evidence
from lijiao.providers import services as provider_services
from lijiao.providers.models import CreditEvent, Provider, Teacher, Venue
from lijiao.training.checks import PersonGroupEvidence, evaluate_eligibility, person_facts
from lijiao.training.models import (
    AssessmentResult,
    AttendanceDevice,
    CheckIn,
    ClassSession,
    ClassStatus,
    Enrollment,
    Program,
    TrainingClass,
)
from lijiao.training.roster_import import import_roster
from lijiao.training.services import classes as class_services
from lijiao.training.services.assessment import ResultInput, record_results
from lijiao.training.services.attendance import AttendanceSheet, record_attendance
from lijiao.training.services.devices import register_device
from lijiao.training.services.enrollment import (
    GroupInput,
    PersonInput,
    enroll,
    register_with_groups,
    withdraw,
)
from lijiao.training.services.programs import install_default_programs

__all__ = ["SEED", "demo_loaded", "history_start", "load_training_demo", "roster_csv"]

SEED = 20261124
SESSION_MINUTES = 180  # 4 lesson hours of 45 minutes
HISTORY_DAYS = 320
FINISHED_STATUSES = (ClassStatus.FINISHED, ClassStatus.ASSESSED, ClassStatus.CLOSED)
LIFECYCLE_STEPS = frozenset(
    {"create", "file", "approve", "roster", "start", "finish", "results", "assessed", "close"}
)
WITHDRAW_REASONS = ("找到工作，无法继续参训", "家中有事，本人申请退出", "身体原因，本人申请退出")
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
# Where a provider's clerk gets each group's evidence: graduation from 学信网, unemployment and months insured
# from the bureau's own registers; the rest from a document or what the person says.
EVIDENCE_SOURCE = {
    "graduate": PersonGroup.Source.REGISTER,
    "upcoming_graduate": PersonGroup.Source.DOCUMENT,
    "unemployed": PersonGroup.Source.REGISTER,
    "insured": PersonGroup.Source.REGISTER,
    "veteran": PersonGroup.Source.DOCUMENT,
    "disabled": PersonGroup.Source.DOCUMENT,
    "low_income": PersonGroup.Source.DOCUMENT,
}
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
    attended: frozenset[int] = frozenset()  # the indexes of the sessions the trainee checks in to
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
    tc: TrainingClass | None = None  # once created through the services
    session_rows: list[ClassSession] = field(default_factory=list)
    refused: bool = False  # a service refused a step of the class: the rest of its life is left out

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
    staff: User
    reviewer: User
    class_serial: Counter[str] = field(default_factory=Counter)
    device: AttendanceDevice | None = None  # the check-in terminal, registered at its first upload


# ---------------------------------------------------------------------------------------------------------------
# The builder


class _DemoBuilder:
    def __init__(self, *, users: dict[str, User], password: str, today: dt.date, clock: DemoClock) -> None:
        self.users = users
        self.admin = users["admin"]
        self.password = password
        self.today = today
        self.clock = clock
        self.now = clock.real_now
        self.timeline: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self.refusals: list[str] = []
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
        self.programs: dict[int, dict[str, Program]] = {}  # year -> code suffix (GEN, IND-HEALTH…) -> program
        self.items_cache: dict[tuple[int, int], list[CatalogItem]] = {}
        self.counts: Counter[str] = Counter()

    # ----------------------------------------------------------------------------------------------- helpers

    def local(self, day: dt.date, time: dt.time) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, time))

    def weighted[T](self, options: Sequence[tuple[T, float]]) -> T:
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

    def new_person(self, profile: str, on: dt.date, area: str) -> _PersonPlan | None:  # noqa: C901, PLR0912, PLR0915 -- one branch per profile
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
            login = next((u for u in DEMO_USERS if u.provider_code == spec.credit_code), None)
            staff = User.objects.filter(username=spec.key).first() or create_user(
                actor=admin,
                username=spec.key,
                password=self.password,
                roles=[Role.PROVIDER_STAFF],
                display_name=login.display_name
                if login
                else f"{spec.name.removeprefix('大连市').removeprefix('大连')[:8]} {spec.staff_name}",
                provider=provider,
            )
            states.append(_ProviderState(spec, provider, teachers, venues, staff, clerks.get(area.pk, admin)))
        return states

    def schedule_providers(self, states: Iterable[_ProviderState]) -> None:
        """The city administrator's records on their days: credit events, a suspension, a blacklisting."""
        by_name = {s.spec.name: s for s in states}
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
            day = self.today - dt.timedelta(days=days_ago)
            self.schedule(
                self.local(day, dt.time(11, 0)),
                partial(self.credit_event, by_name[name], kind, day, text, points),
            )
        for state in by_name.values():
            if state.spec.status == "suspended":
                self.schedule(
                    self.local(self.today - dt.timedelta(days=40), dt.time(10, 0)),
                    partial(self.suspend, state),
                )
            elif state.spec.status == "blacklisted":
                start = self.today - dt.timedelta(weeks=BLACKLIST_WEEKS)
                self.schedule(self.local(start, dt.time(10, 0)), partial(self.blacklist, state))

    def credit_event(self, state: _ProviderState, kind: str, day: dt.date, text: str, points: int) -> None:
        provider_services.record_credit_event(
            actor=self.admin,
            provider=state.provider,
            kind=kind,
            occurred_on=day,
            description=text,
            points=points,
        )

    def suspend(self, state: _ProviderState) -> None:
        state.provider = provider_services.suspend_provider(
            actor=self.admin, provider=state.provider, reason=SUSPENSION_REASON
        )
        self.credit_event(state, CreditEvent.Kind.SANCTION, timezone.localdate(), SUSPENSION_REASON, -20)

    def blacklist(self, state: _ProviderState) -> None:
        start = timezone.localdate()
        provider_services.blacklist_provider(
            actor=self.admin,
            provider=state.provider,
            reason=BLACKLIST_REASON,
            starts_on=start,
            ends_on=start + dt.timedelta(days=730),
        )
        self.credit_event(state, CreditEvent.Kind.SANCTION, start, BLACKLIST_REASON, -50)

    # -------------------------------------------------------------------------------------------- programs

    def install_programs(self) -> None:
        for year in (self.today.year - 1, self.today.year):
            programs = install_default_programs(actor=self.admin, year=year)
            self.programs[year] = {p.code.split("-", 1)[1]: p for p in programs}

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
                (
                    i,
                    weight.get(i.level, 1.6)
                    if i.level
                    else (1.8 if i.kind == CatalogItem.Kind.SPECIAL else 1.2),
                )
                for i in items
            ]
        )

    def choose_program(self, state: _ProviderState, item: CatalogItem, year: int) -> Program | None:
        programs = self.programs.get(year)
        if not programs:
            return None
        # which items a program covers is the program's own data (its item rule), not decided here
        weights = {
            Program.Kind.GENERAL: 2.0,
            Program.Kind.GRADUATE_CONVERSION: 3.0 if state.spec.key == "shuzhi" else 1.5,
            Program.Kind.ELDER_CHILD: 3.0,
            Program.Kind.MASTER_CRAFTSMAN: 6.0,
            Program.Kind.INDUSTRY_PLUS: 3.0,
            Program.Kind.JOB_TRANSFER: 3.0 if state.spec.type == Provider.Type.ENTERPRISE_CENTRE else 0.3,
        }
        options = [
            (program, weights.get(Program.Kind(program.kind), 0.0))
            for program in programs.values()
            if program.kind in weights
            and (program.kind != Program.Kind.JOB_TRANSFER or item.kind == CatalogItem.Kind.OCCUPATION)
            and not class_services.program_item_problems(program, item)
        ]
        return self.weighted(options) if options else programs.get("GEN")

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
            # Only the demo's choice of teaching days: a year without an entered arrangement is planned on weekdays.
            known = self.calendar.is_known(day)
            working = self.calendar.is_workday(day) if known else day.weekday() < 5
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
            if not slots or slots[0][0] > latest:  # a weekend or evening pattern can begin after ``latest``
                continue
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
            enrollment.attended = frozenset(self.attended(plan, enrollment))
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

    # ------------------------------------------------------------------------------------ the played history

    def schedule(self, when: dt.datetime, step: Callable[[], None]) -> None:
        self.timeline.append((when, len(self.timeline), step))

    def play(self) -> None:
        """Every scheduled step at its own moment, in time order; then the clock is back at the real now."""
        for when, _, step in sorted(self.timeline, key=lambda entry: (entry[0], entry[1])):
            self.clock.at(when)
            step()
        self.timeline.clear()
        self.clock.now()

    def attempt(self, plan: _ClassPlan | None, what: str, call: Callable[[], Any]) -> Any:
        """``call()`` in a savepoint; a refusal is counted and, for a class's lifecycle step, ends that class."""
        if plan is not None and plan.refused:
            return None
        try:
            with transaction.atomic():
                return call()
        except DomainError as exc:
            self.counts["refused"] += 1
            details = "; ".join(e.message for e in exc.errors[:2])
            self.refusals.append(f"{what} {plan.name if plan else ''}: {exc} {details}")
            if plan is not None and what in LIFECYCLE_STEPS:
                plan.refused = True
            return None

    def step(self, plan: _ClassPlan, what: str, call: Callable[[TrainingClass], Any]) -> Any:
        """:meth:`attempt` for a step of a class the services have created (skipped otherwise)."""
        tc = plan.tc
        if tc is None:
            return None
        return self.attempt(plan, what, lambda: call(tc))

    def schedule_class(self, plan: _ClassPlan) -> None:
        rng = self.rng
        self.schedule(plan.created_at, partial(self.create, plan))
        self.schedule(self.local(plan.filed_on, dt.time(9, rng.randint(0, 50))), partial(self.file, plan))
        self.schedule(plan.approved_at, partial(self.approve, plan))
        latest = plan.sessions[0].starts_at - dt.timedelta(hours=14)
        window = max(1, int((latest - plan.approved_at).total_seconds() // 60) - 30)
        enroll_at = plan.approved_at + dt.timedelta(minutes=30 + rng.randrange(window))
        self.schedule(enroll_at, partial(self.import_roster, plan))
        self.schedule(self.local(plan.start_date, dt.time(7, 30)), partial(self.start, plan))
        # the check-in terminal's records are uploaded after the class's last session (for a class still running:
        # now), and earlier when a trainee leaves: the attendance so far is in, then the trainee withdraws
        past = [i for i, session in enumerate(plan.sessions) if session.ends_at <= self.now]
        if past:
            leaving = {e.withdrawn_after - 1 for e in plan.enrollments if e.withdrawn_after is not None}
            first = 0
            upload_at: dict[int, dt.datetime] = {}
            for last in sorted({*(i for i in leaving if i < past[-1]), past[-1]}):
                moment = min(plan.sessions[last].ends_at + dt.timedelta(minutes=10), self.now)
                self.schedule(moment, partial(self.attendance, plan, list(range(first, last + 1))))
                upload_at[last] = moment
                first = last + 1
            for enrollment in plan.enrollments:
                if enrollment.withdrawn_after is not None:
                    after = upload_at[enrollment.withdrawn_after - 1] + dt.timedelta(minutes=5)
                    self.schedule(min(after, self.now), partial(self.withdraw, plan, enrollment))
        if plan.status in FINISHED_STATUSES:
            self.schedule(plan.sessions[-1].ends_at + dt.timedelta(minutes=30), partial(self.finish, plan))
        if plan.assessed_on is not None:
            moment = self.local(plan.assessed_on, dt.time(10, rng.randint(0, 59)))
            self.schedule(moment, partial(self.assess, plan))
        if plan.status == ClassStatus.CLOSED and plan.reviewed_at is not None:
            self.schedule(plan.reviewed_at, partial(self.close, plan))

    def create(self, plan: _ClassPlan) -> None:
        """The provider's staff create the class for its subject and set its timetable."""
        staff = plan.provider.staff

        def call() -> TrainingClass:
            tc = class_services.create_class(
                actor=staff,
                data=class_services.ClassInput(
                    name=plan.name,
                    catalog_item=plan.item,
                    start_date=plan.start_date,
                    end_date=plan.end_date,
                    capacity=plan.capacity,
                    program=plan.program,
                    venue=plan.venue,
                    teachers=plan.teachers,
                    mode=plan.mode,
                ),
            )
            return class_services.set_sessions(
                actor=staff,
                training_class=tc,
                sessions=[
                    class_services.SessionInput(
                        s.starts_at, s.ends_at, s.kind, s.topic, s.teacher, venue=plan.venue
                    )
                    for s in plan.sessions
                ],
            )

        plan.tc = self.attempt(plan, "create", call)
        if plan.tc is not None:
            plan.session_rows = list(plan.tc.sessions.order_by("starts_at"))

    def file(self, plan: _ClassPlan) -> None:
        staff = plan.provider.staff
        plan.tc = self.step(
            plan, "file", lambda tc: class_services.file_class(actor=staff, training_class=tc)
        )

    def approve(self, plan: _ClassPlan) -> None:
        reviewer = plan.provider.reviewer
        plan.tc = self.step(
            plan, "approve", lambda tc: class_services.approve_class(actor=reviewer, training_class=tc)
        )

    def import_roster(self, plan: _ClassPlan) -> None:
        """The staff import the class's roster (a csv as clerks make them): trainees registered and enrolled."""
        staff = plan.provider.staff
        wanted = list(plan.enrollments)
        for _ in range(2):
            people = [e.person for e in wanted]
            data = roster_csv(people)
            result = self.step(
                plan,
                "roster",
                lambda tc: import_roster(actor=staff, training_class=tc, file_name="花名册.csv", data=data),  # noqa: B023
            )
            if result is None or not result.errors:
                break
            # rows a check refused: those trainees stay away and the rest of the roster is imported again
            self.counts["refused"] += len({e.row_number for e in result.errors})
            self.refusals.extend(f"roster row {e.row_number}: {e.message}" for e in result.errors[:3])
            bad = {e.row_number - ROSTER_FIRST_ROW for e in result.errors}
            if -ROSTER_FIRST_ROW in bad:  # a problem with the file as a whole (seats, quota)
                break
            wanted = [e for index, e in enumerate(wanted) if index not in bad]
        if plan.tc is None:
            return
        by_digest = {pii_digest(PIIKind.CITIZEN_ID, e.person.citizen_id): e for e in plan.enrollments}
        rows = Enrollment.objects.filter(training_class=plan.tc).values_list(
            "pk", "person_id", "person__citizen_id_digest"
        )
        for pk, person_id, digest in rows:
            enrollment = by_digest[digest]
            enrollment.pk = pk
            enrollment.person.pk = person_id

    def start(self, plan: _ClassPlan) -> None:
        staff = plan.provider.staff
        plan.tc = self.step(
            plan, "start", lambda tc: class_services.start_class(actor=staff, training_class=tc)
        )

    def terminal(self, state: _ProviderState) -> AttendanceDevice:
        """The provider's check-in terminal (its usual method and online check-in), registered by its staff
        through the service the first time it uploads (ADR 0010: only a device records face, card or QR)."""
        if state.device is None or not state.device.is_active:
            state.device, _raw = register_device(
                actor=state.staff,
                name="考勤终端",
                methods=sorted({state.spec.checkin_method, CheckIn.Method.ONLINE}),
                ttl_days=3 * 366,
            )
        return state.device

    def attendance(self, plan: _ClassPlan, indexes: list[int]) -> None:
        """Upload the sheets of some sessions: most by the provider's terminal with its usual method, a few
        recorded by hand by the staff (手工补录 with a reason)."""
        if plan.tc is None or plan.refused:
            return
        sheets: list[AttendanceSheet] = []
        manual_sheets: list[AttendanceSheet] = []
        for index in indexes:
            session = plan.sessions[index]
            present = [e.person.pk for e in plan.enrollments if e.pk and index in e.attended]
            method = self.session_method(plan, session)
            manual = [pk for pk in present if method != CheckIn.Method.ONLINE and self.rng.random() < 0.03]
            regular = [pk for pk in present if pk not in manual]
            row = plan.session_rows[index]
            early = dt.timedelta(minutes=self.rng.randint(2, 25))
            if regular:
                sheets.append(AttendanceSheet(row.pk, regular, method, "", session.starts_at - early))
            if manual:
                reason = self.rng.choice(MANUAL_REASONS)
                manual_sheets.append(
                    AttendanceSheet(row.pk, manual, CheckIn.Method.MANUAL, reason, session.starts_at)
                )
        staff = plan.provider.staff
        if sheets:
            device = self.terminal(plan.provider)
            self.step(
                plan,
                "attendance",
                lambda tc: record_attendance(actor=device, training_class=tc, sheets=sheets),
            )
        if manual_sheets:
            self.step(
                plan,
                "attendance",
                lambda tc: record_attendance(actor=staff, training_class=tc, sheets=manual_sheets),
            )

    def withdraw(self, plan: _ClassPlan, enrollment: _EnrollmentPlan) -> None:
        if plan.tc is None or plan.refused or not enrollment.pk:
            return
        staff = plan.provider.staff
        reason = self.rng.choice(WITHDRAW_REASONS)
        self.attempt(
            None,
            "withdraw",
            lambda: withdraw(actor=staff, enrollment=Enrollment.objects.get(pk=enrollment.pk), reason=reason),
        )

    def finish(self, plan: _ClassPlan) -> None:
        staff = plan.provider.staff
        plan.tc = self.step(
            plan, "finish", lambda tc: class_services.finish_class(actor=staff, training_class=tc)
        )

    def assess(self, plan: _ClassPlan) -> None:
        """The staff record every completed trainee's result, then mark the class assessed."""
        if plan.tc is None or plan.refused:
            return
        staff = plan.provider.staff
        assert plan.assessed_on is not None
        completed = set(
            Enrollment.objects.filter(training_class=plan.tc, status=Enrollment.Status.COMPLETED).values_list(
                "pk", flat=True
            )
        )
        rows = []
        for enrollment in plan.enrollments:
            if (
                enrollment.pk in completed
            ):  # the provider's 结业考核 (completion); levels: demo/certificates.py
                theory, practical, passed = self.scores(plan, enrollment)
                rows.append(ResultInput(enrollment.pk, theory, practical, passed, plan.assessed_on))
        self.step(plan, "results", lambda tc: record_results(actor=staff, training_class=tc, rows=rows))
        plan.tc = self.step(
            plan, "assessed", lambda tc: class_services.mark_assessed(actor=staff, training_class=tc)
        )

    def close(self, plan: _ClassPlan) -> None:
        reviewer = plan.provider.reviewer
        plan.tc = self.step(
            plan, "close", lambda tc: class_services.close_class(actor=reviewer, training_class=tc)
        )

    def session_method(self, plan: _ClassPlan, session: _SessionPlan) -> str:
        if plan.mode == TrainingClass.Mode.ONLINE or (
            plan.mode == TrainingClass.Mode.MIXED and session.kind == ClassSession.Kind.THEORY
        ):
            return CheckIn.Method.ONLINE
        return plan.provider.spec.checkin_method

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
                class_services.SessionInput(s.starts_at, s.ends_at, s.kind, s.topic, s.teacher, venue=venue)
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
                created = register_with_groups(
                    actor=staff,
                    person=PersonInput(
                        citizen_id=person.citizen_id,
                        name=person.name,
                        phone=person.phone,
                        household=person.household,
                        education=person.education,
                        employer_name=person.employer_name,
                        groups=[
                            GroupInput(
                                group=evidence.group,
                                graduation_year=evidence.graduation_year,
                                registration_number=evidence.registration_number,
                                insured_months=evidence.insured_months,
                                employer_name=evidence.employer_name,
                                note=person.notes.get(evidence.group, ""),
                                source=EVIDENCE_SOURCE.get(evidence.group, PersonGroup.Source.DECLARED),
                            )
                            for evidence in person.groups.values()
                        ],
                    ),
                )
                person.pk = created.pk
                person.created_by_service = True
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
                program=self.programs.get(last.year, {}).get("ELDER"),
                venue=haichuan.venues[0],
                teachers=haichuan.teachers[:2],
            ),
        )


ROSTER_HEADER = (
    "姓名",
    "身份证号",
    "手机号",
    "性别",
    "出生日期",
    "户籍类型",
    "学历",
    "工作单位",
    "人员类别",
    "毕业年份",
    "失业登记证号",
    "参保月数",
)
ROSTER_FIRST_ROW = 2  # the row number of the first trainee in the import's errors (the header is row 1)
GROUP_WORDS = {  # the words clerks write in 人员类别
    "graduate": "高校毕业生",
    "upcoming_graduate": "应届高校毕业生",
    "unemployed": "登记失业人员",
    "rural_migrant": "农村转移劳动者",
    "low_income": "低保家庭成员",
    "veteran": "退役军人",
    "disabled": "残疾人",
    "employee": "企业职工",
    "insured": "参保职工",
}


def roster_csv(people: Sequence[_PersonPlan]) -> bytes:
    """A roster as a clerk exports it from a spreadsheet (UTF-8 csv, one trainee a row)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(ROSTER_HEADER)
    for person in people:
        evidence = list(person.groups.values())
        graduation = next((g.graduation_year for g in evidence if g.graduation_year), None)
        registration = next((g.registration_number for g in evidence if g.registration_number), "")
        months = next((g.insured_months for g in evidence if g.insured_months is not None), None)
        writer.writerow(
            [
                person.name,
                person.citizen_id,
                person.phone,
                "男" if person.gender == "M" else "女",
                person.birth_date.isoformat(),
                Person.Household(person.household).label,
                Person.Education(person.education).label,
                person.employer_name,
                "、".join(GROUP_WORDS[g] for g in person.groups),
                graduation or "",
                registration,
                "" if months is None else months,
            ]
        )
    return out.getvalue().encode("utf-8")


def demo_loaded() -> bool:
    """True once the demo institutions are there (the demo is then left as it is)."""
    return Provider.objects.filter(credit_code=DEMO_PROVIDERS[1].credit_code).exists()


def history_start(today: dt.date) -> dt.datetime:
    """When the demo's past begins: users, catalog, programs and providers exist from then on."""
    return timezone.make_aware(
        dt.datetime.combine(today - dt.timedelta(days=HISTORY_DAYS + 40), dt.time(9, 0))
    )


def load_training_demo(*, users: dict[str, User], clock: DemoClock, password: str) -> dict[str, int]:
    """Providers, programs, the played history and the classes from today on (see the module docstring).

    The clock stands at :func:`history_start` when this is called; ``users`` are the demo users by username;
    ``password`` is given to the providers' staff logins. Returns counts.
    """
    today = timezone.localtime(clock.real_now).date()
    builder = _DemoBuilder(users=users, password=password, today=today, clock=clock)
    builder.install_programs()
    states = builder.providers()
    clock.now()
    plans = builder.plan_history(states)
    builder.schedule_providers(states)
    for plan in plans:
        builder.schedule_class(plan)
    builder.play()
    builder.upcoming(states)
    counts = dict(builder.counts)
    counts["providers"] = len(states)
    counts["classes"] = TrainingClass.objects.count()
    counts["people"] = Person.objects.count()
    counts["enrollments"] = Enrollment.objects.count()
    counts["checkins"] = CheckIn.objects.count()
    counts["results"] = AssessmentResult.objects.count()
    for status, number in Counter(TrainingClass.objects.values_list("status", flat=True)).items():
        counts[f"classes_{status}"] = number
    return counts
