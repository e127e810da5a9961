"""Decision records stored once by content (lijiao.core.decisions): dedupe, order, values JSON does not know,
chunked lookups, a conflicting insert, and two transactions storing the same record (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction

from lijiao.core.decisions import canonical_json, decision_digest, store_decision, store_decisions
from lijiao.core.models import DecisionRecord
from lijiao.core.rules import evaluate

pytestmark = pytest.mark.django_db


def record(passed: bool = True, **extra: Any) -> dict[str, Any]:
    rule = {"all": [{"fact": "age", "op": ">=", "value": 16, "label": "年满16周岁"}]}
    decision = evaluate(rule, {"age": 30 if passed else 15})
    return {**decision.as_dict(), "on": "2026-12-07", "program": "P-2026-01", **extra}


def test_canonical_json_and_digest():
    text = canonical_json({"b": 1, "a": ["中", None, True]})
    assert text == '{"a":["中",null,true],"b":1}'
    assert decision_digest({"b": 1, "a": ["中", None, True]}) == hashlib.sha256(text.encode()).hexdigest()
    assert len(decision_digest({})) == 64


def test_same_record_twice_is_one_row():
    first = record()
    reordered = dict(reversed(list(first.items())))
    assert list(reordered) != list(first)
    one = store_decision(first)
    assert store_decision(first) == one
    assert store_decision(reordered) == one
    assert DecisionRecord.objects.count() == 1
    row = DecisionRecord.objects.get()
    assert row.record == first
    assert row.digest == decision_digest(first) == decision_digest(reordered)


def test_different_records_get_different_ids():
    ids = {
        store_decision(record()),
        store_decision(record(passed=False)),
        store_decision(record(program=None)),
    }
    assert len(ids) == 3 == DecisionRecord.objects.count()
    refused = DecisionRecord.objects.get(digest=decision_digest(record(passed=False))).record
    assert refused["passed"] is False and refused["reasons"] == ["年满16周岁"]
    assert refused["trace"][0]["actual"] == 15


def test_input_order_is_kept_with_duplicates():
    a, b, c = record(), record(passed=False), record(on="2027-01-04")
    ids = store_decisions([a, b, a, c, b, a])
    assert DecisionRecord.objects.count() == 3
    assert ids[0] == ids[2] == ids[5] and ids[1] == ids[4] and len({ids[0], ids[1], ids[3]}) == 3
    stored = dict(DecisionRecord.objects.values_list("pk", "record"))
    assert [stored[i] for i in ids] == [a, b, a, c, b, a]
    # already stored: same ids, nothing new, one query
    assert store_decisions([c, a]) == [ids[3], ids[0]]
    assert DecisionRecord.objects.count() == 3


def test_decimal_and_date_values_are_stored_as_hashed():
    value = record(rate=Decimal("0.8500"), on=dt.date(2026, 12, 7), amount=[Decimal("1200.00")])
    pk = store_decision(value)
    row = DecisionRecord.objects.get(pk=pk)
    assert row.record["rate"] == "0.8500" and row.record["on"] == "2026-12-07"
    assert row.record["amount"] == ["1200.00"]
    assert row.record == json.loads(canonical_json(value))
    assert row.digest == decision_digest(value) == decision_digest(row.record)
    # the same values written as text are the same record
    assert store_decision({**value, "rate": "0.8500", "on": "2026-12-07", "amount": ["1200.00"]}) == pk


def test_nothing_to_store(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert store_decisions([]) == []


def test_queries_do_not_grow_with_the_rows(django_assert_max_num_queries, django_assert_num_queries):
    rows = [record(), record(passed=False), record(program=None)] * 400
    with django_assert_max_num_queries(6):  # look up, insert the missing (in a savepoint), read them back
        ids = store_decisions(rows)
    assert len(ids) == 1200 and len(set(ids)) == 3
    with django_assert_num_queries(1):  # all stored already: one lookup
        assert store_decisions(rows) == ids


def test_lookups_are_chunked(django_assert_max_num_queries):
    rows = [record(on=f"2026-12-{day:02d}") for day in range(1, 8)]
    ids = store_decisions(rows, chunk=2)
    assert len(set(ids)) == 7
    stored = dict(DecisionRecord.objects.values_list("pk", "record"))
    assert [stored[i] for i in ids] == rows
    with django_assert_max_num_queries(4):  # 7 digests, 2 per lookup
        assert store_decisions(rows + rows[:3], chunk=2) == ids + ids[:3]


@pytest.mark.django_db(transaction=True)
def test_two_transactions_storing_the_same_record_share_it():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers: PostgreSQL (SQLite serialises them)")
    value = record(program="RACE")
    inserted = threading.Event()
    ids: dict[str, int] = {}
    errors: list[BaseException] = []

    def first() -> None:
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                ids["first"] = store_decision(value)
                inserted.set()
                time.sleep(0.5)  # the second transaction's insert waits on this uncommitted row
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
            inserted.set()
        finally:
            thread_connection.close()

    def second() -> None:
        from django.db import connection as thread_connection

        try:
            inserted.wait(5)
            with transaction.atomic():
                ids["second"] = store_decision(value)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert ids["first"] == ids["second"]
    assert DecisionRecord.objects.filter(digest=decision_digest(value)).count() == 1
