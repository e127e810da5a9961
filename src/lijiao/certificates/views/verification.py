"""Public certificate verification screens (issue 11 item 5, ADR 0018) and the employers' batch verification.

* ``/certificates/verify/`` — anyone, no login: number + holder name → the masked certificate or the one
  "未查到…" answer (unknown number and wrong name alike); rate-limited per client address (429 page).
* ``/certificates/v/<token>`` — the QR link printed on a certificate: the same masked view, no name needed.
* ``/certificates/verify/batch/`` — employer staff (``certificates.verify_batch``): upload an xlsx of 证书编号 and
  姓名, download the results workbook.
* ``/certificates/bench/<pk>`` — only when ``LIJIAO_BENCH_ENDPOINTS=1`` (benchmarks/verify_load.py): one row by
  primary key through the ORM, the baseline the verification API is compared with. Never routed otherwise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from lijiao.accounts.throttle import client_ip
from lijiao.certificates.models import Certificate
from lijiao.certificates.selectors import verification as selectors
from lijiao.certificates.services import verification as services
from lijiao.core.errors import DomainError
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.importing import CSV_EXTENSIONS, SPREADSHEET_EXTENSIONS


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("证书编号"),
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "id": "v-number",
            }
        ),
    )
    name = forms.CharField(
        label=gettext_lazy("持证人姓名"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "id": "v-name"}),
    )


def _throttled(request: HttpRequest, exc: services.RateLimited, form: VerifyForm | None) -> HttpResponse:
    response = render(
        request,
        "certificates/verify.html",
        {"form": form or VerifyForm(), "throttled": exc.message},
        status=429,
    )
    response["Retry-After"] = str(exc.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The public verification page: a form; after a POST, the answer below it."""
    form = VerifyForm(request.POST or None)
    answer = None
    if request.method == "POST" and form.is_valid():
        try:
            number = selectors.parse_number(form.cleaned_data["number"])
            name = selectors.parse_name(form.cleaned_data["name"])
        except DomainError as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            try:
                services.take_verification(client_ip=client_ip(request))
            except services.RateLimited as exc:
                return _throttled(request, exc, form)
            answer = selectors.verify(number, name)
    return render(request, "certificates/verify.html", {"form": form, "answer": answer})


@never_cache
@require_GET
def verify_link(request: HttpRequest, token: str) -> HttpResponse:
    """The QR link: the certificate whose token this is, masked (404 with the same page for an unknown token)."""
    try:
        services.take_verification(client_ip=client_ip(request))
    except services.RateLimited as exc:
        return _throttled(request, exc, None)
    answer = selectors.verify_token(token)
    return render(
        request,
        "certificates/verify.html",
        {"form": VerifyForm(), "answer": answer, "from_link": True},
        status=200 if answer.matched else 404,
    )


class BatchForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("核验文件"),
        help_text=gettext_lazy("xlsx、xls、ods 或 csv；表头须含“证书编号”“姓名”两列。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv", "id": "batch-file"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if Path(upload.name or "").suffix.lower() not in SPREADSHEET_EXTENSIONS | CSV_EXTENSIONS:
            raise forms.ValidationError(_("请上传 xlsx、xls、ods 或 csv 文件"), code="bad_type")
        if upload.size > services.MAX_BATCH_FILE_BYTES:
            raise forms.ValidationError(
                _("文件不能超过 %(size)s MB") % {"size": services.MAX_BATCH_FILE_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify_batch(request: HttpRequest) -> HttpResponse:
    """Employer staff: upload a list of numbers and names, download the results (one row per input row)."""
    if not request.user.has_perm("certificates.verify_batch"):
        raise DjangoPermissionDenied(_("您没有批量核验证书的权限"))
    form = BatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.verify_batch(
                actor=request.user, file_name=upload.name or "", data=upload.read()
            )
        except DomainPermissionDenied as exc:
            raise DjangoPermissionDenied(exc.message) from None
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            response = HttpResponse(result.content, content_type=services.XLSX)
            response["Content-Disposition"] = content_disposition_header(
                as_attachment=True, filename=_("证书核验结果-%(id)s.xlsx") % {"id": result.batch_id}
            )
            response["Cache-Control"] = "no-store"
            return response
    key = services.quota_key(request.user)
    context = {
        "form": form,
        "max_rows": settings.CERTIFICATE_BATCH_MAX_ROWS,
        "daily": settings.CERTIFICATE_BATCH_DAILY_ROWS,
        "used": services.rows_used_today(key),
    }
    return render(request, "certificates/verify_batch.html", context)


@csrf_exempt
@require_GET
def bench_by_pk(request: HttpRequest, pk: int) -> JsonResponse:  # pragma: no cover  (benchmark only)
    """Benchmark baseline: one certificate row by primary key through the ORM (routed only for benchmarks)."""
    row = Certificate.objects.filter(pk=pk).values("number", "status", "issued_on").first()
    return JsonResponse({"found": row is not None, **({k: str(v) for k, v in row.items()} if row else {})})


urlpatterns: list[URLPattern] = [
    path("verify/", verify, name="verify"),
    path("verify/batch/", verify_batch, name="verify_batch"),
    path("v/<str:token>", verify_link, name="verify_link"),
]
if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/<int:pk>", bench_by_pk, name="bench_by_pk"))
