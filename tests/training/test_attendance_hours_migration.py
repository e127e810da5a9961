"""training 0007: existing sessions get the lesson hours their minutes hold; check-ins that claimed a device before
devices had credentials become 手工补录 with a reason saying so (the new constraint then holds)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lijiao.training.models import CheckIn, ClassSession, Enrollment
from tests.training.test_enrollment import make_person

BEFORE = [("training", "0006_h9_catalog_class_work_type")]


def migrate(targets: list[tuple[str, str]] | None = None):
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return MigrationExecutor(connection).loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_sessions_get_hours_and_device_claims_become_manual(running_class):
    person = make_person("迁移学员")
    enrollment = Enrollment.objects.create(training_class=running_class, person=person)
    first = running_class.sessions.order_by("starts_at").first()
    try:
        old = migrate(BEFORE)
        OldSession = old.get_model("training", "ClassSession")
        OldCheckIn = old.get_model("training", "CheckIn")
        short = OldSession.objects.create(
            training_class_id=running_class.pk,
            starts_at=first.starts_at + dt.timedelta(days=60),
            ends_at=first.starts_at + dt.timedelta(days=60, minutes=100),
        )
        OldCheckIn.objects.create(
            session_id=first.pk,
            enrollment_id=enrollment.pk,
            person_id=person.pk,
            checked_at=first.starts_at,
            method="face",
        )
    finally:
        migrate()
    assert ClassSession.objects.get(pk=first.pk).lesson_hours == 4  # 180 minutes
    assert ClassSession.objects.get(pk=short.pk).lesson_hours == 2  # 100 minutes: 2 whole lessons
    checkin = CheckIn.objects.get()
    assert checkin.method == "manual" and checkin.device is None and "设备凭据启用前" in checkin.reason
