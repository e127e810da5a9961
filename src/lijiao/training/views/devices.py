"""A provider's attendance devices (ADR 0010): register one (its credential is shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from lijiao.core.errors import DomainError
from lijiao.core.forms import apply_domain_error
from lijiao.training.models import AttendanceDevice, CheckIn
from lijiao.training.services import devices


class DeviceForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("设备名称"), max_length=100)
    methods = forms.MultipleChoiceField(
        label=gettext_lazy("签到方式"),
        choices=[(m, CheckIn.Method(m).label) for m in ("face", "card", "qr", "online")],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一种签到方式")},
    )


def _own(request: HttpRequest) -> int:
    provider_id = getattr(request.user, "provider_id", None)
    if not provider_id:
        raise Http404(_("只有培训机构的工作人员可以管理考勤设备"))
    return int(provider_id)


@login_required
@permission_required("training.view_attendancedevice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def device_list(request: HttpRequest) -> HttpResponse:
    provider_id = _own(request)
    form = DeviceForm(request.POST or None)
    credential = None
    if request.method == "POST" and form.is_valid():
        try:
            device, credential = devices.register_device(
                actor=request.user, name=form.cleaned_data["name"], methods=form.cleaned_data["methods"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("已登记考勤设备“%(name)s”。") % {"name": device.name})
            form = DeviceForm()
    items = AttendanceDevice.objects.filter(provider_id=provider_id).order_by("revoked_at", "name", "id")
    context = {"form": form, "devices": items, "credential": credential}
    return render(request, "training/devices/list.html", context)


@login_required
@permission_required("training.change_attendancedevice", raise_exception=True)
@require_POST
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    device = AttendanceDevice.objects.filter(pk=pk, provider_id=_own(request)).first()
    if device is None:
        raise Http404(_("考勤设备不存在"))
    devices.revoke_device(actor=request.user, device=device)
    messages.success(request, _("考勤设备“%(name)s”的凭据已吊销。") % {"name": device.name})
    return redirect("training:devices")


urlpatterns: list[URLPattern] = [
    path("devices/", device_list, name="devices"),
    path("devices/<int:pk>/revoke/", device_revoke, name="device_revoke"),
]
