"""Checks on providers: blacklisted on the class dates."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lijiao.providers.models import BlacklistEntry
from lijiao.subsidies.audit_checks.attendance import _class_ref
from lijiao.subsidies.audit_checks.base import EVIDENCE_LIST_MAX, LIVE_EXCLUDED, Context, Draft, _d
from lijiao.subsidies.models import (
    Claim,
)

# --- providers: blacklisted on the class dates -----------------------------------------------------------------


def check_provider_blacklisted(ctx: Context) -> list[Draft]:
    listed = BlacklistEntry.objects.filter(
        provider_id=OuterRef("provider_id"), starts_on__lte=OuterRef("end_date")
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=OuterRef("start_date")))
    listed = listed.filter(Q(lifted_at__isnull=True) | Q(lifted_at__date__gte=OuterRef("start_date")))
    claimed = Claim.objects.exclude(status__in=LIVE_EXCLUDED).filter(training_class_id=OuterRef("pk"))
    if ctx.claims is not None:
        claimed = claimed.filter(pk__in=ctx.claims.values("pk"))
    classes = list(
        ctx.classes()
        .filter(Exists(listed), Exists(claimed))
        .values(
            "id",
            "code",
            "name",
            "provider_id",
            "provider__name",
            "handling_area_id",
            "start_date",
            "end_date",
        )
    )
    if not classes:
        return []
    entries: dict[int, list[Any]] = defaultdict(list)
    for entry in BlacklistEntry.objects.filter(provider_id__in={c["provider_id"] for c in classes}).values(
        "provider_id", "reason", "starts_on", "ends_on", "lifted_at"
    ):
        entries[entry["provider_id"]].append(entry)
    claim_numbers: dict[int, list[str]] = defaultdict(list)
    for class_id, number in (
        Claim.objects.exclude(status__in=LIVE_EXCLUDED)
        .filter(training_class_id__in=[c["id"] for c in classes])
        .values_list("training_class_id", "number")
        .order_by("id")
    ):
        claim_numbers[class_id].append(number)
    drafts = []
    for row in classes:
        periods = [
            {
                "reason": e["reason"],
                "starts_on": _d(e["starts_on"]),
                "ends_on": _d(e["ends_on"]),
                "lifted_at": timezone.localtime(e["lifted_at"]).date().isoformat()
                if e["lifted_at"]
                else None,
            }
            for e in entries[row["provider_id"]]
            if e["starts_on"] <= row["end_date"]
            and (e["ends_on"] is None or e["ends_on"] >= row["start_date"])
        ]
        drafts.append(
            Draft(
                check_code="provider_blacklisted",
                key=f"class:{row['id']}",
                severity=1,
                summary=_("%(provider)s在%(code)s开班期间处于黑名单中")
                % {"provider": row["provider__name"], "code": row["code"]},
                evidence={
                    "class": _class_ref(row),
                    "blacklist": periods,
                    "claims": claim_numbers[row["id"]][:EVIDENCE_LIST_MAX],
                    "claim_count": len(claim_numbers[row["id"]]),
                },
                provider_id=row["provider_id"],
                training_class_id=row["id"],
                handling_area_id=row["handling_area_id"],
            )
        )
    return drafts
