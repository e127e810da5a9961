"""Provider services: registration with a validated credit code, the workflow (every transition allowed and
refused), who may do what, training scope, teachers with encrypted ID numbers, venues, blacklist, credit events.
Every refusal writes nothing (rows and audit log unchanged)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_user
from lijiao.audit.models import AuditEvent
from lijiao.core.errors import Conflict, DomainError, PermissionDenied
from lijiao.core.models import HandlingArea
from lijiao.core.pii import PIIKind, pii_digest
from lijiao.providers import services, workflows
from lijiao.providers.models import (
    BlacklistEntry,
    CreditEvent,
    Provider,
    ProviderScope,
    ProviderStatus,
    Teacher,
    Venue,
)
from tests.conftest import PASSWORD, valid_credit_code
from tests.providers.conftest import TODAY, audit_count, citizen_id, make_provider
from tests.translations import CHINESE

ZS = "ZS"


def area(code: str = ZS) -> HandlingArea:
    return HandlingArea.objects.get(code=code)


def register(actor: User, **overrides: Any) -> Provider:
    data: dict[str, Any] = {
        "credit_code": valid_credit_code(123),
        "name": "大连某某职业培训学校",
        "type": Provider.Type.PRIVATE_SCHOOL,
        "handling_area": area(),
        "contact_name": "王老师",
        "contact_phone": "0411-88886666",
        "licence_number": "人社民121020270000001",
        "licence_expires_on": dt.date(2030, 12, 31),
    }
    data.update(overrides)
    return services.register_provider(actor=actor, **data)


def field_errors(exc: DomainError) -> dict[str, str]:
    return {e.field: e.message for e in exc.errors}


# ---------------------------------------------------------------------------------------------------------------
# Registration


def test_register_normalises_the_credit_code_and_audits(zs_clerk: User) -> None:
    code = valid_credit_code(123)
    provider = register(zs_clerk, credit_code=f" {code[:9].lower()}-{code[9:]} ")
    assert provider.credit_code == code
    assert provider.status == ProviderStatus.APPLIED
    assert provider.contact_phone == "041188886666"
    event = AuditEvent.objects.get(action="providers.provider.registered")
    assert event.after is not None
    assert event.object_id == str(provider.pk)
    assert event.after["contact_phone"] == "041*****6666"  # personal data masked in the log


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "为空"),
        ("91210202MA0XXXXX1", "18 位"),
        ("91210202ma0xxxxx1O", "非法字符"),
        (lambda: valid_credit_code(5)[:17] + ("0" if valid_credit_code(5)[17] != "0" else "1"), "校验"),
        ("1.12302E+17", "数字"),
    ],
)
def test_register_refuses_bad_credit_codes_with_field_errors(zs_clerk: User, raw: Any, fragment: str) -> None:
    raw = raw() if callable(raw) else raw
    before = audit_count()
    with pytest.raises(DomainError) as info:
        register(zs_clerk, credit_code=raw)
    errors = field_errors(info.value)
    assert fragment in errors["credit_code"]
    assert CHINESE.search(errors["credit_code"])
    assert not Provider.objects.filter(name="大连某某职业培训学校").exists()
    assert audit_count() == before


def test_register_refuses_a_duplicate_and_bad_fields_at_once(zs_clerk: User) -> None:
    register(zs_clerk)
    with pytest.raises(DomainError) as info:
        register(zs_clerk, name=" ", type="circus", contact_phone="12345")
    errors = field_errors(info.value)
    assert "已登记" in errors["credit_code"]
    assert set(errors) == {"credit_code", "name", "type", "contact_phone"}
    assert Provider.objects.filter(credit_code=valid_credit_code(123)).count() == 1


def test_register_needs_the_review_permission_and_the_area(
    zs_clerk: User, staff: User, first_reviewer: User, city_admin: User
) -> None:
    for actor in (staff, first_reviewer):
        with pytest.raises(PermissionDenied):
            register(actor)
    with pytest.raises(PermissionDenied):
        register(zs_clerk, handling_area=area("XG"))
    assert not Provider.objects.filter(name="大连某某职业培训学校").exists()
    assert register(city_admin, handling_area=area("XG")).handling_area.code == "XG"


def test_update_by_reviewer_and_provider_staff_contact_only(
    zs_clerk: User, staff: User, own_provider: Provider
) -> None:
    common: dict[str, Any] = {
        "name": own_provider.name,
        "type": own_provider.type,
        "handling_area": own_provider.handling_area,
        "licence_expires_on": dt.date(2031, 6, 30),
    }
    services.update_provider(actor=zs_clerk, provider=own_provider, address="中山路1号", **common)
    own_provider.refresh_from_db()
    assert own_provider.address == "中山路1号"
    assert own_provider.licence_expires_on == dt.date(2031, 6, 30)
    # provider staff: contact person and phone yes …
    services.update_provider_contact(
        actor=staff, provider=own_provider, contact_name="李四", contact_phone="13812345678"
    )
    own_provider.refresh_from_db()
    assert (own_provider.contact_name, own_provider.contact_phone) == ("李四", "13812345678")
    assert own_provider.contact_phone_digest == pii_digest(PIIKind.PHONE, "13812345678")
    # … anything else no, and nothing is written
    before = audit_count()
    with pytest.raises(PermissionDenied):
        services.update_provider(
            actor=staff,
            provider=own_provider,
            address="中山路1号",
            contact_name="李四",
            contact_phone="13812345678",
            **{**common, "name": "改名"},
        )
    own_provider.refresh_from_db()
    assert own_provider.name != "改名"
    assert audit_count() == before


def test_update_refuses_another_area_and_a_removed_provider(zs_clerk: User, xg_clerk: User) -> None:
    provider = make_provider(9)
    kwargs: dict[str, Any] = {"name": "新名", "type": provider.type, "handling_area": provider.handling_area}
    with pytest.raises(PermissionDenied):
        services.update_provider(actor=xg_clerk, provider=provider, **kwargs)
    with pytest.raises(PermissionDenied):  # moving it into an area the clerk does not cover
        services.update_provider(actor=zs_clerk, provider=provider, **{**kwargs, "handling_area": area("XG")})
    removed = make_provider(10, status=ProviderStatus.REMOVED)
    with pytest.raises(Conflict):
        services.update_provider(
            actor=zs_clerk, provider=removed, **{**kwargs, "handling_area": removed.handling_area}
        )
    assert not Provider.objects.filter(name="新名").exists()


# ---------------------------------------------------------------------------------------------------------------
# Workflow: every transition allowed and refused


def test_transition_table() -> None:
    table = workflows.ALLOWED_TRANSITIONS
    assert table[ProviderStatus.APPLIED] == {ProviderStatus.APPROVED, ProviderStatus.REJECTED}
    assert table[ProviderStatus.APPROVED] == {ProviderStatus.SUSPENDED, ProviderStatus.REMOVED}
    assert table[ProviderStatus.SUSPENDED] == {ProviderStatus.APPROVED, ProviderStatus.REMOVED}
    assert table[ProviderStatus.REJECTED] == set()
    assert table[ProviderStatus.REMOVED] == set()
    assert workflows.available_actions(ProviderStatus.APPROVED) == ["suspend", "remove"]


def _run(action: str, actor: User, provider: Provider, reason: str = "违规：虚报培训人数") -> Provider:
    if action == "approve":
        return services.approve_provider(actor=actor, provider=provider)
    if action == "reinstate":
        return services.reinstate_provider(actor=actor, provider=provider)
    service = {
        "reject": services.reject_provider,
        "suspend": services.suspend_provider,
        "remove": services.remove_provider,
    }[action]
    return service(actor=actor, provider=provider, reason=reason)


CASES = [(action, status) for action in workflows.ACTION_SOURCES for status in ProviderStatus.values]


@pytest.mark.parametrize(("action", "status"), CASES)
def test_every_transition_allowed_or_refused(zs_clerk: User, action: str, status: str) -> None:
    provider = make_provider(200, status=status)
    before = audit_count()
    if status in workflows.ACTION_SOURCES[action]:
        moved = _run(action, zs_clerk, provider)
        provider.refresh_from_db()
        assert provider.status == moved.status == workflows.ACTION_TARGETS[action]
        event = AuditEvent.objects.get(action=f"providers.provider.{action}")
        assert event.before is not None and event.after is not None
        assert event.before["status"] == status
        assert event.after["status"] == provider.status
        if action in ("reject", "suspend", "remove"):
            assert provider.status_reason == "违规：虚报培训人数" == event.reason
        if action == "approve":
            assert provider.approved_at is not None
    else:
        with pytest.raises(Conflict) as info:
            _run(action, zs_clerk, provider)
        assert info.value.status == 409
        provider.refresh_from_db()
        assert provider.status == status
        assert audit_count() == before


@pytest.mark.parametrize("action", ["reject", "suspend", "remove"])
def test_reason_required(zs_clerk: User, action: str) -> None:
    provider = make_provider(201, status=next(iter(workflows.ACTION_SOURCES[action])))
    with pytest.raises(DomainError) as info:
        _run(action, zs_clerk, provider, reason="  ")
    assert "reason" in field_errors(info.value)
    provider.refresh_from_db()
    assert provider.status in workflows.ACTION_SOURCES[action]


def test_wrong_role_or_area_is_refused_and_writes_nothing(
    applied: Provider, xg_clerk: User, staff: User, first_reviewer: User, make_user: Any
) -> None:
    actors = (xg_clerk, staff, first_reviewer, make_user(Role.CATALOG_OFFICER), make_user(Role.WORKER))
    before = audit_count()
    for actor in actors:
        with pytest.raises(PermissionDenied) as info:
            services.approve_provider(actor=actor, provider=applied)
        assert info.value.status == 403
    applied.refresh_from_db()
    assert applied.status == ProviderStatus.APPLIED
    assert audit_count() == before


def test_provider_staff_never_approve_their_own_provider(db: None) -> None:
    """Even a user who also holds the district clerk role of the area cannot review their own institution."""
    provider = make_provider(300, status=ProviderStatus.APPLIED)
    both = create_user(
        actor=None,
        username="both",
        password=PASSWORD,
        roles=[Role.PROVIDER_STAFF, Role.DISTRICT_CLERK],
        handling_area=area(),
        provider=provider,
    )
    with pytest.raises(PermissionDenied) as info:
        services.approve_provider(actor=both, provider=provider)
    assert "本机构" in info.value.message
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.APPLIED


def test_city_admin_reviews_every_area(city_admin: User) -> None:
    provider = make_provider(301, area="ZH", status=ProviderStatus.APPLIED)
    assert services.approve_provider(actor=city_admin, provider=provider).status == ProviderStatus.APPROVED


def test_stale_object_gets_a_conflict(zs_clerk: User, applied: Provider) -> None:
    stale = Provider.objects.get(pk=applied.pk)
    services.approve_provider(actor=zs_clerk, provider=applied)
    with pytest.raises(Conflict):  # the locked re-read sees approved, and approve is not allowed from there
        services.reject_provider(actor=zs_clerk, provider=stale, reason="重复")
    applied.refresh_from_db()
    assert applied.status == ProviderStatus.APPROVED


def test_workflow_transition_is_a_conditional_update(applied: Provider) -> None:
    stale = Provider.objects.get(pk=applied.pk)
    workflows.transition(applied, ProviderStatus.APPROVED)
    with pytest.raises(Conflict) as info:
        workflows.transition(stale, ProviderStatus.REJECTED)
    assert info.value.code == "stale_status"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviewers_exactly_one_wins(make_user: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    clerk = make_user(Role.DISTRICT_CLERK, area=ZS)
    provider = make_provider(400, status=ProviderStatus.APPLIED)
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(action: str) -> None:
        from django.db import connections

        try:
            barrier.wait()
            _run(action, clerk, Provider.objects.get(pk=provider.pk))
            results.append("ok")
        except Conflict:
            results.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=act, args=(a,)) for a in ("approve", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict", "ok"]
    assert (
        AuditEvent.objects.filter(
            action__in=["providers.provider.approve", "providers.provider.reject"]
        ).count()
        == 1
    )


# ---------------------------------------------------------------------------------------------------------------
# Training scope


def test_set_scope_replaces_and_validates(
    zs_clerk: User, own_provider: Provider, ref: dict[str, Any]
) -> None:
    rows = services.set_scope(
        actor=zs_clerk,
        provider=own_provider,
        occupations=[(ref["electrician"], 3), (ref["welder"], 5)],
        special_items=[ref["media"]],
    )
    assert len(rows) == 3
    services.set_scope(
        actor=zs_clerk, provider=own_provider, occupations=[(ref["robot"], 4)], special_items=[]
    )
    assert list(
        ProviderScope.objects.filter(provider=own_provider).values_list("occupation__code", "highest_level")
    ) == [("6-31-07-03", 4)]
    event = AuditEvent.objects.filter(action="providers.scope.set").latest("sequence")
    assert event.after is not None
    assert {"occupation": "6-31-07-03", "highest_level": 4} in event.after
    before = audit_count()
    with pytest.raises(DomainError) as info:
        services.set_scope(
            actor=zs_clerk,
            provider=own_provider,
            occupations=[(ref["electrician"], 6), (ref["welder"], 2), (ref["welder"], 3)],
            special_items=[ref["media"], ref["media"]],
        )
    errors = [e.field for e in info.value.errors]
    assert errors.count("occupations") == 2 and errors.count("special_items") == 1
    assert ProviderScope.objects.filter(provider=own_provider).count() == 1
    assert audit_count() == before


def test_scope_is_set_by_reviewers_only(staff: User, own_provider: Provider, ref: dict[str, Any]) -> None:
    with pytest.raises(PermissionDenied):
        services.set_scope(
            actor=staff, provider=own_provider, occupations=[(ref["electrician"], 1)], special_items=[]
        )
    with pytest.raises(PermissionDenied):
        services.add_scope_entry(
            actor=staff, provider=own_provider, occupation=ref["electrician"], highest_level=1
        )
    assert not ProviderScope.objects.filter(provider=own_provider).exists()


def test_add_and_remove_scope_entries(zs_clerk: User, own_provider: Provider, ref: dict[str, Any]) -> None:
    entry = services.add_scope_entry(
        actor=zs_clerk, provider=own_provider, occupation=ref["electrician"], highest_level=4
    )
    again = services.add_scope_entry(
        actor=zs_clerk, provider=own_provider, occupation=ref["electrician"], highest_level=2
    )
    assert again.pk == entry.pk and again.highest_level == 2
    special = services.add_scope_entry(actor=zs_clerk, provider=own_provider, special_item=ref["syb"])
    for bad in (
        {},
        {"occupation": ref["welder"]},
        {"occupation": ref["welder"], "highest_level": 0},
        {"occupation": ref["welder"], "highest_level": 3, "special_item": ref["syb"]},
        {"special_item": ref["media"], "highest_level": 3},
    ):
        with pytest.raises(DomainError):
            services.add_scope_entry(actor=zs_clerk, provider=own_provider, **bad)
    services.remove_scope_entry(actor=zs_clerk, entry=special)
    assert list(ProviderScope.objects.filter(provider=own_provider).values_list("pk", flat=True)) == [
        entry.pk
    ]


# ---------------------------------------------------------------------------------------------------------------
# Teachers and venues


def test_teacher_citizen_id_is_validated_encrypted_and_masked_in_the_log(
    staff: User, own_provider: Provider, ref: dict[str, Any]
) -> None:
    number = citizen_id()
    teacher = services.add_teacher(
        actor=staff,
        provider=own_provider,
        name="张老师",
        citizen_id=number[:-1] + number[-1].lower() + " ",
        phone="138-1234-5678",
        occupation=ref["electrician"],
        certificates="电工 高级技师 证书号 123",
        is_practical=True,
    )
    teacher.refresh_from_db()
    assert teacher.citizen_id == number
    assert teacher.citizen_id_digest == pii_digest(PIIKind.CITIZEN_ID, number)
    with connection.cursor() as cursor:
        cursor.execute("SELECT citizen_id, phone FROM providers_teacher WHERE id = %s", [teacher.pk])
        stored_id, stored_phone = cursor.fetchone()
    assert number not in stored_id and stored_id.startswith("g1.")
    assert "13812345678" not in stored_phone
    event = AuditEvent.objects.get(action="providers.teacher.added")
    assert event.after is not None
    assert event.after["citizen_id"] == number[:4] + "*" * 10 + number[-4:]
    assert number not in str(event.after)


def test_teacher_errors_and_duplicates_write_nothing(staff: User, own_provider: Provider) -> None:
    services.add_teacher(actor=staff, provider=own_provider, name="张老师", citizen_id=citizen_id())
    before = audit_count()
    for kwargs, field in (
        ({"name": "李老师", "citizen_id": citizen_id()}, "citizen_id"),  # same ID, same provider
        ({"name": "李老师", "citizen_id": "210202198503121234"}, "citizen_id"),  # wrong check digit
        ({"name": "李老师", "citizen_id": "2.10202E+17"}, "citizen_id"),  # Excel number
        ({"name": "", "citizen_id": ""}, "name"),
        ({"name": "李老师", "phone": "555"}, "phone"),
    ):
        with pytest.raises(DomainError) as info:
            services.add_teacher(actor=staff, provider=own_provider, **dict[str, Any](kwargs))
        assert field in field_errors(info.value)
    assert Teacher.objects.filter(provider=own_provider).count() == 1
    assert audit_count() == before


def test_update_and_deactivate_teacher_keep_unchanged_personal_data(
    staff: User, own_provider: Provider
) -> None:
    teacher = services.add_teacher(
        actor=staff, provider=own_provider, name="张老师", citizen_id=citizen_id(), phone="13812345678"
    )
    services.update_teacher(actor=staff, teacher=teacher, name="张三老师", certificates="焊工 二级")
    teacher.refresh_from_db()
    assert (teacher.name, teacher.citizen_id, teacher.phone) == ("张三老师", citizen_id(), "13812345678")
    services.update_teacher(actor=staff, teacher=teacher, name="张三老师", phone="")
    teacher.refresh_from_db()
    assert teacher.phone == "" and teacher.citizen_id == citizen_id()
    services.deactivate_teacher(actor=staff, teacher=teacher)
    teacher.refresh_from_db()
    assert teacher.active is False
    assert AuditEvent.objects.filter(action="providers.teacher.deactivated").count() == 1


def test_teachers_and_venues_of_another_provider_are_refused(
    staff: User, other_provider: Provider, xg_clerk: User, zs_clerk: User
) -> None:
    for actor in (staff, xg_clerk):
        with pytest.raises(PermissionDenied):
            services.add_teacher(actor=actor, provider=other_provider, name="某老师")
        with pytest.raises(PermissionDenied):
            services.add_venue(
                actor=actor, provider=other_provider, name="教室", address="某路1号", capacity=30
            )
    assert not Teacher.objects.exists() and not Venue.objects.exists()
    # the reviewer of the area may (e.g. when registering a provider from its paper file)
    services.add_teacher(actor=zs_clerk, provider=other_provider, name="某老师")


def test_venues(staff: User, own_provider: Provider) -> None:
    venue = services.add_venue(
        actor=staff, provider=own_provider, name="一号教室", address="中山路1号", capacity=40
    )
    with pytest.raises(DomainError) as info:
        services.add_venue(actor=staff, provider=own_provider, name="一号教室", address="", capacity=0)
    assert set(field_errors(info.value)) == {"name", "address", "capacity"}
    services.update_venue(
        actor=staff,
        venue=venue,
        name="一号实训室",
        address="中山路1号",
        capacity=60,
        is_practical=True,
        active=False,
    )
    venue.refresh_from_db()
    assert (venue.name, venue.capacity, venue.is_practical, venue.active) == ("一号实训室", 60, True, False)
    assert Venue.objects.count() == 1


def test_closed_providers_cannot_be_changed(staff: User, zs_clerk: User, own_provider: Provider) -> None:
    services.remove_provider(actor=zs_clerk, provider=own_provider, reason="虚报培训人数")
    with pytest.raises(Conflict):
        services.add_teacher(actor=staff, provider=own_provider, name="某老师")
    assert not Teacher.objects.exists()


# ---------------------------------------------------------------------------------------------------------------
# Blacklist and credit events


def test_blacklist_and_lift(city_admin: User, zs_clerk: User, own_provider: Provider) -> None:
    with pytest.raises(PermissionDenied):  # district clerks review, only the city blacklists
        services.blacklist_provider(actor=zs_clerk, provider=own_provider, reason="虚报", starts_on=TODAY)
    entry = services.blacklist_provider(
        actor=city_admin,
        provider=own_provider,
        reason="虚报培训人数",
        starts_on=TODAY,
        ends_on=TODAY + dt.timedelta(days=365),
    )
    before = audit_count()
    for kwargs, field in (
        ({"reason": "", "starts_on": TODAY}, "reason"),
        ({"reason": "再犯", "starts_on": TODAY + dt.timedelta(days=30)}, "starts_on"),  # overlaps
        ({"reason": "再犯", "starts_on": TODAY + dt.timedelta(days=800), "ends_on": TODAY}, "ends_on"),
    ):
        with pytest.raises(DomainError) as info:
            services.blacklist_provider(actor=city_admin, provider=own_provider, **dict[str, Any](kwargs))
        assert field in field_errors(info.value)
    assert BlacklistEntry.objects.count() == 1 and audit_count() == before
    with pytest.raises(DomainError):
        services.lift_blacklist(actor=city_admin, entry=entry, reason="")
    services.lift_blacklist(actor=city_admin, entry=entry, reason="复核后撤销")
    entry.refresh_from_db()
    assert entry.lifted_at is not None and entry.lift_reason == "复核后撤销"
    with pytest.raises(Conflict):
        services.lift_blacklist(actor=city_admin, entry=entry, reason="again")
    # once lifted, a new period may overlap the old one
    services.blacklist_provider(actor=city_admin, provider=own_provider, reason="再犯", starts_on=TODAY)
    assert AuditEvent.objects.filter(action__startswith="providers.blacklist.").count() == 3


def test_credit_events(zs_clerk: User, staff: User, xg_clerk: User, own_provider: Provider) -> None:
    event = services.record_credit_event(
        actor=zs_clerk,
        provider=own_provider,
        kind=CreditEvent.Kind.COMPLAINT,
        occurred_on=TODAY,
        description="学员投诉未按课表上课",
        points=-5,
    )
    assert event.created_by == zs_clerk
    for actor in (staff, xg_clerk):
        with pytest.raises(PermissionDenied):
            services.record_credit_event(
                actor=actor,
                provider=own_provider,
                kind="commendation",
                occurred_on=TODAY,
                description="好",
                points=5,
            )
    for kwargs, field in (
        ({"kind": "gossip", "points": 0}, "kind"),
        ({"kind": "commendation", "points": -1}, "points"),
        ({"kind": "sanction", "points": 3}, "points"),
        ({"kind": "sanction", "points": -500}, "points"),
        ({"kind": "sanction", "points": -5, "occurred_on": TODAY + dt.timedelta(days=2)}, "occurred_on"),
        ({"kind": "sanction", "points": -5, "description": ""}, "description"),
    ):
        data: dict[str, Any] = {"occurred_on": TODAY, "description": "说明", **kwargs}
        with pytest.raises(DomainError) as info:
            services.record_credit_event(actor=zs_clerk, provider=own_provider, **data)
        assert field in field_errors(info.value)
    assert CreditEvent.objects.count() == 1
