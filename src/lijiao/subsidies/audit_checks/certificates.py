"""Checks on certificates: dated before the class ended, an evaluating body's issuance spikes."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict

from django.db.models import Count, F
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.translation import gettext as _

from lijiao.certificates.models import Certificate, EvaluatingBody
from lijiao.subsidies.audit_checks.base import (
    SPIKE_FACTOR,
    SPIKE_MIN_CERTIFICATES,
    SPIKE_TRAILING_MONTHS,
    Context,
    Draft,
    _claim_ref,
    _d,
)

# --- certificates: dated before the class ended, issuance spikes ----------------------------------------------


def check_certificate_before_class_end(ctx: Context) -> list[Draft]:
    class_end = Coalesce("training_class__end_date", "certificate__training_class__end_date")
    rows = (
        ctx.live_claims()
        .filter(certificate__isnull=False)
        .annotate(class_end=class_end)
        .filter(certificate__issued_on__lt=F("class_end"))
        .values(
            "id",
            "number",
            "kind",
            "status",
            "person_id",
            "handling_area_id",
            "application_date",
            "amount",
            "class_end",
            "certificate__number",
            "certificate__issued_on",
            "certificate__body_id",
            "training_class_id",
        )
    )
    return [
        Draft(
            check_code="certificate_before_class_end",
            key=f"claim:{row['id']}",
            severity=2,
            summary=_("证书%(number)s发证日期%(issued)s早于培训结业日期%(end)s")
            % {
                "number": row["certificate__number"],
                "issued": row["certificate__issued_on"].isoformat(),
                "end": row["class_end"].isoformat(),
            },
            evidence={
                "claim": _claim_ref(row),
                "certificate_number": row["certificate__number"],
                "issued_on": _d(row["certificate__issued_on"]),
                "class_end": _d(row["class_end"]),
            },
            claim_id=row["id"],
            person_id=row["person_id"],
            training_class_id=row["training_class_id"],
            evaluating_body_id=row["certificate__body_id"],
            handling_area_id=row["handling_area_id"],
            hold=True,
        )
        for row in rows
    ]


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def check_evaluator_spike(ctx: Context) -> list[Draft]:
    certificates = Certificate.objects.filter(body__isnull=False)
    if ctx.year is not None:
        certificates = certificates.filter(
            issued_on__gte=dt.date(ctx.year - 1, 1, 1), issued_on__lte=dt.date(ctx.year, 12, 31)
        )
    volumes: dict[int, dict[int, int]] = defaultdict(dict)
    for body_id, month, n in (
        certificates.annotate(m=TruncMonth("issued_on"))
        .values("body_id", "m")
        .annotate(n=Count("id"))
        .values_list("body_id", "m", "n")
    ):
        volumes[body_id][_month_index(month)] = n
    spikes: list[tuple[int, int, int, float]] = []
    for body_id, months in volumes.items():
        for index, n in months.items():
            if n < SPIKE_MIN_CERTIFICATES or (ctx.year is not None and index // 12 != ctx.year):
                continue
            trailing = [months.get(index - k, 0) for k in range(1, SPIKE_TRAILING_MONTHS + 1)]
            history = [v for v in trailing if v]
            if len(history) < 3:  # too little history to call anything "usual"
                continue
            median = statistics.median(history)
            if median and n > SPIKE_FACTOR * median:
                spikes.append((body_id, index, n, median))
    if not spikes:
        return []
    bodies = {
        row["id"]: row
        for row in EvaluatingBody.objects.filter(pk__in={s[0] for s in spikes}).values(
            "id", "code", "name", "handling_area_id"
        )
    }
    drafts = []
    for body_id, index, n, median in spikes:
        year, month = divmod(index, 12)
        body = bodies[body_id]
        drafts.append(
            Draft(
                check_code="evaluator_spike",
                key=f"body:{body_id}|month:{year}-{month + 1:02d}",
                severity=3,
                summary=_(
                    "%(body)s在%(year)d年%(month)d月发证%(count)d张，是此前%(months)d个月中位数的%(ratio).1f倍"
                )
                % {
                    "body": body["name"],
                    "year": year,
                    "month": month + 1,
                    "count": n,
                    "months": SPIKE_TRAILING_MONTHS,
                    "ratio": n / median,
                },
                evidence={
                    "body": {"code": body["code"], "name": body["name"]},
                    "month": f"{year}-{month + 1:02d}",
                    "count": n,
                    "trailing_median": median,
                    "factor": SPIKE_FACTOR,
                },
                evaluating_body_id=body_id,
                handling_area_id=body["handling_area_id"],
            )
        )
    return drafts
