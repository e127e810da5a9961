"""Forms of the catalog manage screens. They only parse input; the services decide what is valid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.catalog import selectors
from lijiao.catalog.models import (
    CatalogItem,
    Category,
    Level,
    Occupation,
    ShortageTier,
    SpecialItem,
    WorkType,
)
from lijiao.catalog.services import ItemInput
from lijiao.core.forms import DATE_WIDGET
from lijiao.core.money import InvalidAmount, to_yuan

MAX_IMPORT_BYTES = 20 * 1024 * 1024


class YuanField(forms.Field):
    """A yuan amount typed as text (``1500``, ``1,500.00``, ``￥1500元``), parsed exactly (never a float)."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {
            **super().widget_attrs(widget),
            "inputmode": "decimal",
            "autocomplete": "off",
            "maxlength": "20",
        }

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value).strip() if value is not None else ""
        if not text:
            return None
        try:
            return to_yuan(text)
        except InvalidAmount as exc:
            raise forms.ValidationError(str(exc), code="invalid_amount") from None


class EditionForm(forms.Form):
    """Header of a draft edition (create and update)."""

    name = forms.CharField(label=gettext_lazy("版本名称"), max_length=100)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    effective_from = forms.DateField(label=gettext_lazy("计划生效日期"), required=False, widget=DATE_WIDGET)
    document_number = forms.CharField(label=gettext_lazy("文号"), max_length=100, required=False)
    notes = forms.CharField(
        label=gettext_lazy("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound and "year" not in self.initial:
            self.initial["year"] = timezone.localdate().year + 1


class StartFromForm(forms.Form):
    """A new draft copied from the edition in force."""

    name = forms.CharField(label=gettext_lazy("新版本名称"), max_length=100)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    effective_from = forms.DateField(label=gettext_lazy("计划生效日期"), required=False, widget=DATE_WIDGET)


class PublishForm(forms.Form):
    effective_from = forms.DateField(label=gettext_lazy("生效日期"), widget=DATE_WIDGET)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("目录文件（xlsx）"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".xls", ".ods", ".csv")):
            raise forms.ValidationError(_("请上传 xlsx、xls、ods 或 csv 格式的文件"), code="bad_type")
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("文件不能超过 %(size)s MB") % {"size": MAX_IMPORT_BYTES // (1024 * 1024)}, code="too_large"
            )
        return upload


def subject_code(text: str) -> str:
    """``"6-31-01-03 电工"`` or ``"电工（6-31-01-03）"`` → ``"6-31-01-03"``: the code a datalist entry starts with."""
    text = text.strip()
    if "（" in text and text.endswith("）"):
        return text[text.rindex("（") + 1 : -1].strip()
    return text.split()[0] if text.split() else ""


def clean_occupation_code(text: str) -> Occupation | None:
    """A form field's occupation (typed code or datalist entry): None when empty, a form error when unknown."""
    code = subject_code(text or "")
    if not code:
        return None
    occupation = selectors.occupation_by_code(code)
    if occupation is None:
        raise forms.ValidationError(selectors.unknown_occupation_message(code), code="unknown_occupation")
    return occupation


def clean_special_item_code(text: str) -> SpecialItem | None:
    """A form field's special or business-start item: None when empty, a form error when unknown."""
    code = subject_code(text or "")
    if not code:
        return None
    item = selectors.special_item_by_code(code)
    if item is None:
        raise forms.ValidationError(selectors.unknown_special_item_message(code), code="unknown_item")
    return item


def clean_work_type(occupation: Occupation, text: str) -> WorkType:
    """A 工种 of the occupation typed by code, ``code name`` or name; a form error when it has no such 工种."""
    code = subject_code(text)
    found = WorkType.objects.filter(occupation=occupation, code=code).first() or (
        WorkType.objects.filter(occupation=occupation, name=text.strip()).first()
    )
    if found is None:
        names = "、".join(occupation.work_types.values_list("name", flat=True)) or _("无")
        raise forms.ValidationError(
            _("职业“%(occupation)s”没有工种“%(text)s”（已登记的工种：%(names)s）")
            % {"occupation": occupation.name, "text": text.strip(), "names": names},
            code="unknown_work_type",
        )
    return found


class ItemForm(forms.Form):
    """One catalog item. Occupations and special items are typed by code (with a list to pick from)."""

    kind = forms.ChoiceField(
        label=gettext_lazy("类型"), choices=CatalogItem.Kind.choices, initial=CatalogItem.Kind.OCCUPATION
    )
    occupation = forms.CharField(
        label=gettext_lazy("职业（编码）"),
        required=False,
        max_length=120,
        help_text=gettext_lazy("输入职业编码或从列表选择，如 6-31-01-03"),
        widget=forms.TextInput(attrs={"list": "occupation-options", "autocomplete": "off"}),
    )
    work_type = forms.CharField(
        label=gettext_lazy("工种"),
        required=False,
        max_length=130,
        help_text=gettext_lazy("职业下设工种的，填工种名称或编码，如 电焊工；不分工种留空"),
        widget=forms.TextInput(attrs={"list": "work-type-options", "autocomplete": "off"}),
    )
    special_item = forms.CharField(
        label=gettext_lazy("专项/创业项目（编码）"),
        required=False,
        max_length=130,
        help_text=gettext_lazy("专项职业能力或创业培训项目编码"),
        widget=forms.TextInput(attrs={"list": "special-options", "autocomplete": "off"}),
    )
    level = forms.TypedChoiceField(
        label=gettext_lazy("等级"),
        choices=[("", gettext_lazy("—（专项/创业不分等级）")), *Level.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("行业类别"), queryset=Category.objects.all(), empty_label=gettext_lazy("请选择")
    )
    subsidy_standard = YuanField(label=gettext_lazy("培训补贴标准（元）"))
    assessment_subsidy = YuanField(label=gettext_lazy("评价补贴标准（元）"), required=False)
    min_lesson_hours = forms.IntegerField(label=gettext_lazy("最低课时"), min_value=1, max_value=2000)
    shortage_tier = forms.ChoiceField(
        label=gettext_lazy("紧缺程度"), choices=ShortageTier.choices, required=False
    )
    is_digital = forms.BooleanField(label=gettext_lazy("数字技能"), required=False)
    is_elder_child_care = forms.BooleanField(label=gettext_lazy("一老一小"), required=False)
    allows_graduate_conversion = forms.BooleanField(
        label=gettext_lazy("可用于毕业生专业转换培训"), required=False
    )
    is_new_business_form = forms.BooleanField(label=gettext_lazy("新业态新职业"), required=False)
    note = forms.CharField(label=gettext_lazy("备注"), max_length=200, required=False)

    FLAG_FIELDS = ("is_digital", "is_elder_child_care", "allows_graduate_conversion", "is_new_business_form")

    @classmethod
    def initial_for(cls, item: CatalogItem) -> dict[str, Any]:
        return {
            "kind": item.kind,
            "occupation": item.occupation.code if item.occupation_id and item.occupation else "",
            "special_item": item.special_item.code if item.special_item_id and item.special_item else "",
            "work_type": item.work_type.code if item.work_type_id and item.work_type else "",
            "level": item.level or "",
            "category": item.category_id,
            "subsidy_standard": item.subsidy_standard,
            "assessment_subsidy": item.assessment_subsidy if item.assessment_subsidy is not None else "",
            "min_lesson_hours": item.min_lesson_hours,
            "shortage_tier": item.shortage_tier,
            "is_digital": item.is_digital,
            "is_elder_child_care": item.is_elder_child_care,
            "allows_graduate_conversion": item.allows_graduate_conversion,
            "is_new_business_form": item.is_new_business_form,
            "note": item.note,
        }

    def clean_occupation(self) -> Occupation | None:
        return clean_occupation_code(self.cleaned_data.get("occupation", ""))

    def clean_special_item(self) -> SpecialItem | None:
        return clean_special_item_code(self.cleaned_data.get("special_item", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        text = (data.get("work_type") or "").strip()
        occupation = data.get("occupation")
        data["work_type"] = None
        if text and data.get("kind") == CatalogItem.Kind.OCCUPATION and occupation is not None:
            try:
                data["work_type"] = clean_work_type(occupation, text)
            except forms.ValidationError as exc:
                self.add_error("work_type", exc)
        return data

    def to_input(self) -> ItemInput:
        """The validated form as the services' :class:`ItemInput` (call after ``is_valid()``)."""
        data = self.cleaned_data
        kind = data["kind"]
        is_occupation = kind == CatalogItem.Kind.OCCUPATION
        return ItemInput(
            kind=kind,
            # A subject of the other kind left in a hidden field is ignored rather than refused.
            occupation=data.get("occupation") if is_occupation else None,
            special_item=None if is_occupation else data.get("special_item"),
            work_type=data.get("work_type") if is_occupation else None,
            level=data.get("level") if is_occupation else None,
            category=data["category"],
            subsidy_standard=data["subsidy_standard"],
            assessment_subsidy=data.get("assessment_subsidy"),
            min_lesson_hours=data["min_lesson_hours"],
            shortage_tier=data.get("shortage_tier") or "",
            is_digital=data.get("is_digital", False),
            is_elder_child_care=data.get("is_elder_child_care", False),
            allows_graduate_conversion=data.get("allows_graduate_conversion", False),
            is_new_business_form=data.get("is_new_business_form", False),
            note=(data.get("note") or "").strip(),
        )


def default_publish_date(edition_start: dt.date | None) -> dt.date:
    """What the publish form proposes: the draft's planned start, else tomorrow."""
    return edition_start or timezone.localdate() + dt.timedelta(days=1)
