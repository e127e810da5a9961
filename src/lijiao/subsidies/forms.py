"""Forms of the claim screens (filing, review actions); the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lijiao.core.models import HandlingArea
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
    level = forms.IntegerField(label=_("培养等级（1–4级）"), min_value=1, max_value=4)
    amount = forms.DecimalField(label=_("申请金额（元）"), max_digits=10, decimal_places=2, min_value=0)
    certificate_number = forms.CharField(label=_("证书编号（清算部分必填）"), max_length=40, required=False)
