"""Catalog services and the edition lifecycle: allowed and refused transitions, permissions, in-force lookup."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from lijiao.accounts.roles import Role
from lijiao.audit.models import AuditEvent
from lijiao.catalog import workflows
from lijiao.catalog.diff import diff_editions
from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation, SpecialItem
from lijiao.catalog.selectors import edition_in_force, get_edition, visible_editions
from lijiao.catalog.services import (
    ItemInput,
    add_item,
    create_edition,
    delete_draft_edition,
    publish_edition,
    remove_item,
    replace_items,
    start_edition_from,
    update_edition,
    update_item,
)
from lijiao.core.errors import Conflict, DomainError, NotFound, PermissionDenied

D = dt.date


@pytest.fixture
def ref(db):
    cat = Category.objects.create(code="ZB", name="装备制造", sort_order=1)
    care = Category.objects.create(code="YL", name="养老服务", sort_order=2)
    return {
        "cat": cat,
        "care": care,
        "electrician": Occupation.objects.create(code="6-31-01-03", name="电工"),
        "welder": Occupation.objects.create(code="6-18-02-04", name="焊工"),
        "carer": Occupation.objects.create(code="4-10-01-05", name="养老护理员"),
        "media": SpecialItem.objects.create(code="ZX-001", name="数字新媒体制作", kind="special"),
    }


@pytest.fixture
def officer(make_user):
    return make_user(Role.CATALOG_OFFICER)


def occ(ref, occupation="electrician", level=5, amount="800", tier="", category="cat", **kw):
    return ItemInput(
        kind="occupation",
        occupation=ref[occupation],
        special_item=None,
        level=level,
        category=ref[category],
        subsidy_standard=Decimal(amount),
        min_lesson_hours=40 if level == 5 else 56,
        shortage_tier=tier,
        **kw,
    )


START_2024 = D(2024, 1, 1)


def published(officer, ref, start=START_2024, name="2024年版"):
    edition = create_edition(actor=officer, name=name, year=start.year)
    add_item(actor=officer, edition=edition, data=occ(ref))
    add_item(actor=officer, edition=edition, data=occ(ref, "welder", 4, "1200", "general"))
    return publish_edition(actor=officer, edition=edition, effective_from=start)


def test_transition_table():
    assert workflows.can_transition("draft", "published")
    assert workflows.can_transition("published", "superseded")
    for current, target in [
        ("draft", "superseded"),
        ("published", "draft"),
        ("superseded", "published"),
        ("superseded", "draft"),
        ("published", "published"),
    ]:
        assert not workflows.can_transition(current, target)


def test_publish_supersedes_the_previous_edition_without_overlap(officer, ref):
    first = published(officer, ref)
    second = start_edition_from(actor=officer, source=first, name="2025年版", year=2025)
    assert second.items.count() == 2 and second.based_on == first
    publish_edition(actor=officer, edition=second, effective_from=D(2025, 1, 1))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.effective_to) == (EditionStatus.SUPERSEDED, D(2025, 1, 1))
    assert (second.status, second.effective_to, second.published_by) == ("published", None, officer)
    assert edition_in_force(D(2023, 12, 31)) is None
    assert edition_in_force(D(2024, 12, 31)) == first
    assert edition_in_force(D(2025, 1, 1)) == second
    assert edition_in_force(D(2030, 6, 1)) == second
    actions = list(AuditEvent.objects.filter(object_type="catalog.edition").values_list("action", flat=True))
    assert "catalog.edition.superseded" in actions and actions.count("catalog.edition.published") == 2


def test_refused_transitions_write_nothing(officer, ref):
    first = published(officer, ref)
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        publish_edition(actor=officer, edition=first, effective_from=D(2026, 1, 1))
    assert exc.value.code == "transition_not_allowed" and exc.value.status == 409
    with pytest.raises(Conflict):
        add_item(actor=officer, edition=first, data=occ(ref, level=4))
    with pytest.raises(Conflict):
        update_item(actor=officer, item=first.items.first(), data=occ(ref, amount="900"))
    with pytest.raises(Conflict):
        remove_item(actor=officer, item=first.items.first())
    with pytest.raises(Conflict):
        delete_draft_edition(actor=officer, edition=first)
    with pytest.raises(Conflict):
        update_edition(actor=officer, edition=first, name="x", year=2024, effective_from=None)
    assert AuditEvent.objects.count() == events
    assert first.items.count() == 2


def test_publish_refuses_empty_undated_or_earlier_drafts(officer, ref):
    published(officer, ref, start=D(2025, 1, 1))
    empty = create_edition(actor=officer, name="空", year=2026)
    with pytest.raises(DomainError) as exc:
        publish_edition(actor=officer, edition=empty)
    assert {e.field for e in exc.value.errors} == {"__all__", "effective_from"}
    earlier = create_edition(actor=officer, name="早", year=2024)
    add_item(actor=officer, edition=earlier, data=occ(ref))
    with pytest.raises(DomainError) as exc:
        publish_edition(actor=officer, edition=earlier, effective_from=D(2025, 1, 1))
    assert [e.field for e in exc.value.errors] == ["effective_from"]
    assert Edition.objects.filter(status="draft").count() == 2


def test_permissions(make_user, officer, ref):
    clerk, provider = make_user(Role.DISTRICT_CLERK), make_user(Role.PROVIDER_STAFF)
    draft = create_edition(actor=officer, name="草稿", year=2025)
    add_item(actor=officer, edition=draft, data=occ(ref))
    for actor in (clerk, provider):
        with pytest.raises(PermissionDenied):
            publish_edition(actor=actor, edition=draft, effective_from=D(2025, 1, 1))
        with pytest.raises(PermissionDenied):
            add_item(actor=actor, edition=draft, data=occ(ref, level=4))
        with pytest.raises(PermissionDenied):
            create_edition(actor=actor, name="x", year=2025)
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.items.count() == 1


def test_drafts_are_invisible_to_the_public_and_to_clerks(make_user, officer, ref):
    from django.contrib.auth.models import AnonymousUser

    first = published(officer, ref)
    draft = create_edition(actor=officer, name="草稿", year=2025)
    clerk = make_user(Role.DISTRICT_CLERK)
    for user in (AnonymousUser(), clerk):
        assert list(visible_editions(user)) == [first]
        with pytest.raises(NotFound):
            get_edition(user, draft.pk)
    assert set(visible_editions(officer)) == {first, draft}
    with pytest.raises(NotFound):
        get_edition(officer, 999999)


def test_item_rules_give_field_errors_and_write_nothing(officer, ref, settings):
    draft = create_edition(actor=officer, name="草稿", year=2025)
    add_item(actor=officer, edition=draft, data=occ(ref))
    cases = {
        "subsidy_standard": occ(ref, level=4, amount="5500.01"),
        "level": ItemInput("occupation", ref["electrician"], None, None, ref["cat"], Decimal("800"), 40),
        "special_item": ItemInput("special", None, None, None, ref["cat"], Decimal("500"), 20),
        "min_lesson_hours": ItemInput("special", None, ref["media"], None, ref["cat"], Decimal("500"), 0),
        "shortage_tier": occ(ref, level=3, tier="extreme"),
        "__all__": occ(ref),  # the same occupation and level twice
    }
    for field, data in cases.items():
        with pytest.raises(DomainError) as exc:
            add_item(actor=officer, edition=draft, data=data)
        assert field in {e.field for e in exc.value.errors}, field
    assert draft.items.count() == 1
    assert (
        add_item(actor=officer, edition=draft, data=occ(ref, level=4, amount="5500")).subsidy_standard == 5500
    )
    settings.SUBSIDY_POLICY_CAP = Decimal("5000")
    with pytest.raises(DomainError):
        add_item(actor=officer, edition=draft, data=occ(ref, level=3, amount="5000.01"))


def test_diff(officer, ref):
    first = published(officer, ref)  # electrician 5 @800, welder 4 @1200 general
    add_item(
        actor=officer,
        edition=(draft := start_edition_from(actor=officer, source=first, name="b", year=2025)),
        data=occ(ref, "carer", 5, "900", category="care", is_elder_child_care=True),
    )
    welder = draft.items.get(occupation=ref["welder"])
    update_item(actor=officer, item=welder, data=occ(ref, "welder", 4, "1300", "especially"))
    remove_item(actor=officer, item=draft.items.get(occupation=ref["electrician"]))
    add_item(actor=officer, edition=draft, data=occ(ref, "electrician", 4, "1100"))  # another level: "added"
    result = diff_editions(first, draft)
    assert sorted(i.subject_name + str(i.level) for i in result.added) == ["养老护理员5", "电工4"]
    assert [i.subject_name + str(i.level) for i in result.removed] == ["电工5"]
    (change,) = result.changed
    assert {c.field: (c.old, c.new) for c in change.changes} == {
        "subsidy_standard": (Decimal("1200.00"), Decimal("1300.00")),
        "shortage_tier": ("general", "especially"),
    }
    assert change.changes[0].delta == Decimal("100.00")
    assert diff_editions(first, first).is_empty


def test_item_amounts_are_exact(officer, ref):
    draft = create_edition(actor=officer, name="草稿", year=2025)
    item = add_item(actor=officer, edition=draft, data=occ(ref, level=3, amount="1999.99", tier="especially"))
    item = CatalogItem.objects.get(pk=item.pk)
    assert item.subsidy_standard == Decimal("1999.99") and item.uplift == Decimal("0.30")


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishers_exactly_one_wins(make_user, ref):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent connections: PostgreSQL")
    officer = make_user(Role.CATALOG_OFFICER)
    draft = create_edition(actor=officer, name="草稿", year=2025)
    add_item(actor=officer, edition=draft, data=occ(ref))
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def publish() -> None:
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            publish_edition(
                actor=officer, edition=Edition.objects.get(pk=draft.pk), effective_from=D(2025, 1, 1)
            )
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=publish) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "conflict", "conflict", "ok"]
    assert AuditEvent.objects.filter(action="catalog.edition.published").count() == 1


def test_replace_items_checks_every_item_and_writes_nothing_on_a_refusal(officer, ref):
    edition = create_edition(actor=officer, name="2024年版", year=2024)
    add_item(actor=officer, edition=edition, data=occ(ref))
    bad = [occ(ref, "welder", 4, "1200"), occ(ref, level=7), occ(ref, "welder", 4, "1000")]
    with pytest.raises(DomainError) as exc:
        replace_items(actor=officer, edition=edition, items=bad)
    messages = [e.message for e in exc.value.errors]
    assert len(messages) == 2 and messages[0].startswith("第2项：") and "第3项与第1项" in messages[1]
    assert list(CatalogItem.objects.filter(edition=edition).values_list("occupation__name", flat=True)) == [
        "电工"
    ]
    assert replace_items(actor=officer, edition=edition, items=[bad[0], occ(ref)]) == 2
    assert CatalogItem.objects.filter(edition=edition).count() == 2
