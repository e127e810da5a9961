"""The timetable edited as rows (date, start, end, lesson hours, theory or practice, teacher, venue, content).

The rows are a Django formset; the screen adds and removes rows by posting the rows it has (htmx swaps the
table, without JavaScript the whole page reloads), so the formset is always numbered 0…n-1. The forms only
parse; :func:`lijiao.training.services.classes.set_sessions` decides what is valid.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from lijiao.core.forms import DATE_WIDGET
from lijiao.providers.models import Provider, Teacher, Venue
from lijiao.training.models import ClassSession
from lijiao.training.services.classes import MAX_SESSIONS, SessionInput

__all__ = [
    "PREFIX",
    "ROW_FIELDS",
    "RowOptions",
    "SessionRowForm",
    "TimetableFormSet",
    "posted_rows",
    "saved_rows",
]

PREFIX = "s"


@dataclass(frozen=True, slots=True)
class RowOptions:
    """The provider's active teachers and venues, read once for every row (two queries per page)."""

    teachers: dict[int, Teacher]
    venues: dict[int, Venue]

    @classmethod
    def of(cls, provider: Provider, training_class_id: int | None = None) -> RowOptions:
        """Active teachers, and those the class's sessions already name (a teacher who left stays on the rows
        they taught rather than silently disappearing on the next save)."""
        teaching = Q(active=True)
        if training_class_id is not None:
            named = ClassSession.objects.filter(training_class_id=training_class_id).values("teacher_id")
            teaching |= Q(pk__in=named)
        return cls(
            teachers={t.pk: t for t in Teacher.objects.filter(teaching, provider=provider).order_by("name")},
            venues={v.pk: v for v in Venue.objects.filter(provider=provider, active=True).order_by("name")},
        )


ROW_FIELDS = ("day", "start", "end", "lesson_hours", "kind", "teacher", "venue", "topic")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SessionRowForm(forms.Form):
    """One row of the timetable."""

    day = forms.DateField(
        label=gettext_lazy("日期"),
        widget=DATE_WIDGET,
        error_messages={"required": gettext_lazy("请填写日期"), "invalid": gettext_lazy("日期格式不对")},
    )
    start = forms.TimeField(
        label=gettext_lazy("开始"),
        widget=TIME_WIDGET,
        error_messages={"required": gettext_lazy("请填写开始时间"), "invalid": gettext_lazy("时间格式不对")},
    )
    end = forms.TimeField(
        label=gettext_lazy("结束"),
        widget=TIME_WIDGET,
        error_messages={"required": gettext_lazy("请填写结束时间"), "invalid": gettext_lazy("时间格式不对")},
    )
    lesson_hours = forms.IntegerField(
        label=gettext_lazy("课时"),
        required=False,
        min_value=1,
        max_value=16,
        widget=forms.NumberInput(attrs={"min": 1, "max": 16, "class": "narrow"}),
        error_messages={
            "invalid": gettext_lazy("课时应为整数"),
            "min_value": gettext_lazy("课时至少为1"),
            "max_value": gettext_lazy("一节课最多16课时"),
        },
        help_text=gettext_lazy("不填按时长折算"),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("理论/实操"), choices=ClassSession.Kind.choices, initial=ClassSession.Kind.THEORY
    )
    teacher = forms.TypedChoiceField(
        label=gettext_lazy("教师"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("只能选择本机构在职的教师")},
    )
    venue = forms.TypedChoiceField(
        label=gettext_lazy("场地"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("只能选择本机构在用的培训场地")},
    )
    topic = forms.CharField(label=gettext_lazy("内容"), max_length=200, required=False)

    def __init__(self, *args: Any, options: RowOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options = options
        blank = [("", "—")]
        self.fields["teacher"].choices = blank + [(pk, t.name) for pk, t in options.teachers.items()]  # type: ignore[attr-defined]
        self.fields["venue"].choices = blank + [(pk, v.name) for pk, v in options.venues.items()]  # type: ignore[attr-defined]

    def to_input(self) -> SessionInput:
        data = self.cleaned_data
        return SessionInput(
            starts_at=timezone.make_aware(dt.datetime.combine(data["day"], data["start"])),
            ends_at=timezone.make_aware(dt.datetime.combine(data["day"], data["end"])),
            kind=data["kind"],
            topic=data["topic"] or "",
            teacher=self.options.teachers.get(data["teacher"]) if data["teacher"] else None,
            venue=self.options.venues.get(data["venue"]) if data["venue"] else None,
            lesson_hours=data["lesson_hours"],
        )


TimetableFormSet = forms.formset_factory(
    SessionRowForm,  # each row gets the RowOptions through form_kwargs
    extra=0,
    max_num=MAX_SESSIONS,
    absolute_max=MAX_SESSIONS,
    validate_max=True,
)


def saved_rows(sessions: Iterable[ClassSession]) -> list[dict[str, Any]]:
    """A class's sessions as the rows' initial values."""
    rows = []
    for session in sessions:
        start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        rows.append(
            {
                "day": start.date().isoformat(),
                "start": f"{start:%H:%M}",
                "end": f"{end:%H:%M}",
                "lesson_hours": session.lesson_hours,
                "kind": session.kind,
                "teacher": session.teacher_id or "",
                "venue": session.venue_id or "",
                "topic": session.topic,
            }
        )
    return rows


def posted_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rows a POST holds, as raw strings (for re-showing them after adding or removing a row)."""
    try:
        total = min(int(data.get(f"{PREFIX}-TOTAL_FORMS", 0)), MAX_SESSIONS)
    except (TypeError, ValueError):
        total = 0
    return [{name: data.get(f"{PREFIX}-{index}-{name}", "") for name in ROW_FIELDS} for index in range(total)]


def next_row(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A new row after ``rows``: the next day at the last row's times, kind, teacher and venue."""
    if not rows:
        return {"kind": ClassSession.Kind.THEORY}
    last = dict(rows[-1])
    try:
        last["day"] = (dt.date.fromisoformat(str(last.get("day"))) + dt.timedelta(days=1)).isoformat()
    except ValueError:
        last["day"] = ""
    last["topic"] = ""
    return last
