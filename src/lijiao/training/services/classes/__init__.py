"""Classes (培训班, SPEC C4, R10): create and edit a draft, set its timetable, and one service per transition.

Every service is keyword-only with an explicit ``actor``, atomic, and audited (before/after snapshots). Who may
do what:

* the provider's own staff create, edit, set the timetable, file, start, finish and mark assessed
  (``training.add_trainingclass`` / ``change_trainingclass`` / ``change_classsession`` / ``file_trainingclass`` /
  ``record_assessment``); staff of another provider get :class:`NotFound`, as if the class did not exist;
* the district clerk whose handling area covers the class (``training.review_trainingclass`` and
  :meth:`lijiao.accounts.scope.Scope.filter_by_area` on ``handling_area``) approves, returns, rejects and closes;
  a clerk of another area gets :class:`NotFound`.

Filing (:func:`file_class`) runs every check of :func:`filing_problems` and writes nothing unless all pass: the
subject is resolved in the catalog edition in force **on the filing date** (SPEC C2: a class keeps that edition),
the provider is listed and not blacklisted over the class dates and the subject is in its scope (R10), the
timetable reaches the lesson-hour rule of the item's kind and level (each session states its lesson hours; the
practical share is practical hours / all hours) and matches the declared hours, the venue holds the class, the program
fits the item, and the class starts today or later. Each failure is a field error naming the input.
"""

from __future__ import annotations

from lijiao.training.services.classes.common import (
    CLASS_FIELDS,
    CODE_PREFIX,
    LESSON_MINUTES,
    MAX_CAPACITY,
    MAX_CLASS_DAYS,
    MAX_SESSION_MINUTES,
    MAX_SESSIONS,
    PROVIDER_ACTION_PERMS,
    ClassInput,
    SessionInput,
    Timetable,
    allowed_actions,
    allowed_actions_in_list,
    may_act,
)
from lijiao.training.services.classes.editing import (
    create_class,
    delete_class,
    next_class_code,
    update_class,
)
from lijiao.training.services.classes.filing import (
    filing_problems,
    lesson_rule_for,
    resolve_subject,
    same_subject_item,
    timetable,
)
from lijiao.training.services.classes.schedule import (
    HourRequirement,
    check_timetable,
    class_timetable_warnings,
    hour_requirement,
    planned_timetable,
    row_field,
    set_sessions,
    timetable_warnings,
)
from lijiao.training.services.classes.transitions import (
    approve_class,
    close_class,
    file_class,
    finish_class,
    mark_assessed,
    reject_class,
    return_class,
    start_class,
    withdraw_class,
)
from lijiao.training.services.programs import program_item_problems

__all__ = [
    "CLASS_FIELDS",
    "CODE_PREFIX",
    "LESSON_MINUTES",
    "MAX_CAPACITY",
    "MAX_CLASS_DAYS",
    "MAX_SESSIONS",
    "MAX_SESSION_MINUTES",
    "PROVIDER_ACTION_PERMS",
    "ClassInput",
    "HourRequirement",
    "SessionInput",
    "Timetable",
    "allowed_actions",
    "allowed_actions_in_list",
    "approve_class",
    "check_timetable",
    "class_timetable_warnings",
    "close_class",
    "create_class",
    "delete_class",
    "file_class",
    "filing_problems",
    "finish_class",
    "hour_requirement",
    "lesson_rule_for",
    "mark_assessed",
    "may_act",
    "next_class_code",
    "planned_timetable",
    "program_item_problems",
    "reject_class",
    "resolve_subject",
    "return_class",
    "row_field",
    "same_subject_item",
    "set_sessions",
    "start_class",
    "timetable",
    "timetable_warnings",
    "update_class",
    "withdraw_class",
]
