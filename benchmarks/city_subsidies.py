"""The subsidies part of the city-scale benchmark (issue 12): claims for the city's certified trainees, and the
subsidies screens to time.

:func:`make_claims` writes, with COPY (:func:`lijiao.core.bulk_write.bulk_insert`), about one claim per valid
certificate of a city trainee, capped at the scale's share of :data:`CLAIMS` (500,000 over ten years at scale 1):
claims of past years mostly paid or archived, this year's spread over the review pipeline; each decided claim
with its current :class:`~lijiao.subsidies.models.ClaimEvaluation` (the lines of one real ``decide()`` output of
the demo as template), 公示 batches of :data:`PUBLICITY_SIZE` claims, payment batches of :data:`BATCH_LINES` lines
for the paid claims, clawbacks for the clawed-back ones and findings on about 1 % of the claims. Numbers continue
the counters the services draw from (claims ``BT<yyyy>``, 公示 ``GS<yyyy>``, batches ``PB<yyyy>``), so the services
keep working on the city. The constraints hold: one live claim per certificate, one current evaluation per claim,
one payment line per claim.

:func:`subsidy_screens` lists the screens and APIs timed, as the demo's logins (``admin``, ``reviewer1`` of 中山区,
``reviewer2``, ``finance``, ``auditor``, ``provider``, ``worker``, and the anonymous public).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import random
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from city_scale import Screen

CLAIMS = 500_000  # at scale 1, over the ten years
PUBLICITY_SIZE = 500  # claims per 公示 batch
BATCH_LINES = 1_000  # lines per payment batch
FINDING_RATE = 0.01
RECENT_DAYS = 120  # claims filed in the last RECENT_DAYS are still in the pipeline
CHUNK = 50_000

# The statuses of a claim by age: settled ones (filed before the last RECENT_DAYS) and those in the pipeline.
SETTLED = {"paid": 70, "archived": 20, "rejected": 6, "returned": 3, "clawed_back": 1}
PIPELINE = {
    "submitted": 25, "first_approved": 15, "publicity": 10, "approved": 10, "paid": 25, "returned": 8,
    "rejected": 7,
}  # fmt: skip
LISTED = {"publicity", "approved", "paid", "archived", "clawed_back"}  # went through 公示
PAID = {"paid", "archived", "clawed_back"}
CHECKS = (
    "r2_cap", "r3_repeat", "shared_phone", "cross_provider", "overlap_attendance", "short_class",
    "evaluator_spike", "identity_age",
)  # fmt: skip
RETURN_REASON = "请补充结业考核成绩单复印件"
REJECT_REASON = "经核查，该学员已享受同职业同等级补贴"


@contextlib.contextmanager
def stamps_as_given(*models: Any) -> Iterator[None]:
    """``auto_now``/``auto_now_add`` off while the city's history is written (its rows carry their own times)."""
    saved = []
    for model in models:
        for f in model._meta.concrete_fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                saved.append((f, f.auto_now, f.auto_now_add))
                f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


def city_claims_exist() -> bool:
    """Whether the city's claims were written (the demo pays nothing: a payment batch means the city's)."""
    from lijiao.subsidies.models import PaymentBatch

    return PaymentBatch.objects.exists()


def _templates() -> dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """Per kind (training, assessment): the facts and lines of one real evaluation (the demo's), and the same
    lines with the last rule failed (for rejected claims)."""
    from lijiao.subsidies.models import ClaimEvaluation

    out: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]] = {}
    fallback = ClaimEvaluation.objects.order_by("pk").first()
    for kind in ("training", "assessment"):
        evaluation = ClaimEvaluation.objects.filter(claim__kind=kind).order_by("pk").first() or fallback
        facts = dict(evaluation.facts) if evaluation else {}
        lines = [dict(line) for line in (evaluation.lines if evaluation else [])] or [
            {
                "rule": "R1",
                "label": "培训合格",
                "inputs": {},
                "passed": True,
                "policy": "",
                "explanation": "通过",
            }
        ]
        failed = [dict(line) for line in lines]
        failed[-1] = {**failed[-1], "passed": False, "explanation": REJECT_REASON}
        out[kind] = (facts, lines, failed)
    return out


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    from django.utils import timezone

    moment = dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59))
    return dt.datetime.combine(day, moment, timezone.get_current_timezone())


