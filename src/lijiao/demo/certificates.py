"""Demo certificates data (issue 11): evaluating bodies with their sites and accreditations, level results for
the demo classes that ended, certificates for those who passed, a few revoked, employer self-evaluations.

Everything goes through the real services as the user of the right role, at the moment the load began (the
audit chain is appended in time order and the training history before it is already written): the bureau
registers the bodies; the evaluating body's staff record each ended class's results, dated some days after it
ended (培评分离: a class is never assessed by a body linked to its own provider); the certificates are issued
dated two weeks later; the employer records self-evaluations of its staff which the bureau confirms or rejects. The
training demo's provider results are completion (结业考核) only and stay as they are.

The demo worker (何军) holds a certificate and has a passed result waiting for its certificate; 2,000
historical certificates (60 % legacy 16-digit 职业资格证书) come in through the real history import, a few revoked.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal
from typing import Any

from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.catalog.models import CatalogItem, Occupation, SpecialItem
from lijiao.certificates.models import Certificate, EvaluatingBody, EvaluatorMembership, LevelAssessment
from lijiao.certificates.services import bodies, issuance, results, selfevaluation
from lijiao.core.models import HandlingArea
from lijiao.demo.clock import DemoClock
from lijiao.people.models import Person
from lijiao.providers.models import Provider
from lijiao.training.models import ClassStatus, Enrollment, TrainingClass

__all__ = ["load_certificates_demo"]

MAX_CLASSES = 60  # the most recently ended classes are assessed (bounded load time)
REVOKE_EVERY = 40  # one certificate in this many is revoked
REVOKE_REASONS = (
    "经核查，考生冒用他人身份参加认定，撤销证书",
    "考评过程中存在替考行为，经调查属实",
    "评价机构超范围开展认定，相关证书予以撤销",
)


def _score(rng: random.Random, mean: float, sd: float) -> Decimal:
    value = max(0.0, min(100.0, rng.gauss(mean, sd)))
    return Decimal(str(round(value * 2) / 2)).quantize(Decimal("0.01"))


def _register(admin: User, areas: dict[str, HandlingArea], subjects: list[Any]) -> dict[str, EvaluatingBody]:
    """The demo bodies: two social organisations (one of them also a training provider) and an employer."""
    derun = Provider.objects.filter(name__startswith="大连德润装备制造").first()
    provider_user = User.objects.filter(username="provider").select_related("provider").first()
    haichuan = provider_user.provider if provider_user is not None else None
    specs = {
        "city": (
            "S",
            "0101",
            "大连市职业技能等级认定评价中心",
            "ZS",
            None,
            ("210201", "中山考点", "中山区人民路 56 号"),
        ),
        "haichuan": (
            "S",
            "0102",
            "大连海川职业技能评价站",
            "ZS",
            haichuan,
            ("210202", "海川考点", "中山区解放路 18 号"),
        ),
        "derun": (
            "Y",
            "0201",
            "大连德润装备制造有限公司",
            "JPX",
            derun,
            ("210213", "德润技能评价站", "金州区辽河东路 99 号"),
        ),
    }
    found: dict[str, EvaluatingBody] = {}
    for key, (kind, code, name, area, provider, (site_code, site_name, address)) in specs.items():
        body = bodies.register_body(
            actor=admin,
            kind=kind,
            code=code,
            name=name,
            handling_area=areas[area],
            provider=provider,
            contact_name="孙主任",
            registered_on=timezone.localdate() - dt.timedelta(days=300),
        )
        bodies.add_site(
            actor=admin, body=body, code=site_code, name=site_name, address=address, handling_area=areas[area]
        )
        found[key] = body
    for occupation, levels in subjects:
        if isinstance(occupation, SpecialItem):
            for key in ("city", "haichuan"):
                bodies.add_accreditation(actor=admin, body=found[key], special_item=occupation)
            continue
        allowed = [level for level in levels if level in occupation.allowed_levels]
        if allowed:
            for key in ("city", "haichuan"):
                bodies.add_accreditation(actor=admin, body=found[key], occupation=occupation, levels=allowed)
    return found


def _ended_classes() -> list[TrainingClass]:
    return list(
        TrainingClass.objects.filter(
            status__in=[ClassStatus.ASSESSED, ClassStatus.CLOSED],
            catalog_item__kind__in=[CatalogItem.Kind.OCCUPATION, SpecialItem.Kind.SPECIAL_COMPETENCY],
        )
        .select_related("catalog_item__occupation", "catalog_item__special_item", "provider")
        .order_by("-end_date", "-id")[:MAX_CLASSES]
    )


def _subjects(classes: list[TrainingClass]) -> list[Any]:
    levels: dict[Any, set[int]] = {}
    for tc in classes:
        item = tc.catalog_item
        subject = item.occupation or item.special_item
        levels.setdefault(subject, set())
        if item.level in (1, 2, 3, 4, 5):
            levels[subject].add(item.level)
    return [
        (s, sorted(v | ({5, 4, 3} if isinstance(s, Occupation) else set()), reverse=True))
        for s, v in levels.items()
    ]


def _assess(
    rng: random.Random, clock: DemoClock, evaluator: User, body: EvaluatingBody, tc: TrainingClass
) -> list[LevelAssessment]:
    item = tc.catalog_item
    enrollments = list(Enrollment.objects.filter(training_class=tc, status=Enrollment.Status.COMPLETED))
    if not enrollments or (item.occupation is not None and item.level not in (1, 2, 3, 4, 5)):
        return []
    assessed_on = min(
        tc.end_date + dt.timedelta(days=rng.randint(5, 20)), timezone.localtime(clock.real_now).date()
    )
    rows = []
    for enrollment in enrollments:
        absent = rng.random() < 0.04
        rows.append(
            results.ResultInput(
                enrollment_id=enrollment.pk,
                theory_score=None if absent else _score(rng, 74, 12),
                practical_score=_score(rng, 77, 11),
                review_score=_score(rng, 72, 10) if item.level in (1, 2) else None,
            )
        )
    subject = results.Subject(
        body.sites.get(),
        assessed_on,
        occupation=item.occupation,
        work_type=tc.work_type,
        special_item=item.special_item,
        level=item.level if item.occupation is not None else None,
    )
    return results.record_results(actor=evaluator, body=body, subject=subject, rows=rows, source="demo")


def _self_evaluations(
    rng: random.Random, clock: DemoClock, employer: User, admin: User, body: EvaluatingBody
) -> Counter[str]:
    """The employer's staff self-evaluated in 焊工/电工 (as accredited); the bureau decides most of them."""
    counts: Counter[str] = Counter()
    welder = Occupation.objects.filter(name="焊工").first() or Occupation.objects.filter(active=True).first()
    if welder is None:
        return counts
    bodies.add_accreditation(
        actor=admin,
        body=body,
        occupation=welder,
        levels=[lv for lv in (5, 4, 3, 2) if lv in welder.allowed_levels],
    )
    people_qs = Person.objects.order_by("id")
    if body.provider is not None:  # 培评分离: not the people its own training centre trained
        trained_there = Enrollment.objects.filter(training_class__provider=body.provider).values("person_id")
        people_qs = people_qs.exclude(pk__in=trained_there)
    people = list(people_qs[:24])
    today = timezone.localtime(clock.real_now).date()
    levels = [lv for lv in (4, 3) if lv in welder.allowed_levels] or list(welder.allowed_levels)[:1]
    rows = [
        results.ResultInput(
            citizen_id=p.citizen_id,
            name=p.name,
            theory_score=_score(rng, 76, 10),
            practical_score=_score(rng, 80, 9),
            subject=results.Subject(
                body.sites.get(),
                today - dt.timedelta(days=31),
                occupation=welder,
                level=levels[n % len(levels)],
            ),
            label=p.name,
        )
        for n, p in enumerate(people)
    ]
    recorded = results.record_results(actor=employer, body=body, rows=rows, source="demo")
    counts["self_evaluations"] = len(recorded)
    for n, assessment in enumerate(recorded[:-6]):  # the last six await the bureau
        if n % 9 == 4:
            selfevaluation.reject_self_evaluation(
                actor=admin, assessment=assessment, reason="考评员不具备相应资格，请按规定重新组织评价"
            )
            counts["self_evaluations_rejected"] += 1
        else:
            selfevaluation.confirm_self_evaluation(actor=admin, assessment=assessment)
    confirmed = [
        a for a in recorded if LevelAssessment.objects.get(pk=a.pk).status == LevelAssessment.Status.CONFIRMED
    ]
    issued = issuance.issue_for_assessments(
        actor=admin, assessments=confirmed, issued_on=today - dt.timedelta(days=10)
    )
    counts["certificates"] += len(issued)
    return counts


