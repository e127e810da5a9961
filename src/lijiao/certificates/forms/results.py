"""Forms of the results screens: one result, a class's batch sheet header, the import, the bureau's decision."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lijiao.catalog.models import Level, Occupation, SpecialItem, WorkType
from lijiao.certificates.models import EvaluatingBody, EvaluationSite
from lijiao.certificates.services.bodies import SKILL_LEVELS
from lijiao.core.forms import DATE_WIDGET


def _levels() -> list[tuple[str, object]]:
    return [("", _("专项不选")), *((str(int(level)), Level(level).label) for level in SKILL_LEVELS)]


class SubjectForm(forms.Form):
    """What is assessed, where and when (shared by the one-result form and the class sheet)."""

    site = forms.ModelChoiceField(
        label=_("评价站点"), queryset=EvaluationSite.objects.none(), empty_label=_("请选择")
    )
    assessed_on = forms.DateField(label=_("认定日期"), widget=DATE_WIDGET)
    occupation = forms.ModelChoiceField(
        label=_("职业"),
        queryset=Occupation.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.TextInput(attrs={"list": "occupation-options", "placeholder": _("职业编码")}),
    )
    work_type = forms.ModelChoiceField(
        label=_("工种（可选）"), queryset=WorkType.objects.all(), required=False, to_field_name="code"
    )
    special_item = forms.ModelChoiceField(
        label=_("或专项职业能力项目"),
        queryset=SpecialItem.objects.all(),
        required=False,
        to_field_name="code",
        widget=forms.TextInput(attrs={"list": "special-options", "placeholder": _("项目编码")}),
    )
    level = forms.TypedChoiceField(
        label=_("等级"), choices=_levels, coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: object, body: EvaluatingBody, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["site"].queryset = EvaluationSite.objects.filter(body=body, active=True)  # type: ignore[attr-defined]
        self.fields["work_type"].widget = forms.TextInput(attrs={"placeholder": _("工种编码")})


class ResultForm(SubjectForm):
    citizen_id = forms.CharField(label=_("身份证号"), max_length=30)
    name = forms.CharField(
        label=_("姓名"), max_length=50, required=False, help_text=_("填写时与登记的姓名核对")
    )
    theory_score = forms.CharField(label=_("理论成绩"), max_length=10, required=False)
    practical_score = forms.CharField(label=_("实操成绩"), max_length=10, required=False)
    review_score = forms.CharField(
        label=_("综合评审成绩"), max_length=10, required=False, help_text=_("技师、高级技师填写")
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("成绩表（xlsx/xls/ods/csv）"))


class DecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("不予确认的原因"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
