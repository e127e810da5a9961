"""training 0004: the JSON decision on each enrollment moves into shared core.DecisionRecord rows, and back."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from lijiao.core.decisions import decision_digest
from lijiao.core.models import DecisionRecord
from lijiao.training.models import Enrollment
from lijiao.training.services.enrollment import enroll
from tests.training.test_enrollment import make_person, years_ago

BEFORE = ("training", "0003_enrollment_class_index")
AFTER = ("training", "0004_enrollment_eligibility_decision")


def migrate(target: tuple[str, str]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return MigrationExecutor(connection).loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_json_decisions_move_into_shared_records_and_back(provider_staff, approved_class):
    birth = years_ago(30)
    people = [
        make_person("甲", birth=birth),
        make_person("乙", birth=birth),
        make_person("丙", birth=years_ago(40)),
    ]
    enrolled = [enroll(actor=provider_staff, training_class=approved_class, person=p) for p in people]
    records = {e.pk: Enrollment.objects.get(pk=e.pk).eligibility for e in enrolled}
    assert len({e.eligibility_decision_id for e in enrolled}) == 2
    try:
        old = migrate(BEFORE)  # the reverse copies every record back onto its enrollments
        OldEnrollment = old.get_model("training", "Enrollment")
        assert dict(OldEnrollment.objects.values_list("pk", "eligibility")) == records
        # start from JSON only: no records, one row's keys in another order, one without a decision
        with (
            connection.cursor() as cursor
        ):  # raw: the current models' PROTECT check would read a missing column
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(DecisionRecord._meta.db_table)}")  # noqa: S608 -- a model's own table name
        first, second, third = enrolled
        OldEnrollment.objects.filter(pk=second.pk).update(
            eligibility=dict(reversed(list(records[second.pk].items())))
        )
        OldEnrollment.objects.filter(pk=third.pk).update(eligibility={})
    finally:
        migrate(AFTER)  # forwards: the data step under test
        executor = MigrationExecutor(
            connection
        )  # then every later migration: the schema the next tests expect
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {e.pk: e for e in Enrollment.objects.select_related("eligibility_decision")}
    assert rows[first.pk].eligibility_decision_id == rows[second.pk].eligibility_decision_id is not None
    assert rows[third.pk].eligibility_decision_id is None and rows[third.pk].eligibility == {}
    assert rows[first.pk].eligibility == records[first.pk] == rows[second.pk].eligibility
    assert rows[first.pk].eligibility["passed"] is True and rows[first.pk].eligibility["trace"]
    assert DecisionRecord.objects.get().digest == decision_digest(records[first.pk])