def load_certificates_demo(*, users: dict[str, User], clock: DemoClock) -> dict[str, int]:
    """Bodies, memberships, level results of the ended demo classes, certificates (some revoked), employer
    self-evaluations. Runs after the training demo; returns counts."""
    rng = random.Random(20251111)
    clock.now()
    admin, evaluator, employer = users["admin"], users["evaluator"], users["employer"]
    areas = {a.code: a for a in HandlingArea.objects.all()}
    classes = _ended_classes()
    found = _register(admin, areas, _subjects(classes))
    EvaluatorMembership.objects.get_or_create(user=evaluator, defaults={"body": found["city"]})
    EvaluatorMembership.objects.get_or_create(user=employer, defaults={"body": found["derun"]})
    counts: Counter[str] = Counter(bodies=len(found))
    today = timezone.localtime(clock.real_now).date()
    for tc in sorted(classes, key=lambda c: (c.end_date, c.pk)):
        recorded = _assess(
            rng, clock, evaluator, found["city"], tc
        )  # the city centre: no provider of its own
        counts["level_results"] += len(recorded)
        passed = [a for a in recorded if a.passed]
        if passed:
            issued_on = min(recorded[0].assessed_on + dt.timedelta(days=14), today)
            counts["certificates"] += len(
                issuance.issue_for_assessments(actor=evaluator, assessments=passed, issued_on=issued_on)
            )
    for n, certificate in enumerate(Certificate.objects.filter(body=found["city"]).order_by("id")):
        if n % REVOKE_EVERY == REVOKE_EVERY - 1:
            issuance.revoke_certificate(
                actor=admin,
                certificate=certificate,
                reason=REVOKE_REASONS[n % len(REVOKE_REASONS)],
                revoked_on=min(certificate.issued_on + dt.timedelta(days=60), today),
            )
            counts["certificates_revoked"] += 1
    counts.update(_self_evaluations(rng, clock, employer, admin, found["derun"]))
    counts.update(_worker_certificates(admin, evaluator, found["city"], today))
    counts.update(_import_history(rng, admin, today))
    clock.now()
    return dict(counts)


