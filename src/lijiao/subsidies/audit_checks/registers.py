"""The register matches: the claim's person where they must not be (pension, students, payroll, …)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from lijiao.people.models import Person
from lijiao.subsidies.audit_checks.base import Context, Draft, _chunks, _claim_ref, _d, _in_size
from lijiao.subsidies.audit_checks.claim_rules import _param
from lijiao.subsidies.models import (
    ContributionMonth,
    RegisterEntry,
    RegisterKind,
    RegisterSnapshot,
    SchemeKind,
    SchemeVersion,
)

# --- registers -------------------------------------------------------------------------------------------------


def latest_snapshots() -> dict[str, RegisterSnapshot]:
    """The newest snapshot of each register kind (one query)."""
    latest: dict[str, RegisterSnapshot] = {}
    for snapshot in RegisterSnapshot.objects.order_by("kind", "-as_of", "-id"):
        latest.setdefault(snapshot.kind, snapshot)
    return latest


_REGISTER_SEVERITY = 1


def _period_claims(ctx: Context) -> Any:  # QuerySet[Claim] with the period annotated
    start = Coalesce(
        "training_class__start_date",
        "enrollment__training_class__start_date",
        "certificate__issued_on",
        "application_date",
    )
    end = Coalesce(
        "training_class__end_date",
        "enrollment__training_class__end_date",
        "certificate__issued_on",
        "application_date",
    )
    return ctx.live_claims().annotate(p_start=start, p_end=end).filter(p_start__isnull=False)


def _students_allowed() -> set[str]:
    """Scheme kinds whose version lets full-time students claim (graduate conversion; a parameter elsewhere)."""
    allowed = {SchemeKind.GRADUATE_CONVERSION.value}
    for kind, params in SchemeVersion.objects.filter(status=SchemeVersion.Status.PUBLISHED).values_list(
        "scheme__kind", "parameters"
    ):
        if _param(params or {}, "students_eligible", "students_allowed") is True:
            allowed.add(kind)
    return allowed


def _entry_overlaps(entry: Any, start: dt.date, end: dt.date) -> bool:
    return entry["starts_on"] <= end and (entry["ends_on"] is None or entry["ends_on"] >= start)


def check_registers(ctx: Context, snapshots: dict[str, RegisterSnapshot] | None = None) -> list[Draft]:
    """Claims whose person is on the latest snapshot of a register where they must not be, during the class.

    Driven from the registers: the people on the latest snapshots (digest index) → their claims (person index)
    in one query, their register rows in one, their contribution months in one; the date rules of each kind
    are then applied to these few candidates (:func:`_register_draft`).
    """
    snapshots = latest_snapshots() if snapshots is None else snapshots
    matched = {
        kind: snapshots[kind]
        for kind in (
            RegisterKind.PENSION,
            RegisterKind.STUDENT,
            RegisterKind.PAYROLL,
            RegisterKind.UNEMPLOYMENT,
        )
        if kind in snapshots
    }
    if not matched:
        return []
    snapshot_ids = [s.pk for s in matched.values()]
    # the people on the registers (digest index), then their claims (person index): two short queries
    on_registers = Person.objects.filter(
        citizen_id_digest__in=RegisterEntry.objects.filter(snapshot_id__in=snapshot_ids).values(
            "citizen_id_digest"
        )
    )
    if ctx.claims is not None:  # one claim (the pre-payment check): its person only
        on_registers = on_registers.filter(pk__in=ctx.claims.values("person_id"))
    listed = list(on_registers.values_list("pk", flat=True))
    rows: list[Any] = []
    for people in _chunks(listed, _in_size()):
        rows += (
            _period_claims(ctx)
            .filter(person_id__in=people)
            .order_by()
            .values(
                "id",
                "number",
                "kind",
                "status",
                "person_id",
                "handling_area_id",
                "application_date",
                "amount",
                "p_start",
                "p_end",
                "person__citizen_id_digest",
                "training_class_id",
                "training_class__code",
            )
        )
    if not rows:
        return []
    digests = sorted({r["person__citizen_id_digest"] for r in rows})
    by_snapshot = {s.pk: kind for kind, s in matched.items()}
    found: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for chunk in _chunks(digests):
        for entry in RegisterEntry.objects.filter(
            snapshot_id__in=snapshot_ids, citizen_id_digest__in=chunk
        ).values("snapshot_id", "citizen_id_digest", "name", "starts_on", "ends_on", "detail"):
            found[(by_snapshot[entry["snapshot_id"]], entry["citizen_id_digest"])].append(entry)
    months: dict[str, list[Any]] = defaultdict(list)
    unemployed = sorted({d for kind, d in found if kind == RegisterKind.UNEMPLOYMENT})
    if unemployed:
        low = min(r["p_start"] for r in rows).replace(day=1)
        high = max(r["p_end"] for r in rows)
        for chunk in _chunks(unemployed):
            for month in (
                ContributionMonth.objects.filter(citizen_id_digest__in=chunk, month__gte=low, month__lte=high)
                .exclude(employer_name="")
                .values("citizen_id_digest", "month", "employer_name", "employer_kind")
                .order_by("month")
            ):
                months[month["citizen_id_digest"]].append(month)
    students_allowed = _students_allowed() if any(k == RegisterKind.STUDENT for k, _d in found) else set()
    drafts: list[Draft] = []
    for row in rows:
        digest = row["person__citizen_id_digest"]
        for kind, snapshot in matched.items():
            entries = found.get((kind, digest))
            if not entries or (kind == RegisterKind.STUDENT and row["kind"] in students_allowed):
                continue
            draft = _register_draft(kind, snapshot, row, entries, months)
            if draft is not None:
                drafts.append(draft)
    return drafts


def _register_draft(
    kind: str,
    snapshot: RegisterSnapshot,
    row: Any,
    entries: list[Any],
    months: dict[str, list[Any]],
) -> Draft | None:
    start, end = row["p_start"], row["p_end"]
    if kind == RegisterKind.PENSION:
        matching = [e for e in entries if e["starts_on"] <= end]
    else:
        matching = [e for e in entries if _entry_overlaps(e, start, end)]
    if kind == RegisterKind.STUDENT:  # a part-time student (非全日制) may train
        matching = [e for e in matching if "非全日制" not in e["detail"].get("study_mode", "")]
    employed: list[Any] = []
    if kind == RegisterKind.UNEMPLOYMENT:
        for entry in matching:
            reg_start = entry["starts_on"].replace(day=1)
            employed += [
                m
                for m in months[row["person__citizen_id_digest"]]
                if start.replace(day=1) <= m["month"] <= end
                and m["month"] >= reg_start
                and (entry["ends_on"] is None or m["month"] <= entry["ends_on"])
            ]
        if not employed:
            return None
    if not matching:
        return None
    entry = matching[0]
    label = str(RegisterKind(kind).label)
    summaries = {
        RegisterKind.PENSION: _("%(date)s起领取养老金，早于培训结束（%(end)s）"),
        RegisterKind.STUDENT: _("培训期间为在校学生（%(date)s入学）"),
        RegisterKind.PAYROLL: _("培训期间为财政供养人员（%(date)s起）"),
        RegisterKind.UNEMPLOYMENT: _("培训期间登记失业（%(date)s起），同期有单位缴纳社会保险"),
    }
    summary = _("%(register)s名册（%(as_of)s）：") % {"register": label, "as_of": snapshot.as_of.isoformat()}
    summary += summaries[RegisterKind(kind)] % {
        "date": entry["starts_on"].isoformat(),
        "end": end.isoformat(),
    }
    evidence: dict[str, Any] = {
        "register": {
            "kind": kind,
            "label": label,
            "as_of": snapshot.as_of.isoformat(),
            "source": snapshot.source,
            "file_name": snapshot.file_name,
            "snapshot_id": snapshot.pk,
        },
        "entries": [
            {
                "name": e["name"],
                "starts_on": _d(e["starts_on"]),
                "ends_on": _d(e["ends_on"]),
                "detail": e["detail"],
            }
            for e in matching[:10]
        ],
        "claim": {
            **_claim_ref(row),
            "class_code": row["training_class__code"],
            "period_start": _d(start),
            "period_end": _d(end),
        },
    }
    if employed:
        evidence["contributions"] = [
            {
                "month": m["month"].strftime("%Y-%m"),
                "employer": m["employer_name"],
                "employer_kind": m["employer_kind"],
            }
            for m in employed[:24]
        ]
    return Draft(
        check_code=f"register_{kind}",
        key=f"claim:{row['id']}",
        severity=_REGISTER_SEVERITY,
        summary=summary[:300],
        evidence=evidence,
        claim_id=row["id"],
        person_id=row["person_id"],
        training_class_id=row["training_class_id"],
        handling_area_id=row["handling_area_id"],
        hold=True,
    )


# Findings of these checks hold the claim's payment while open (their drafts say ``hold=True``).
