"""Foreign keys checked in bulk (lijiao.core.bulk_keys): when it may be used, what it refuses, the locks it takes,
and that the per-row triggers are back once its block ends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import IntegrityError, connection, transaction

from lijiao.accounts.models import User
from lijiao.core.bulk_keys import (
    bulk_checks_available,
    check_references,
    declared_foreign_keys,
    merge_references,
    references_of,
    row_triggers_off,
)
from lijiao.people.models import Person, PersonGroup
from lijiao.training.models import Enrollment

ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
postgres = pytest.mark.skipif(not ON_POSTGRES, reason="session_replication_role: PostgreSQL")


def postgres_db(test: Callable[..., None]) -> Callable[..., None]:
    """A test of the database's own behaviour: PostgreSQL only, in a transaction rolled back afterwards."""
    return pytest.mark.django_db(postgres(test))


ROSTER_TABLES = (Person, PersonGroup, Enrollment)
PERSON_ID = ("core_person", "id")
USER_ID = ("accounts_user", "id")


def make_person() -> Person:
    return Person.objects.create(
        name="张三", citizen_id="210202199003070025", gender="F", birth_date=dt.date(1990, 3, 7)
    )


def test_declared_foreign_keys_and_references_of_rows() -> None:
    assert declared_foreign_keys(PersonGroup) == {"person_id": PERSON_ID, "recorded_by_id": USER_ID}
    references = references_of(
        PersonGroup,
        ["person_id", "group", "recorded_by_id"],
        [[1, 2, 2], ["unemployed", "insured", "employee"], [7, None, 7]],
    )
    assert references == {PERSON_ID: {1, 2}, USER_ID: {7}}  # NULL refers to nothing
    merge_references(references, {PERSON_ID: {3}, ("x", "id"): {"a"}})
    assert references == {PERSON_ID: {1, 2, 3}, USER_ID: {7}, ("x", "id"): {"a"}}


@pytest.mark.django_db
@pytest.mark.skipif(ON_POSTGRES, reason="the other databases")
def test_never_on_other_databases() -> None:
    assert bulk_checks_available(connection, ROSTER_TABLES) is False


@postgres_db
def test_available_for_the_roster_tables_to_a_role_that_may_set_the_parameter() -> None:
    assert bulk_checks_available(connection, ROSTER_TABLES) is True


@postgres_db
def test_not_for_a_role_without_the_privilege() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE ROLE lijiao_test_plain NOLOGIN")  # rolled back with the test's transaction
        cursor.execute("SET LOCAL ROLE lijiao_test_plain")
        try:
            assert bulk_checks_available(connection, ROSTER_TABLES) is False
        finally:
            cursor.execute("RESET ROLE")


@postgres_db
def test_not_when_a_table_has_a_trigger_of_its_own() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION lijiao_test_noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER lijiao_test_noop BEFORE INSERT ON core_persongroup "
            "FOR EACH ROW EXECUTE FUNCTION lijiao_test_noop()"
        )
    assert bulk_checks_available(connection, ROSTER_TABLES) is False
    assert bulk_checks_available(connection, [Enrollment]) is True


@postgres_db
def test_not_when_the_database_has_a_foreign_key_no_model_declares() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE lijiao_test_years (year smallint PRIMARY KEY)")
        cursor.execute(
            "ALTER TABLE core_persongroup ADD CONSTRAINT lijiao_test_year_fk FOREIGN KEY (graduation_year) "
            "REFERENCES lijiao_test_years (year) NOT VALID"
        )
    assert bulk_checks_available(connection, ROSTER_TABLES) is False
    assert bulk_checks_available(connection, [Person, Enrollment]) is True


@postgres_db
def test_check_references_passes_for_existing_keys_and_names_a_missing_one() -> None:
    person = make_person()
    user = User.objects.create(username="clerk")
    check_references(connection, {PERSON_ID: {person.pk}, USER_ID: {user.pk}})
    check_references(connection, {PERSON_ID: set()})
    with pytest.raises(
        IntegrityError, match=r'key \(id\)=\(987654321\) is not present in table "core_person"'
    ):
        check_references(connection, {PERSON_ID: {person.pk, 987654321}})
    with pytest.raises(IntegrityError, match=r"\(id\)=\(987654321\) .*\(and 1 more\)"):
        check_references(connection, {USER_ID: {user.pk, 987654321, 987654322}})
    with pytest.raises(
        IntegrityError, match=r"\(id\)=\(987654321\)"
    ):  # keys said to be ours are looked up too
        check_references(connection, {PERSON_ID: {987654321}}, created={PERSON_ID: {987654321}})


@postgres_db
def test_triggers_are_off_inside_the_block_and_back_after_it() -> None:
    person = make_person()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        with row_triggers_off(connection):
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "replica"
            cursor.execute(  # no per-row check here: the caller's check_references finds it
                'INSERT INTO core_persongroup (person_id, "group", registration_number, employer_name, note, '
                "recorded_at) VALUES (987654321, 'unemployed', '', '', '', now())"
            )
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"
        with pytest.raises(IntegrityError, match=r"987654321"):
            check_references(connection, {PERSON_ID: {987654321}})
        with pytest.raises(IntegrityError), transaction.atomic():  # PostgreSQL's own check is back
            cursor.execute(
                'INSERT INTO core_persongroup (person_id, "group", registration_number, employer_name, note, '
                "recorded_at) VALUES (987654322, 'unemployed', '', '', '', now())"
            )
        PersonGroup.objects.create(person=person, group="insured", insured_months=12)


@postgres_db
def test_the_parameter_is_set_back_when_the_block_fails_and_the_transaction_goes_on() -> None:
    with pytest.raises(RuntimeError), row_triggers_off(connection):
        raise RuntimeError("a COPY failed")
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def _other_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.postgres_only
@postgres
@pytest.mark.django_db(transaction=True)
def test_referenced_rows_are_locked_until_commit_and_our_own_rows_are_not() -> None:
    user = User.objects.create(username="locked")
    other_user = User.objects.create(username="not-locked")
    other = _other_connection()
    try:
        with transaction.atomic():
            check_references(
                connection, {USER_ID: {user.pk, other_user.pk}}, created={USER_ID: {other_user.pk}}
            )
            with pytest.raises(psycopg.errors.LockNotAvailable):  # a DELETE of it would wait for us
                other.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT", [user.pk])
            other.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT", [other_user.pk])
        other.execute("SELECT 1 FROM accounts_user WHERE id = %s FOR UPDATE NOWAIT", [user.pk])  # released
    finally:
        other.close()


@postgres_db
def test_not_when_a_declared_foreign_key_refers_elsewhere_in_the_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'core_persongroup'::regclass AND contype = 'f' "
            "AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = 'core_persongroup'::regclass "
            "AND attname = 'recorded_by_id')]"
        )
        (name,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE core_persongroup DROP CONSTRAINT "{name}"')
        assert bulk_checks_available(connection, ROSTER_TABLES) is True  # one key fewer: still all checked
        cursor.execute(
            f'ALTER TABLE core_persongroup ADD CONSTRAINT "{name}" FOREIGN KEY (recorded_by_id) '
            "REFERENCES core_person (id) NOT VALID"
        )
    assert bulk_checks_available(connection, ROSTER_TABLES) is False
