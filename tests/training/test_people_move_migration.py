"""people 0001/0002, training 0005, core 0007: Person and PersonGroup move from core to people with their data.

The database is taken back to the state of the code before the move (Person in core), rows are written there the
way that code wrote them, and the migrations are run forwards: every person, group and enrollment is still there,
the foreign keys still point at the same rows, the unique ID-number constraint still holds, and the permissions
granted on the old ``core`` models are now the ``people`` ones.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from lijiao.accounts.models import User
from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import Enrollment
from lijiao.training.services.enrollment import enroll
from tests.training.test_enrollment import citizen_id, make_person, years_ago

BEFORE = [
    ("core", "0006_decisionrecord"),
    ("training", "0004_enrollment_eligibility_decision"),
    ("people", None),
]


def migrate(targets: list[tuple[str, str | None]] | None = None):
    """Migrate to ``targets`` (default: the latest migrations) and return the models of that state."""
    executor = MigrationExecutor(connection)
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    nodes = [target for target in targets if target[1] is not None]  # (app, None): the app is not migrated
    return MigrationExecutor(connection).loader.project_state(nodes).apps


@pytest.mark.django_db(transaction=True)
def test_people_keep_their_rows_groups_enrollments_and_permissions(provider_staff, approved_class):
    first = make_person("甲", birth=years_ago(30))
    PersonGroup.objects.create(person=first, group="veteran")
    enrolled = enroll(actor=provider_staff, training_class=approved_class, person=first)
    clerk = User.objects.create_user("people_move_clerk", password="x")
    clerk.user_permissions.add(
        Permission.objects.get(content_type__app_label="people", codename="change_person")
    )
    person_type = ContentType.objects.get(app_label="people", model="person").pk
    second_id = citizen_id(years_ago(40), male=False)
    try:
        old = migrate(BEFORE)
        # the state before the move: Person lives in core, the enrollment's foreign key names core.Person
        OldPerson = old.get_model("core", "Person")
        OldGroup = old.get_model("core", "PersonGroup")
        OldEnrollment = old.get_model("training", "Enrollment")
        assert OldEnrollment._meta.get_field("person").related_model is OldPerson
        assert ContentType.objects.get(pk=person_type).app_label == "core"
        # rows written the way the code before the move wrote them
        second = OldPerson.objects.create(
            name="乙", citizen_id=second_id, gender="F", birth_date=years_ago(40), phone="13800000000"
        )
        OldGroup.objects.create(person=second, group="unemployed", registration_number="DL-001")
        OldEnrollment.objects.create(training_class_id=approved_class.pk, person=second)
    finally:
        migrate()  # forwards through the move under test (and back to the schema of the tests after this one)

    assert Person.objects.count() == 2
    moved = Person.objects.get(name="乙")
    assert (moved.citizen_id, moved.phone, moved.gender) == (second_id, "13800000000", "F")
    assert sorted(PersonGroup.objects.values_list("person__name", "group")) == [
        ("乙", "unemployed"),
        ("甲", "veteran"),
    ]
    assert PersonGroup.objects.get(person=moved).registration_number == "DL-001"
    assert dict(Enrollment.objects.values_list("person__name", "training_class_id")) == {
        "甲": approved_class.pk,
        "乙": approved_class.pk,
    }
    assert Enrollment.objects.get(pk=enrolled.pk).person_id == first.pk
    # the content type moved back (same row), so the permission granted on it is the people one again
    assert ContentType.objects.get(app_label="people", model="person").pk == person_type
    assert not ContentType.objects.filter(app_label="core", model="person").exists()
    assert User.objects.get(pk=clerk.pk).has_perm("people.change_person")
    # the database constraints came through: one person per ID number, no enrollment of an unknown person
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(name="乙", citizen_id=second_id, gender="F", birth_date=years_ago(40))
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(training_class=approved_class, person_id=987_654_321)
