"""Forms of the roster, attendance-sheet and results screens (the services do the real checks)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import CheckIn
from lijiao.training.services.attendance import AttendanceSheet
from lijiao.training.services.enrollment import GroupInput, PersonInput

__all__ = [
    "AttendanceForm",
    "EnrollForm",
    "GroupForm",
    "ResultsHeaderForm",
    "WithdrawForm",
]


GRADUATE_GROUPS = frozenset({PersonGroup.Group.GRADUATE, PersonGroup.Group.UPCOMING_GRADUATE})
INSURED_GROUPS = frozenset({PersonGroup.Group.INSURED, PersonGroup.Group.EMPLOYEE})


def _blank(choices: Any) -> list[tuple[str, Any]]:
    return [("", "—"), *[(str(k), v) for k, v in choices]]


class EnrollForm(forms.Form):
    """Register (or find) a person by ID number, record their groups with evidence, and enroll them."""

    citizen_id = forms.CharField(
        label=_("身份证号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
        help_text=_("18位（或15位旧号）；小写 x、全角数字和空格会自动纠正"),
    )
    name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    household = forms.ChoiceField(
        label=_("户籍类型"), choices=_blank(Person.Household.choices), required=False
    )
    education = forms.ChoiceField(label=_("学历"), choices=_blank(Person.Education.choices), required=False)
    employer_name = forms.CharField(label=_("工作单位"), max_length=100, required=False)
    position = forms.ChoiceField(
        label=_("岗位类别"),
        choices=_blank(Person.Position.choices),
        required=False,
        help_text=_("女职工的原法定退休年龄按岗位确定；不填按管理或专业技术岗位计算"),
    )
    groups = forms.MultipleChoiceField(
        label=_("人员类别"),
        choices=PersonGroup.Group.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    graduation_year = forms.IntegerField(
        label=_("毕业年份"), required=False, min_value=1950, max_value=2100, help_text=_("高校毕业生必填")
    )
    registration_number = forms.CharField(
        label=_("失业登记证号"), max_length=50, required=False, help_text=_("城镇登记失业人员必填")
    )
    insured_months = forms.IntegerField(
        label=_("参保月数"), required=False, min_value=0, max_value=720, help_text=_("参保职工必填")
    )
    evidence_source = forms.ChoiceField(
        label=_("证据来源"),
        choices=_blank(PersonGroup.Source.choices),
        required=False,
        help_text=_("不填：本人申报"),
    )
    evidence_as_of = forms.DateField(
        label=_("证据截至日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填：今天"),
    )

    def to_input(self) -> PersonInput:
        """The person with one :class:`GroupInput` per ticked group, carrying the evidence fields that belong
        to that group."""
        data = self.cleaned_data
        return PersonInput(
            citizen_id=data["citizen_id"],
            name=data["name"],
            phone=data["phone"],
            household=data["household"],
            education=data["education"],
            employer_name=data["employer_name"],
            position=data.get("position") or "",
            groups=tuple(self._group(group, data) for group in data["groups"]),
        )

    @staticmethod
    def _group(group: str, data: dict[str, Any]) -> GroupInput:
        return GroupInput(
            group=group,
            graduation_year=data.get("graduation_year") if group in GRADUATE_GROUPS else None,
            registration_number=(data.get("registration_number") or "")
            if group == PersonGroup.Group.UNEMPLOYED
            else "",
            insured_months=data.get("insured_months") if group in INSURED_GROUPS else None,
            employer_name=(data.get("employer_name") or "") if group == PersonGroup.Group.EMPLOYEE else "",
            as_of=data.get("evidence_as_of"),
            source=data.get("evidence_source") or "",
        )


class GroupForm(forms.Form):
    """Record one group with its evidence for a person."""

    group = forms.ChoiceField(label=_("人员类别"), choices=_blank(PersonGroup.Group.choices))
    graduation_year = forms.IntegerField(label=_("毕业年份"), required=False, min_value=1950, max_value=2100)
    registration_number = forms.CharField(label=_("登记/证明编号"), max_length=50, required=False)
    insured_months = forms.IntegerField(label=_("参保月数"), required=False, min_value=0, max_value=720)
    employer_name = forms.CharField(label=_("单位"), max_length=100, required=False)
    source = forms.ChoiceField(
        label=_("证据来源"),
        choices=_blank(PersonGroup.Source.choices),
        required=False,
        help_text=_("不填：本人申报"),
    )
    as_of = forms.DateField(
        label=_("证据截至日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填：今天"),
    )
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("退出原因"), max_length=500)


class AttendanceForm(forms.Form):
    """The sheet's reason; the ticks come as ``mark`` values ``<session id>:<person id>``.

    Ticks entered by staff are always 手工补录 (the methods that claim a device come only from a device through the
    API, ADR 0010), so the screen asks only for the reason.
    """

    reason = forms.CharField(
        label=_("补录原因"),
        max_length=200,
        help_text=_("工作人员录入的签到一律为手工补录；人脸识别、刷卡、扫码签到由考勤设备上传"),
    )

    def sheets(self) -> list[AttendanceSheet]:
        """The ticked ``mark`` values as one sheet per session, with the common method and reason (malformed
        values are ignored). Call after ``is_valid()``."""
        marks: dict[int, set[int]] = defaultdict(set)
        for value in self.data.getlist("mark") if hasattr(self.data, "getlist") else ():
            session_id, _sep, person_id = value.partition(":")
            if session_id.isdigit() and person_id.isdigit():
                marks[int(session_id)].add(int(person_id))
        reason = self.cleaned_data["reason"]
        return [
            AttendanceSheet(pk, people, CheckIn.Method.MANUAL, reason) for pk, people in sorted(marks.items())
        ]


class ResultsHeaderForm(forms.Form):
    """Common fields of the results table; scores come per row as ``theory_<id>``, ``practical_<id>``…"""

    assessed_on = forms.DateField(label=_("考核日期"), widget=forms.DateInput(attrs={"type": "date"}))
