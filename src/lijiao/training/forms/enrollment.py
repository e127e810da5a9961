"""Forms of the roster, attendance-sheet and results screens (the services do the real checks)."""

from __future__ import annotations

from typing import Any

from django import forms

from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import CheckIn

__all__ = [
    "AttendanceForm",
    "EnrollForm",
    "GroupForm",
    "ResultsHeaderForm",
    "WithdrawForm",
]


def _blank(choices: Any) -> list[tuple[str, str]]:
    return [("", "—"), *[(str(k), str(v)) for k, v in choices]]


class EnrollForm(forms.Form):
    """Register (or find) a person by ID number, record their groups with evidence, and enroll them."""

    citizen_id = forms.CharField(
        label="身份证号",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "inputmode": "text"}),
        help_text="18位（或15位旧号）；小写 x、全角数字和空格会自动纠正",
    )
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(
        label="手机号", max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    household = forms.ChoiceField(label="户籍类型", choices=_blank(Person.Household.choices), required=False)
    education = forms.ChoiceField(label="学历", choices=_blank(Person.Education.choices), required=False)
    employer_name = forms.CharField(label="工作单位", max_length=100, required=False)
    groups = forms.MultipleChoiceField(
        label="人员类别",
        choices=PersonGroup.Group.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    graduation_year = forms.IntegerField(
        label="毕业年份", required=False, min_value=1950, max_value=2100, help_text="高校毕业生必填"
    )
    registration_number = forms.CharField(
        label="失业登记证号", max_length=50, required=False, help_text="城镇登记失业人员必填"
    )
    insured_months = forms.IntegerField(
        label="参保月数", required=False, min_value=0, max_value=720, help_text="参保职工必填"
    )
    draws_pension = forms.BooleanField(label="已领取基本养老金", required=False)


class GroupForm(forms.Form):
    """Record one group with its evidence for a person."""

    group = forms.ChoiceField(label="人员类别", choices=_blank(PersonGroup.Group.choices))
    graduation_year = forms.IntegerField(label="毕业年份", required=False, min_value=1950, max_value=2100)
    registration_number = forms.CharField(label="登记/证明编号", max_length=50, required=False)
    insured_months = forms.IntegerField(label="参保月数", required=False, min_value=0, max_value=720)
    employer_name = forms.CharField(label="单位", max_length=100, required=False)
    note = forms.CharField(label="备注", max_length=200, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="退出原因", max_length=500)


class AttendanceForm(forms.Form):
    """The sheet's common fields; the ticks come as ``mark`` values ``<session id>:<person id>``."""

    method = forms.ChoiceField(
        label="签到方式", choices=CheckIn.Method.choices, initial=CheckIn.Method.MANUAL
    )
    reason = forms.CharField(
        label="补录原因", max_length=200, required=False, help_text="手工补录必须填写原因"
    )


class ResultsHeaderForm(forms.Form):
    """Common fields of the results table; scores come per row as ``theory_<id>``, ``practical_<id>``…"""

    evaluating_organisation = forms.CharField(label="评价机构", max_length=100)
    assessed_on = forms.DateField(label="评价日期", widget=forms.DateInput(attrs={"type": "date"}))
