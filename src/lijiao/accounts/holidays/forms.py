"""The form of the holiday arrangement screen: the notice, and the days pasted as a table or uploaded."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 1024 * 1024


class ArrangementForm(forms.Form):
    notice = forms.CharField(label=_("依据通知"), max_length=200)
    document_number = forms.CharField(label=_("文号"), max_length=50, required=False)
    days = forms.CharField(
        label=_("日期表"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "class": "mono"}),
        help_text=_(
            "每行一条：日期、类型（放假/上班）、名称，用制表符、逗号或空格分隔，可从表格直接粘贴。"
            "日期可写 2027-01-01、1月1日，连续几天写 2月6日至12日。"
        ),
    )
    file = forms.FileField(
        label=_("或上传表格"),
        required=False,
        help_text=_("xlsx 或 csv，三列：日期、类型、名称；上传后以表格内容为准。"),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件过大，节假日安排表不应超过1 MB"))
        return upload

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("file") and not (data.get("days") or "").strip() and not self.errors:
            raise forms.ValidationError(_("请粘贴日期表或上传表格"))
        return data
