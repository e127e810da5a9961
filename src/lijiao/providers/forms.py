"""Forms of the provider screens. They only parse input; the services decide what is valid and who may do it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from lijiao.catalog.forms import clean_occupation_code, clean_special_item_code
from lijiao.catalog.models import Level, Occupation, SpecialItem
from lijiao.core.forms import DATE_WIDGET
from lijiao.core.models import HandlingArea, Region
from lijiao.providers.models import CreditEvent, Provider
from lijiao.providers.services import CONTACT_FIELDS


class ProviderForm(forms.Form):
    """A provider's registration. ``register=True`` adds the credit code; provider staff edit the contact only."""

    credit_code = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=40,
        help_text=gettext_lazy("18位；系统核对校验位，小写字母、空格和横线会自动规范"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "class": "mono"}),
    )
    name = forms.CharField(label=gettext_lazy("机构名称"), max_length=100)
    type = forms.ChoiceField(label=gettext_lazy("机构类型"), choices=[("", "请选择"), *Provider.Type.choices])
    handling_area = forms.ModelChoiceField(
        label=gettext_lazy("经办区域"),
        queryset=HandlingArea.objects.filter(active=True),
        empty_label=gettext_lazy("请选择"),
    )
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    legal_representative = forms.CharField(label=gettext_lazy("法定代表人"), max_length=50, required=False)
    contact_name = forms.CharField(label=gettext_lazy("联系人"), max_length=50, required=False)
    contact_phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("11位手机号或带区号的固定电话"),
    )
    licence_number = forms.CharField(label=gettext_lazy("办学许可证号"), max_length=50, required=False)
    licence_expires_on = forms.DateField(
        label=gettext_lazy("许可证有效期至"), required=False, widget=DATE_WIDGET
    )

    def __init__(
        self,
        *args: Any,
        register: bool = False,
        areas: Any = None,
        contact_only: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not register:
            del self.fields["credit_code"]
        if areas is not None:
            self.fields["handling_area"].queryset = areas  # type: ignore[attr-defined]
            if register and not self.is_bound and len(choices := list(areas[:2])) == 1:
                self.initial.setdefault("handling_area", choices[0].pk)
        if contact_only:
            for name, field in self.fields.items():
                if name not in CONTACT_FIELDS:
                    field.disabled = True
                    field.required = False

    @staticmethod
    def initial_for(provider: Provider) -> dict[str, Any]:
        return {
            "name": provider.name,
            "type": provider.type,
            "handling_area": provider.handling_area_id,
            "address": provider.address,
            "legal_representative": provider.legal_representative,
            "contact_name": provider.contact_name,
            "contact_phone": provider.contact_phone,
            "licence_number": provider.licence_number,
            "licence_expires_on": provider.licence_expires_on,
        }

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "type": data.get("type") or "",
            "handling_area": data.get("handling_area"),
            "address": data.get("address") or "",
            "legal_representative": data.get("legal_representative") or "",
            "contact_name": data.get("contact_name") or "",
            "contact_phone": data.get("contact_phone") or "",
            "licence_number": data.get("licence_number") or "",
            "licence_expires_on": data.get("licence_expires_on"),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, required: bool = True, label: str = "原因", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        self.fields["reason"].label = label


class ScopeEntryForm(forms.Form):
    """One subject of the training scope: an occupation up to a level, or a special / business-start item."""

    occupation = forms.CharField(
        label=gettext_lazy("职业（编码）"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("输入职业编码或从列表选择，如 6-31-01-03"),
        widget=forms.TextInput(attrs={"list": "scope-occupation-options", "autocomplete": "off"}),
    )
    highest_level = forms.TypedChoiceField(
        label=gettext_lazy("最高等级"),
        choices=[("", "—"), *sorted(Level.choices)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=gettext_lazy("该等级及以下均可培训（一级最高）"),
    )
    special_item = forms.CharField(
        label=gettext_lazy("或：专项/创业项目（编码）"),
        required=False,
        max_length=130,
        widget=forms.TextInput(attrs={"list": "scope-special-options", "autocomplete": "off"}),
    )

    def clean_occupation(self) -> Occupation | None:
        return clean_occupation_code(self.cleaned_data.get("occupation", ""))

    def clean_special_item(self) -> SpecialItem | None:
        return clean_special_item_code(self.cleaned_data.get("special_item", ""))


class TeacherForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    citizen_id = forms.CharField(
        label=gettext_lazy("身份证号"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(label=gettext_lazy("手机号"), max_length=30, required=False)
    occupation = forms.CharField(
        label=gettext_lazy("专业职业（编码）"),
        required=False,
        max_length=120,
        widget=forms.TextInput(attrs={"list": "scope-occupation-options", "autocomplete": "off"}),
    )
    certificates = forms.CharField(
        label=gettext_lazy("资格证书"),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("证书名称、编号、等级，一行一个"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    is_practical = forms.BooleanField(label=gettext_lazy("实操教师"), required=False)
    active = forms.BooleanField(label=gettext_lazy("在职"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            self.fields["citizen_id"].help_text = "不修改请留空（已登记的号码不显示）"
            self.fields["phone"].help_text = "不修改请留空"
        else:
            del self.fields["active"]

    def clean_occupation(self) -> Occupation | None:
        return clean_occupation_code(self.cleaned_data.get("occupation", ""))

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "name": data["name"],
            "occupation": data.get("occupation"),
            "certificates": data.get("certificates") or "",
            "is_practical": bool(data.get("is_practical")),
        }
        citizen_id, phone = data.get("citizen_id") or "", data.get("phone") or ""
        if self.editing:
            kwargs["citizen_id"] = citizen_id or None
            kwargs["phone"] = phone or None
            kwargs["active"] = bool(data.get("active"))
        else:
            kwargs["citizen_id"], kwargs["phone"] = citizen_id, phone
        return kwargs


class VenueForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("场地名称"), max_length=100)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200)
    region = forms.ModelChoiceField(
        label=gettext_lazy("所在区划"),
        queryset=Region.objects.filter(level=Region.Level.COUNTY),
        required=False,
        empty_label=gettext_lazy("（不填）"),
    )
    capacity = forms.IntegerField(label=gettext_lazy("容纳人数"), min_value=1, max_value=10000)
    is_practical = forms.BooleanField(label=gettext_lazy("实训场地"), required=False)
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["active"]


class BlacklistForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=DATE_WIDGET)
    ends_on = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=DATE_WIDGET,
        help_text=gettext_lazy("不填表示长期"),
    )


class CreditEventForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=CreditEvent.Kind.choices)
    occurred_on = forms.DateField(label=gettext_lazy("日期"), widget=DATE_WIDGET)
    description = forms.CharField(
        label=gettext_lazy("说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    points = forms.IntegerField(
        label=gettext_lazy("信用分变动"),
        initial=0,
        min_value=-100,
        max_value=100,
        help_text=gettext_lazy("投诉、处罚填负数，表彰填正数"),
    )
