"""Forms of the evaluating-body registry screens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lijiao.catalog.models import Level, Occupation, SpecialItem, WorkType
from lijiao.certificates.models import EvaluatingBody
from lijiao.certificates.services.bodies import SKILL_LEVELS
from lijiao.core.forms import DATE_WIDGET
from lijiao.core.models import HandlingArea
from lijiao.providers.models import Provider


class BodyForm(forms.Form):
    kind = forms.ChoiceField(label=_("机构类型"), choices=EvaluatingBody.Kind.choices)
    code = forms.CharField(label=_("机构代码"), max_length=10, help_text=_("4位数字，进入证书编号"))
    name = forms.CharField(label=_("机构名称"), max_length=100)
    credit_code = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    province_code = forms.CharField(label=_("省份代码"), max_length=2, initial="21")
    handling_area = forms.ModelChoiceField(
        label=_("经办区域"), queryset=HandlingArea.objects.filter(active=True), empty_label=_("请选择")
    )
    provider = forms.ModelChoiceField(
        label=_("同为培训机构"),
        queryset=Provider.objects.order_by("name"),
        required=False,
        empty_label=_("否"),
        help_text=_("该机构同时开展培训时选择，培评分离：不得评价本机构培训的学员"),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)
    status = forms.ChoiceField(label=_("状态"), choices=EvaluatingBody.Status.choices)
    registered_on = forms.DateField(label=_("备案日期"), required=False, widget=DATE_WIDGET)

    def service_kwargs(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class SiteForm(forms.Form):
    code = forms.CharField(label=_("站点代码"), max_length=10, help_text=_("6位数字"))
    name = forms.CharField(label=_("站点名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    handling_area = forms.ModelChoiceField(
        label=_("经办区域"), queryset=HandlingArea.objects.filter(active=True), empty_label=_("请选择")
    )
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)


def _level_choices() -> list[tuple[int, Any]]:
    return [(int(level), Level(level).label) for level in SKILL_LEVELS]


class AccreditationForm(forms.Form):
    occupation = forms.ModelChoiceField(
        label=_("职业"),
        queryset=Occupation.objects.filter(active=True).order_by("code"),
        required=False,
        to_field_name="code",
        widget=forms.TextInput(
            attrs={"list": "occupation-options", "placeholder": _("职业编码，如 6-31-01-03")}
        ),
    )
    work_type = forms.ModelChoiceField(
        label=_("工种（可选）"),
        queryset=WorkType.objects.filter(active=True),
        required=False,
        to_field_name="code",
        widget=forms.TextInput(attrs={"placeholder": _("工种编码")}),
    )
    special_item = forms.ModelChoiceField(
        label=_("或专项职业能力项目"),
        queryset=SpecialItem.objects.filter(active=True, kind=SpecialItem.Kind.SPECIAL_COMPETENCY),
        required=False,
        to_field_name="code",
        widget=forms.TextInput(attrs={"list": "special-options", "placeholder": _("项目编码")}),
    )
    levels = forms.TypedMultipleChoiceField(
        label=_("可评等级"),
        choices=_level_choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(label=_("有效期起"), required=False, widget=DATE_WIDGET)
    valid_to = forms.DateField(label=_("有效期止"), required=False, widget=DATE_WIDGET)