def make_claims(rng: random.Random, progress: Any, scale: float = 1.0) -> dict[str, int]:
    """Claims (and their evaluations, 公示, payment batches and lines, clawbacks, findings) for the city's
    certified trainees; returns row counts."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from lijiao.certificates.models import Certificate, SerialCounter
    from lijiao.core.bulk_write import bulk_insert
    from lijiao.subsidies.models import (
        CERTIFICATE_HOLDING_STATUSES,
        Claim,
        ClaimEvaluation,
        Clawback,
        Finding,
        PaymentBatch,
        PaymentLine,
        Publicity,
        Scheme,
        SchemeVersion,
    )
    from lijiao.subsidies.services.schemes import install_default_schemes

    users = get_user_model().objects

    def login(username: str, fallback: int | None = None) -> int:
        pk = users.filter(username=username).values_list("pk", flat=True).first() or fallback
        assert pk is not None, "the demo's logins (admin, reviewer1, reviewer2, finance, provider) are needed"
        return int(pk)

    admin = login("admin", users.order_by("pk").values_list("pk", flat=True).first())
    first, second, finance, filer = (
        login(name, admin) for name in ("reviewer1", "reviewer2", "finance", "provider")
    )
    today = timezone.localdate()
    install_default_schemes(actor=None)  # idempotent: a city kept from before the subsidies app has none
    schemes = dict(Scheme.objects.filter(kind__in=["training", "assessment"]).values_list("kind", "pk"))
    versions: dict[str, tuple[int, str]] = {}
    for kind in schemes:
        version = (
            SchemeVersion.objects.filter(scheme__kind=kind, status="published")
            .order_by("-effective_from", "-number")
            .first()
        )
        assert version is not None, f"no published version of {kind}: the demo installs them"
        versions[kind] = (version.pk, version.content_hash)
    templates = _templates()

    taken = Claim.objects.filter(certificate__isnull=False, status__in=CERTIFICATE_HOLDING_STATUSES)
    source = (
        Certificate.objects.filter(status="valid", enrollment__isnull=False, training_class__isnull=False)
        .exclude(pk__in=taken.values("certificate_id"))
        .order_by("pk")
        .values_list(
            "pk", "certificate_type", "holder_id", "holder_name", "issued_on", "body_id", "enrollment_id",
            "training_class_id", "training_class__provider_id", "training_class__provider__name",
            "training_class__handling_area_id", "training_class__catalog_item_id",
            "training_class__catalog_item__subsidy_standard", "training_class__catalog_item__assessment_subsidy",
        )
    )  # fmt: skip
    total = source.count()
    cap = max(20, round(CLAIMS * scale))
    keep = min(1.0, cap / total) if total else 0.0
    task = progress.add_task("claims", total=total)

    # 1. the claims in memory, oldest first (their numbers, 公示 and batches follow the order of time)
    plans: list[dict[str, Any]] = []
    for row in source.iterator(chunk_size=CHUNK):
        progress.advance(task)
        if rng.random() > keep:
            continue
        (cert, ctype, person, holder, issued, body, enrollment, klass, provider, provider_name, area, item,
         standard, assessment) = row  # fmt: skip
        assessed = ctype == "skill_level" and body is not None and rng.random() < 0.3
        kind = "assessment" if assessed else "training"
        applied = min(today, issued + dt.timedelta(days=rng.randint(3, 40)))
        weights = PIPELINE if (today - applied).days <= RECENT_DAYS else SETTLED
        status = rng.choices(list(weights), list(weights.values()))[0]
        amount = (assessment or 300) if assessed else standard
        plans.append({
            "cert": cert, "kind": kind, "person": person, "holder": holder, "body": body if assessed else None,
            "enrollment": enrollment, "class": klass, "provider": provider, "provider_name": provider_name,
            "area": area, "item": item, "amount": amount, "applied": applied, "status": status,
        })  # fmt: skip
    plans.sort(key=lambda p: (p["applied"], p["cert"]))

    serials: dict[str, int] = dict(SerialCounter.objects.values_list("prefix", "last_serial"))

    def serial(prefix: str) -> int:
        serials[prefix] = serials.get(prefix, 0) + 1
        return serials[prefix]

    for plan in plans:  # the times of each step, as the workflow sets them
        status, applied = plan["status"], plan["applied"]
        created = _at(applied, rng)
        plan["number"] = f"BT{applied.year}{serial(f'subsidies.claim.BT{applied.year}'):06d}"
        plan["created"] = created
        plan["submitted"] = created + dt.timedelta(minutes=rng.randint(5, 600))
        step = 2 if status in PIPELINE and (today - applied).days <= RECENT_DAYS else 9
        at = plan["submitted"]
        plan["first"] = plan["second"] = plan["approved"] = plan["paid"] = None
        if status != "submitted":
            at = plan["first"] = min(timezone.now(), at + dt.timedelta(days=rng.randint(1, step)))
        if status in LISTED:
            at = plan["second"] = min(timezone.now(), at + dt.timedelta(days=rng.randint(1, step)))
        if status in LISTED - {"publicity"}:
            at = plan["approved"] = min(timezone.now(), at + dt.timedelta(days=rng.randint(7, 7 + step)))
        if status in PAID:
            at = plan["paid"] = min(timezone.now(), at + dt.timedelta(days=rng.randint(3, 3 + step)))
        plan["updated"] = at

    # 2. 公示 batches of PUBLICITY_SIZE claims in the order of their second review; those on notice now, in
    # batches running today
    counts = {"claims": len(plans)}
    publicity_rows: list[list[Any]] = []
    publicity_ids: list[int] = []

    def notices(group: list[dict[str, Any]], running: bool) -> None:
        for start in range(0, len(group), PUBLICITY_SIZE):
            part = group[start : start + PUBLICITY_SIZE]
            begin = (
                today - dt.timedelta(days=2) if running else max(p["second"] for p in part).date()
            ) + dt.timedelta(days=0 if running else 1)
            number = f"GS{begin.year}{serial(f'subsidies-publicity-{begin:%Y}'):06d}"
            publicity_rows.append([
                number, f"{begin.year}年职业技能提升补贴拟发放名单公示（第{len(publicity_rows) + 1}批）", None,
                begin, begin + dt.timedelta(days=7), 5, "电话 0411-12333，或到各区人社局窗口书面提出",
                admin, _at(begin, rng) - dt.timedelta(hours=12),
                None if running else _at(begin + dt.timedelta(days=8), rng),
            ])  # fmt: skip
            publicity_ids.append(len(publicity_rows) - 1)
            for p in part:
                p["publicity"] = len(publicity_rows) - 1

    listed = sorted((p for p in plans if p["status"] in LISTED - {"publicity"}), key=lambda p: p["second"])
    notices(listed, running=False)
    notices([p for p in plans if p["status"] == "publicity"], running=True)
    with stamps_as_given(Publicity):
        ids = bulk_insert(
            Publicity,
            ["number", "title", "handling_area_id", "starts_on", "ends_on", "working_days", "objection_contact",
             "created_by_id", "created_at", "closed_at"],
            publicity_rows,
            return_ids=True,
        )  # fmt: skip
    counts["publicity batches"] = len(ids)

    # 3. the claims
    claim_fields = [
        "number", "scheme_id", "kind", "part", "status", "person_id", "applicant", "applicant_name", "provider_id",
        "evaluating_body_id", "enrollment_id", "training_class_id", "certificate_id", "catalog_item_id",
        "handling_area_id", "application_date", "facts", "scheme_version_id", "amount", "decision_passed",
        "status_reason", "publicity_id", "submitted_at", "first_reviewed_at", "first_reviewed_by_id",
        "second_reviewed_at", "second_reviewed_by_id", "approved_at", "paid_at", "created_by_id", "created_at",
        "updated_at",
    ]  # fmt: skip
    task = progress.add_task("claims written", total=len(plans))
    for start in range(0, len(plans), CHUNK):
        part = plans[start : start + CHUNK]
        rows = []
        for p in part:
            status = p["status"]
            reason = RETURN_REASON if status == "returned" else REJECT_REASON if status == "rejected" else ""
            applicant = ("evaluator", "评价机构代为申请") if p["kind"] == "assessment" else ("provider", "")
            rows.append([
                p["number"], schemes[p["kind"]], p["kind"], "full", status, p["person"], applicant[0],
                p["provider_name"] if applicant[0] == "provider" else applicant[1], p["provider"], p["body"],
                p["enrollment"], p["class"], p["cert"], p["item"], p["area"], p["applied"], {},
                versions[p["kind"]][0], p["amount"], status != "rejected", reason,
                ids[p["publicity"]] if "publicity" in p else None, p["submitted"], p["first"],
                first if p["first"] else None, p["second"], second if p["second"] else None, p["approved"],
                p["paid"], filer, p["created"], p["updated"],
            ])  # fmt: skip
        with stamps_as_given(Claim):
            for p, pk in zip(part, bulk_insert(Claim, claim_fields, rows, return_ids=True), strict=True):
                p["id"] = pk
        progress.advance(task, len(part))

    # 4. the current evaluation of each claim
    version_fields = ["claim_id", "scheme_version_id", "version_hash", "facts", "lines", "passed", "amount"]
    version_fields += ["current", "reason", "evaluated_at", "evaluated_by_id"]
    for start in range(0, len(plans), CHUNK):
        rows = []
        for p in plans[start : start + CHUNK]:
            facts, lines, failed = templates[p["kind"]]
            passed = p["status"] != "rejected"
            rows.append([
                p["id"], *versions[p["kind"]], facts, lines if passed else failed, passed,
                p["amount"] if passed else 0, True, "提交时按规则评估", p["submitted"], None,
            ])  # fmt: skip
        with stamps_as_given(ClaimEvaluation):
            bulk_insert(ClaimEvaluation, version_fields, rows)
    counts["evaluations"] = len(plans)

    # 5. payment batches of BATCH_LINES paid claims, in the order of payment; clawbacks
    paid = sorted((p for p in plans if p["status"] in PAID), key=lambda p: p["paid"])
    batch_rows, groups = [], []
    for start in range(0, len(paid), BATCH_LINES):
        part = paid[start : start + BATCH_LINES]
        at = max(p["paid"] for p in part)
        number = f"PB{at.year}{serial(f'subsidies-payment-{at:%Y}'):06d}"
        batch_rows.append([
            number, "paid", sum(p["amount"] for p in part), len(part), f"ICBC{at:%Y%m%d}{len(batch_rows):06d}",
            finance, at - dt.timedelta(days=2), at - dt.timedelta(days=1), at, finance,
        ])  # fmt: skip
        groups.append(part)
    with stamps_as_given(PaymentBatch):
        batch_ids = bulk_insert(
            PaymentBatch,
            ["number", "status", "total", "line_count", "bank_reference", "created_by_id", "created_at",
             "exported_at", "paid_at", "paid_by_id"],
            batch_rows,
            return_ids=True,
        )  # fmt: skip
    line_rows = [
        [batch, p["id"], p["amount"], p["holder"][:50], "中国工商银行大连分行", f"62220234{p['person']:011d}"]
        for batch, part in zip(batch_ids, groups, strict=True)
        for p in part
    ]
    for start in range(0, len(line_rows), CHUNK):
        bulk_insert(
            PaymentLine,
            ["batch_id", "claim_id", "amount", "payee_name", "bank_name", "account_number"],
            line_rows[start : start + CHUNK],
        )
    counts["payment batches"], counts["payment lines"] = len(batch_ids), len(line_rows)
    clawed = [p for p in plans if p["status"] == "clawed_back"]
    with stamps_as_given(Clawback):
        bulk_insert(
            Clawback,
            ["claim_id", "reason", "amount", "recovered_amount", "recovery_status", "created_by_id", "created_at",
             "updated_at"],
            [[p["id"], "核查发现培训签到记录不实，追回已发放补贴", p["amount"], 0, "pending", finance, p["updated"],
              p["updated"]] for p in clawed],
        )  # fmt: skip
    counts["clawbacks"] = len(clawed)

    # 6. findings on ~1 % of the live claims (most settled, the open ones on this year's)
    live = [p for p in plans if p["status"] not in {"rejected", "returned"}]
    sample = rng.sample(live, min(len(live), max(20, round(len(live) * FINDING_RATE))))
    finding_rows = []
    for p in sample:
        code = rng.choice(CHECKS)
        recent = p["updated"] > timezone.now() - dt.timedelta(days=RECENT_DAYS)
        status = rng.choices(["open", "confirmed", "dismissed"], [80, 5, 15] if recent else [5, 25, 70])[0]
        found = p["submitted"] + dt.timedelta(days=1)
        finding_rows.append([
            code, hashlib.sha256(f"city:{code}:{p['id']}".encode()).hexdigest(), rng.choice([1, 2, 2, 3]),
            f"申请 {p['number']}：{code} 核查发现异常", {"claim": p["number"], "check": code}, p["id"],
            p["person"], p["provider"], p["class"], p["area"], status,
            "" if status == "open" else "经核查，情况属实" if status == "confirmed" else "经核查，属正常情形",
            None if status == "open" else first, None if status == "open" else found + dt.timedelta(days=5),
            found, found,
        ])  # fmt: skip
    with stamps_as_given(Finding):
        bulk_insert(
            Finding,
            ["check_code", "fingerprint", "severity", "summary", "evidence", "claim_id", "person_id", "provider_id",
             "training_class_id", "handling_area_id", "status", "resolution", "resolved_by_id", "resolved_at",
             "found_at", "last_seen_at"],
            finding_rows,
        )  # fmt: skip
    counts["findings"] = len(finding_rows)

    for prefix, last in serials.items():  # the services draw after the city's numbers
        SerialCounter.objects.update_or_create(prefix=prefix, defaults={"last_serial": last})
    with connection.cursor() as cursor:  # planner statistics for the new rows (a reused city is timed next)
        for model in (Claim, ClaimEvaluation, Publicity, PaymentBatch, PaymentLine, Clawback, Finding):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return counts


def _screen_class() -> type[Screen]:
    """``city_scale.Screen``: of the running script when it is ``__main__``, else of the loaded module."""
    for name in ("__main__", "city_scale"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "Screen") and hasattr(module, "time_screen"):
            return module.Screen  # type: ignore[no-any-return]
    from city_scale import Screen

    return Screen


def subsidy_screens() -> list[Screen]:
    """The subsidies screens and APIs (issue 12) as the roles that use them."""
    from django.contrib.auth import get_user_model

    from lijiao.core.pagination import MAX_DEPTH
    from lijiao.subsidies.models import Claim, Finding, PaymentBatch, Publicity
    from lijiao.subsidies.selectors.publicity import public_publicities

    Screen = _screen_class()
    users = get_user_model().objects
    provider_id = users.get(username="provider").provider_id
    area_id = users.get(username="reviewer1").handling_area_id
    any_claim = Claim.objects.order_by("-pk").first()
    if any_claim is None:
        return []
    own = Claim.objects.filter(provider_id=provider_id).order_by("-pk").first() or any_claim
    in_area = Claim.objects.filter(handling_area_id=area_id).order_by("-pk").first() or any_claim
    deep = min(MAX_DEPTH, Claim.objects.count() // 50 * 50)
    deep_area = min(MAX_DEPTH, Claim.objects.filter(handling_area_id=area_id).count() // 50 * 50)
    out = [
        Screen("claim list screen", "admin", "/subsidies/claims/"),
        Screen("claim list screen, first reviewer", "reviewer1", "/subsidies/claims/"),
        Screen("claim list screen, provider", "provider", "/subsidies/claims/"),
        Screen("claim list screen, submitted", "admin", "/subsidies/claims/?status=submitted"),
        Screen("claim list screen, paid", "admin", "/subsidies/claims/?status=paid"),
        Screen("claim list screen, name", "admin", "/subsidies/claims/?q=%E7%8E%8B%E4%BC%9F"),
        Screen("claim list screen, number", "admin", f"/subsidies/claims/?q={any_claim.number[:8]}"),
        Screen("claim list screen, deep page", "admin", f"/subsidies/claims/?page={max(1, deep // 50)}"),
        Screen(
            "claim list screen, deep page, first reviewer",
            "reviewer1",
            f"/subsidies/claims/?page={max(1, deep_area // 50)}",
        ),
        Screen("claim list API", "admin", "/api/v1/subsidies/claims"),
        Screen("claim list API, first reviewer", "reviewer1", "/api/v1/subsidies/claims"),
        Screen("claim list API, provider", "provider", "/api/v1/subsidies/claims"),
        Screen("claim list API, status", "admin", "/api/v1/subsidies/claims?status=approved"),
        Screen("claim list API, name", "admin", "/api/v1/subsidies/claims?q=%E7%8E%8B%E4%BC%9F"),
        Screen("claim list API, deep offset", "admin", f"/api/v1/subsidies/claims?offset={deep}"),
        Screen(
            "claim list API, deep offset, first reviewer",
            "reviewer1",
            f"/api/v1/subsidies/claims?offset={deep_area}",
        ),
        Screen("claim detail screen", "admin", f"/subsidies/claims/{any_claim.pk}/"),
        Screen("claim detail screen, reviewer", "reviewer1", f"/subsidies/claims/{in_area.pk}/"),
        Screen("claim detail API", "provider", f"/api/v1/subsidies/claims/{own.pk}"),
        Screen("first review queue screen", "reviewer1", "/subsidies/review/first/"),
        Screen("first review queue API", "reviewer1", "/api/v1/subsidies/claims/queues/first"),
        Screen("second review queue screen", "reviewer2", "/subsidies/review/second/"),
        Screen("second review queue API", "reviewer2", "/api/v1/subsidies/claims/queues/second"),
        Screen("findings list screen", "auditor", "/subsidies/findings/"),
        Screen("findings list screen, open", "auditor", "/subsidies/findings/?status=open"),
        Screen("findings list API", "auditor", "/api/v1/subsidies/findings"),
        Screen("payment batch list screen", "finance", "/subsidies/payment/batches/"),
        Screen("payment batch list API", "finance", "/api/v1/subsidies/payment/batches"),
        Screen("public 公示 list", "", "/subsidies/publicity/"),
        Screen("public 公示 list API", "", "/api/v1/subsidies/publicity"),
        Screen("worker's subsidies screen", "worker", "/subsidies/mine/"),
        Screen("worker's subsidies API", "worker", "/api/v1/subsidies/mine"),
    ]
    finding = Finding.objects.order_by("status", "severity", "-found_at", "-id").first()
    if finding is not None:
        out.append(Screen("finding detail screen", "auditor", f"/subsidies/findings/{finding.pk}/"))
    batch = PaymentBatch.objects.order_by("-created_at", "-id").first()
    if batch is not None:
        out += [
            Screen("payment batch detail screen", "finance", f"/subsidies/payment/batches/{batch.pk}/"),
            Screen("payment batch detail API", "finance", f"/api/v1/subsidies/payment/batches/{batch.pk}"),
        ]
    notice = public_publicities().first() or Publicity.objects.order_by("-starts_on").first()
    if notice is not None:
        out += [
            Screen("public 公示 detail", "", f"/subsidies/publicity/{notice.number}/"),
            Screen("public 公示 detail API", "", f"/api/v1/subsidies/publicity/{notice.number}"),
        ]
    return out
