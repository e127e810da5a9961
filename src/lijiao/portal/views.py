"""Public portal pages."""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lijiao.catalog.models import CatalogItem
from lijiao.catalog.selectors import current_edition


def home(request: HttpRequest) -> HttpResponse:
    edition = current_edition()
    counts = None
    if edition is not None:
        counts = CatalogItem.objects.filter(edition=edition).aggregate(
            items=Count("id"),
            categories=Count("category", distinct=True),
            shortage=Count("id", filter=~Q(shortage_tier="")),
        )
    return render(request, "portal/home.html", {"edition": edition, "counts": counts})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
