"""Forms of the claim screens (filing, review actions); the services check everything again."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lijiao.core.models import HandlingArea
from lijiao.core.rules import months_between
from lijiao.subsidies.models import Claim, SchemeKind
from lijiao.subsidies.services.claims import TRAINEE_KINDS

TRAINEE_KIND_CHOICES = [(k, label) for k, label in SchemeKind.choices if k in TRAINEE_KINDS]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OverrideForm(ReasonForm):
    rule = forms.CharField(label=_("规则"), max_length=20)


class KindForm(forms.Form):
    kind = forms.ChoiceField(label=_("补贴类型"), choices=TRAINEE_KIND_CHOICES, initial=SchemeKind.TRAINING)


class OwnClaimForm(KindForm):
    certificate = forms.IntegerField(label=_("证书"), widget=forms.Select)

    def __init__(self, *args: Any, certificates: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certificate"].widget.choices = [
            (c.pk, f"{c.subject_name} {c.number}") for c in certificates
        ]


class ApprenticeshipForm(forms.Form):
    citizen_id = forms.CharField(label=_("学徒身份证号"), max_length=18, min_length=18)
    part = forms.ChoiceField(
        label=_("拨付部分"), choices=[(Claim.Part.ADVANCE, _("预拨部分")), (Claim.Part.FINAL, _("清算部分"))]
    )
    employer_name = forms.CharField(label=_("企业名称"), max_length=100)
    employer_credit_code = forms.CharField(label=_("企业统一社会信用代码"), max_length=18, required=False)
    handling_area = forms.ModelChoiceField(
        label=_("经办区域"), queryset=HandlingArea.objects.filter(active=True)
    )
    hired_on = forms.DateField(label=_("入职（调入）日期"), widget=forms.DateInput(attrs={"type": "date"}))
    contract_start = forms.DateField(
        label=_("劳动合同开始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contract_end = forms.DateField(
        label=_("劳动合同结束日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    hire_type = forms.ChoiceField(
        label=_("招用方式"), choices=[("new", _("新招用")), ("transferred", _("转岗"))]
    )
    level = forms.IntegerField(label=_("培养等级（1–4级）"), min_value=1, max_value=4)
    training_months = forms.IntegerField(label=_("培养期（月）"), min_value=1, max_value=60)
    exceptional = forms.BooleanField(label=_("特殊情况延长培养期"), required=False)
    amount = forms.DecimalField(label=_("申请金额（元）"), max_digits=10, decimal_places=2, min_value=0)
    certificate_number = forms.CharField(label=_("证书编号（清算部分必填）"), max_length=40, required=False)


# --- correcting a draft or returned claim's stated facts before (re)submitting ------------------------------------


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}))


_TALENT_KINDS = (SchemeKind.APPOINTMENT_FUNDING, SchemeKind.COMPETITION_AWARD, SchemeKind.CRAFTSMAN_AWARD)


def correction_fields(kind: str) -> dict[str, forms.Field]:
    """The facts the filer states for a claim of ``kind`` (the records give the rest); none for most kinds."""
    if kind == SchemeKind.APPRENTICESHIP:
        return {
            "hire_type": forms.ChoiceField(
                label=_("招用方式"), choices=[("new", _("新招用")), ("transferred", _("转岗"))]
            ),
            "hired_on": _date_field(_("入职（调入）日期")),
            "contract_start": _date_field(_("劳动合同开始日期")),
            "contract_end": _date_field(_("劳动合同结束日期")),
            "level": forms.IntegerField(label=_("培养等级（1–4级）"), min_value=1, max_value=4),
            "training_months": forms.IntegerField(label=_("培养期（月）"), min_value=1, max_value=60),
            "exceptional": forms.BooleanField(label=_("特殊情况延长培养期"), required=False),
            "amount": forms.DecimalField(
                label=_("申请金额（元）"), max_digits=10, decimal_places=2, min_value=0
            ),
        }
    if kind == SchemeKind.GRADUATE_CONVERSION:
        return {
            "graduation_year": forms.IntegerField(label=_("毕业年份"), min_value=1950, max_value=2100),
            "employed": forms.BooleanField(label=_("目前已就业"), required=False),
            "training_months": forms.IntegerField(label=_("培训期限（月）"), min_value=1, max_value=24),
        }
    if kind in _TALENT_KINDS:
        return {
            "amount": forms.DecimalField(
                label=_("申请金额（元）"), max_digits=10, decimal_places=2, min_value=0
            )
        }
    return {}


def _initial(kind: str, facts: dict[str, Any]) -> dict[str, Any]:
    if kind == SchemeKind.APPRENTICESHIP:
        nested = facts.get("apprenticeship") or {}
        return {**{k: v for k, v in nested.items() if k != "contract_months"}, **facts}
    if kind == SchemeKind.GRADUATE_CONVERSION:
        return dict(facts.get("graduate") or {})
    return dict(facts)


class CorrectionForm(forms.Form):
    """补正: the facts the filer states for the claim's kind, then (re)submit. :meth:`facts` is what
    :func:`lijiao.subsidies.services.review.submit_claim` merges into the claim's facts."""

    note = forms.CharField(
        label=_("补正说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, claim: Claim, **kwargs: Any) -> None:
        self.kind = claim.kind
        facts = claim.facts if isinstance(claim.facts, dict) else {}
        kwargs.setdefault("initial", _initial(claim.kind, facts))
        super().__init__(*args, **kwargs)
        fields = correction_fields(claim.kind)
        self.fields = {**fields, **self.fields}
        self.has_facts = bool(fields)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("contract_start"), data.get("contract_end")
        if start and end and end <= start:
            self.add_error("contract_end", _("劳动合同结束日期应晚于开始日期"))
        return data

    def facts(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.kind == SchemeKind.APPRENTICESHIP:
            start, end = data["contract_start"], data["contract_end"]
            return {
                "hired_on": data["hired_on"].isoformat(),
                "contract_start": start.isoformat(),
                "contract_end": end.isoformat(),
                "level": data["level"],
                "amount": str(data["amount"]),
                "apprenticeship": {
                    "hire_type": data["hire_type"],
                    "hire_date": data["hired_on"].isoformat(),
                    "contract_months": months_between(start, end + dt.timedelta(days=1)),
                    "training_months": data["training_months"],
                    "level": data["level"],
                    "exceptional": bool(data["exceptional"]),
                },
            }
        if self.kind == SchemeKind.GRADUATE_CONVERSION:
            return {
                "graduate": {
                    "graduation_year": data["graduation_year"],
                    "employed": bool(data["employed"]),
                    "training_months": data["training_months"],
                }
            }
        if self.kind in _TALENT_KINDS:
            return {"amount": str(data["amount"])}
        return {}
