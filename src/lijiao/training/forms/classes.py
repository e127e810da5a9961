"""Forms of the class and program screens. They only parse input; the services decide what is valid."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lijiao.catalog.models import CatalogItem
from lijiao.catalog.selectors import current_edition
from lijiao.core.forms import DATE_WIDGET
from lijiao.people.models import PersonGroup
from lijiao.providers.models import Provider, Teacher, Venue
from lijiao.training.models import Program, TrainingClass
from lijiao.training.selectors.classes import provider_items
from lijiao.training.services.classes import ClassInput
from lijiao.training.services.programs import ProgramInput

__all__ = [
    "ClassForm",
    "ProgramForm",
    "ReasonForm",
]


class ItemChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        level = obj.get_level_display()
        return _("%(code)s %(name)s（%(level)s）") % {
            "code": obj.subject_code,
            "name": obj.subject_name,
            "level": level or obj.get_kind_display(),
        }


class ClassForm(forms.Form):
    """A class application of the user's provider (create and edit)."""

    name = forms.CharField(label=gettext_lazy("班级名称"), max_length=100)
    catalog_item = ItemChoiceField(
        label=gettext_lazy("培训项目（现行目录）"),
        queryset=CatalogItem.objects.none(),
        empty_label=gettext_lazy("请选择"),
        help_text=gettext_lazy(
            "本机构培训范围内、现行目录版本中的项目；提交申请时按申请日生效的目录版本确定"
        ),
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("培训计划/项目"),
        queryset=Program.objects.filter(active=True),
        required=False,
        empty_label=gettext_lazy("（无）"),
    )
    start_date = forms.DateField(label=gettext_lazy("开班日期"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=gettext_lazy("结业日期"), widget=DATE_WIDGET)
    capacity = forms.IntegerField(label=gettext_lazy("计划人数"), min_value=1, max_value=5000)
    mode = forms.ChoiceField(label=gettext_lazy("培训方式"), choices=TrainingClass.Mode.choices)
    venue = forms.ModelChoiceField(
        label=gettext_lazy("培训场地"),
        queryset=Venue.objects.none(),
        required=False,
        empty_label=gettext_lazy("（线上培训不需场地）"),
    )
    teachers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("授课教师"),
        queryset=Teacher.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    lesson_hours = forms.IntegerField(
        label=gettext_lazy("申报总课时"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("不填则按课程表计算（每课时45分钟）"),
    )
    practical_hours = forms.IntegerField(label=gettext_lazy("申报实操课时"), required=False, min_value=0)

    def __init__(self, *args: Any, provider: Provider, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.provider = provider
        items = provider_items(provider)
        self.fields["catalog_item"].queryset = items  # type: ignore[attr-defined]
        self.fields["program"].queryset = Program.objects.filter(active=True)  # type: ignore[attr-defined]
        self.fields["venue"].queryset = Venue.objects.filter(provider=provider, active=True)  # type: ignore[attr-defined]
        self.fields["teachers"].queryset = Teacher.objects.filter(provider=provider, active=True)  # type: ignore[attr-defined]
        edition = current_edition()
        if edition is None:
            self.fields["catalog_item"].help_text = gettext_lazy("今天没有生效的培训目录，暂不能新建培训班")

    @classmethod
    def initial_for(cls, training_class: TrainingClass) -> dict[str, Any]:
        return {
            "name": training_class.name,
            "catalog_item": training_class.catalog_item_id,
            "program": training_class.program_id,
            "start_date": training_class.start_date,
            "end_date": training_class.end_date,
            "capacity": training_class.capacity,
            "mode": training_class.mode,
            "venue": training_class.venue_id,
            "teachers": list(training_class.teachers.values_list("pk", flat=True)),
            "lesson_hours": training_class.lesson_hours,
            "practical_hours": training_class.practical_hours,
        }

    def to_input(self) -> ClassInput:
        data = self.cleaned_data
        return ClassInput(
            name=data["name"],
            catalog_item=data["catalog_item"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            capacity=data["capacity"],
            program=data["program"],
            venue=data["venue"],
            teachers=list(data["teachers"]),
            mode=data["mode"],
            lesson_hours=data["lesson_hours"],
            practical_hours=data["practical_hours"],
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("请填写原因")},
    )


class ProgramForm(forms.Form):
    """A program with its eligibility rule typed as JSON."""

    code = forms.CharField(label=gettext_lazy("项目编码"), max_length=30)
    name = forms.CharField(label=gettext_lazy("项目名称"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("项目类型"), choices=Program.Kind.choices)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    lead_department = forms.CharField(
        label=gettext_lazy("牵头部门"), max_length=50, initial="市人力资源和社会保障局"
    )
    target_groups = forms.MultipleChoiceField(
        label=gettext_lazy("目标人群"),
        choices=PersonGroup.Group.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    eligibility_rule = forms.CharField(
        label=gettext_lazy("参训条件（规则 JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "mono", "spellcheck": "false"}),
        help_text=gettext_lazy(
            '例如 {"all": [{"fact": "age", "op": "<=", "value": 60, "label": "不超过60周岁"}]}；'
            "空表示只检查年满16周岁且未达到法定退休年龄（按身份证号的性别、出生年月计算）"
        ),
    )
    item_rule = forms.CharField(
        label=gettext_lazy("适用目录项目（规则 JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "mono", "spellcheck": "false"}),
        help_text=gettext_lazy(
            '例如 {"fact": "occupation_code", "op": "in", "value": ["4-14-01-02"], "label": "医疗护理员"}；'
            "可用 occupation_code、special_item_code、level、is_elder_child_care、allows_graduate_conversion；"
            "空表示不限"
        ),
    )
    quota = forms.IntegerField(label=gettext_lazy("年度计划人次"), min_value=0, initial=0)
    attendance_threshold = forms.DecimalField(
        label=gettext_lazy("出勤率要求"),
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=3,
        initial=Decimal("0.800"),
    )
    funding_source = forms.ChoiceField(
        label=gettext_lazy("资金来源"), choices=[("", "---------"), *Program.Funding.choices], required=False
    )
    active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def clean_eligibility_rule(self) -> dict[str, Any]:
        return self._json_rule("eligibility_rule")

    def clean_item_rule(self) -> dict[str, Any]:
        return self._json_rule("item_rule")

    def _json_rule(self, name: str) -> dict[str, Any]:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("不是有效的 JSON：第%(line)s行第%(column)s列") % {"line": exc.lineno, "column": exc.colno}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("规则必须是 JSON 对象"))
        return value

    @classmethod
    def initial_for(cls, program: Program) -> dict[str, Any]:
        return {
            "code": program.code,
            "name": program.name,
            "kind": program.kind,
            "year": program.year,
            "lead_department": program.lead_department,
            "target_groups": list(program.target_groups or []),
            "eligibility_rule": json.dumps(program.eligibility_rule or {}, ensure_ascii=False, indent=2)
            if program.eligibility_rule
            else "",
            "item_rule": json.dumps(program.item_rule or {}, ensure_ascii=False, indent=2)
            if program.item_rule
            else "",
            "quota": program.quota,
            "attendance_threshold": program.attendance_threshold,
            "funding_source": program.funding_source,
            "active": program.active,
        }

    def to_input(self) -> ProgramInput:
        data = self.cleaned_data
        return ProgramInput(
            code=data["code"],
            name=data["name"],
            kind=data["kind"],
            year=data["year"],
            lead_department=data["lead_department"],
            target_groups=list(data["target_groups"]),
            eligibility_rule=data["eligibility_rule"],
            item_rule=data["item_rule"],
            quota=data["quota"],
            attendance_threshold=data["attendance_threshold"],
            funding_source=data["funding_source"] or "",
            active=data["active"],
        )