# ----------------------------------------------------------------------------------------- imported history

HISTORY_SIZE = 2_000  # certificates issued before the platform or in other cities of the province
HISTORY_REVOKE_EVERY = 97
_HISTORY_SUBJECTS = (  # (occupation code, name) of popular occupations; the code must be in the 大典 data
    ("6-31-01-03", "电工"),
    ("6-18-02-04", "焊工"),
    ("4-10-01-05", "养老护理员"),
    ("4-10-01-02", "育婴员"),
    ("4-03-02-01", "中式烹调师"),
)
_HISTORY_ISSUERS = (
    ("210100", "01", "沈阳市职业技能鉴定中心"),
    ("210200", "02", "大连市职业技能鉴定中心"),
    ("210300", "03", "鞍山市职业技能鉴定中心"),
)
# the holders live in Dalian now (their ID numbers' address codes), wherever the certificate was issued
_HOLDER_AREAS = ("210202", "210203", "210204", "210211", "210212")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def _history_citizen_id(rng: random.Random, area: str, n: int) -> str:
    from lijiao.core.identity import citizen_id_check_char

    birth = dt.date(1962, 1, 1) + dt.timedelta(days=rng.randrange(365 * 38))
    first17 = f"{area}{birth:%Y%m%d}{(n % 999) + 1:03d}"
    return first17 + citizen_id_check_char(first17)


