"""External register screens (issue 12 item 9): the snapshots imported so far and the import of a clerk's file
(kind, data date, source), all or nothing, with the rows at fault when it fails."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from lijiao.core.errors import DomainError
from lijiao.subsidies import importers_registers
from lijiao.subsidies.models import RegisterKind
from lijiao.subsidies.selectors import findings as selectors
from lijiao.subsidies.views.findings import PAGE_SIZE, fraud_view


@fraud_view(selectors.VIEW_SNAPSHOT)
@require_http_methods(["GET", "POST"])
def register_list(request: HttpRequest) -> HttpResponse:
    can_import = request.user.has_perm("subsidies.import_registersnapshot")
    errors: list[object] = []
    problem = ""
    if request.method == "POST":
        if not can_import:
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied()
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", "")
        try:
            as_of = dt.date.fromisoformat(request.POST.get("as_of", ""))
        except ValueError:
            as_of = None
        if upload is None:
            problem = _("请选择要导入的文件")
        elif kind not in RegisterKind.values:
            problem = _("请选择名册类型")
        elif as_of is None:
            problem = _("请填写数据日期，如 2026-03-31")
        else:
            try:
                done = importers_registers.import_register(
                    actor=request.user,
                    kind=kind,
                    file_name=upload.name or "register.xlsx",
                    data=upload.read(),
                    as_of=as_of,
                    source=request.POST.get("source", ""),
                )
            except DomainError as exc:
                problem = "；".join(e.message for e in exc.errors or ()) or exc.message
            else:
                if done.result.ok:
                    messages.success(
                        request, _("已导入 %(count)d 条名册记录。") % {"count": done.result.imported_rows}
                    )
                    return redirect("subsidies:register_list")
                errors = list(done.result.errors[:100])
                problem = _("文件中有 %(count)d 处错误，未导入任何记录，请修改后重新导入。") % {
                    "count": len(done.result.errors)
                }
    page = Paginator(selectors.snapshots(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/registers/list.html",
        {
            "page": page,
            "snapshots": page.object_list,
            "querystring": "",
            "can_import": can_import,
            "kinds": RegisterKind.choices,
            "columns": {
                kind: [s.label for s in specs] for kind, specs in importers_registers.COLUMNS.items()
            },
            "today": timezone.localdate().isoformat(),
            "problem": problem,
            "errors": errors,
            "status": 400 if problem else 200,
        },
        status=400 if problem else 200,
    )


urlpatterns = [path("registers/", register_list, name="register_list")]
