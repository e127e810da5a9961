"""Public portal pages."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lijiao.catalog.selectors import current_edition


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"edition": current_edition()})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