def _history_sheet(rng: random.Random, today: dt.date) -> bytes:
    """A CSV as another city's certificate system exports it: about 60 % legacy 16-digit 职业资格证书 (2005–2018),
    the rest 22-character 职业技能等级证书 (2020 on) of the province's social evaluation organisations."""
    import csv
    import io

    from lijiao.catalog.models import Occupation
    from lijiao.core.pii import PIIKind, pii_digest
    from lijiao.people.models import Person

    known = set(
        Occupation.objects.filter(code__in=[c for c, _n in _HISTORY_SUBJECTS]).values_list("code", flat=True)
    )
    subjects = [s for s in _HISTORY_SUBJECTS if s[0] in known] or [("", "电工")]
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
            "来源地",
        ]
    )
    levels = ["五级", "四级", "三级", "二级", "一级"]
    taken = set(Person.objects.values_list("citizen_id_digest", flat=True))  # never another person's number

    def fresh_citizen_id(area: str, n: int) -> str:
        while True:
            candidate = _history_citizen_id(rng, area, n)
            digest = pii_digest(PIIKind.CITIZEN_ID, candidate)
            if digest not in taken:
                taken.add(digest)
                return candidate

    for n in range(HISTORY_SIZE):
        code, subject = subjects[n % len(subjects)]
        site, city, issuer = _HISTORY_ISSUERS[n % len(_HISTORY_ISSUERS)]
        level = rng.choice((5, 5, 5, 4, 4, 3, 2))
        name = _SURNAMES[rng.randrange(len(_SURNAMES))] + "".join(
            _GIVEN[rng.randrange(len(_GIVEN))] for _ in range(rng.choice((1, 2)))
        )
        if n % 5 < 3:  # legacy 职业资格证书: yy + province + city + body type + body serial + level + serial
            year = rng.randrange(2005, 2019)
            number = f"{year % 100:02d}21{city}1{n % 7 + 1:03d}{level}{n:05d}"
            kind = "职业资格证书"
        else:
            year = rng.randrange(2020, today.year)
            number = f"S{3000 + n % 9:04d}21{site}{year % 100:02d}{level}{n:06d}"
            kind = "职业技能等级证书"
        issued = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(360))
        writer.writerow(
            [
                number,
                kind,
                name,
                fresh_citizen_id(_HOLDER_AREAS[n % len(_HOLDER_AREAS)], n),
                code,
                subject,
                levels[5 - level],
                issuer,
                issued.isoformat(),
                f"辽宁省{issuer[:3]}",
            ]
        )
    return out.getvalue().encode("utf-8-sig")


def _import_history(rng: random.Random, admin: User, today: dt.date) -> dict[str, int]:
    """Import the history sheet through the real import service, then revoke a few (as a clerk would)."""
    from lijiao.certificates.services.history_import import import_certificates

    result = import_certificates(
        actor=admin,
        file_name="历史证书.csv",
        data=_history_sheet(rng, today),
        imported_from="辽宁省历史证书数据",
    )
    if result.errors:
        raise RuntimeError(
            f"demo history import failed: {[(e.row_number, e.message) for e in result.errors[:5]]}"
        )
    revoked = 0
    imported = Certificate.objects.filter(source=Certificate.Source.IMPORT).order_by("id")
    for n, certificate in enumerate(imported):
        if n % HISTORY_REVOKE_EVERY == HISTORY_REVOKE_EVERY - 1:
            issuance.revoke_certificate(
                actor=admin,
                certificate=certificate,
                reason="经核查，原证书系冒名顶替取得",
                revoked_on=min(certificate.issued_on + dt.timedelta(days=365), today),
            )
            revoked += 1
    return {"certificates_imported": result.imported_rows, "imported_revoked": revoked}


# ------------------------------------------------------------------------------------- the demo worker's own

WORKER_CITIZEN_ID = "210202199003072311"  # the demo login ``worker`` (何军), see demo/users.py


def _worker_certificates(
    admin: User, evaluator: User, body: EvaluatingBody, today: dt.date
) -> dict[str, int]:
    """何军 (the worker login) holds one certificate and has one passed result still waiting for its certificate,
    so 我的证书 shows both the certificate and the pipeline."""
    from lijiao.people.services import register_person

    clerk = User.objects.get(username="provider")  # registered as a trainee by the demo provider's clerk
    register_person(actor=clerk, citizen_id=WORKER_CITIZEN_ID, name="何军", phone="13898765432")
    accreditations = [a for a in body.accreditations.order_by("id") if a.occupation_id and a.levels]
    if not accreditations:
        return {}
    site = body.sites.order_by("id").first()
    issued: list[LevelAssessment] = []
    pending = 0
    for n, accreditation in enumerate(accreditations[:2]):
        level = max(accreditation.levels)  # the lowest level it may assess (五级 is 5)
        subject = results.Subject(
            site,
            today - dt.timedelta(days=40 - 20 * n),
            occupation=accreditation.occupation,
            work_type=accreditation.work_type,
            level=level,
        )
        row = results.ResultInput(
            citizen_id=WORKER_CITIZEN_ID,
            name="何军",
            theory_score=Decimal("78"),
            practical_score=Decimal("85.5"),
            review_score=Decimal("80") if level in (1, 2) else None,
        )
        recorded = results.record_results(
            actor=evaluator, body=body, subject=subject, rows=[row], source="demo"
        )
        if n == 0:
            issued += recorded
        else:
            pending += len(recorded)
    issuance.issue_for_assessments(
        actor=evaluator, assessments=issued, issued_on=today - dt.timedelta(days=20)
    )
    return {"worker_certificates": len(issued), "worker_pending_results": pending}
