"""The roles of SPEC C12 as data: each role is a Django group with these permissions.

``sync_roles()`` runs after every migrate, so code and database never disagree. "public" is the anonymous user
and has no group.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    CITY_ADMIN = "city_admin"
    CATALOG_OFFICER = "catalog_officer"
    DISTRICT_CLERK = "district_clerk"
    FIRST_REVIEWER = "first_reviewer"
    SECOND_REVIEWER = "second_reviewer"
    FINANCE = "finance"
    LEADERSHIP = "leadership"
    AUDITOR = "auditor"
    PROVIDER_STAFF = "provider_staff"
    EMPLOYER_STAFF = "employer_staff"
    SCHOOL_STAFF = "school_staff"
    WORKER = "worker"
    EVALUATOR_STAFF = "evaluator_staff"


@dataclass(frozen=True, slots=True)
class RoleSpec:
    label: str | Promise  # lazily translated
    permissions: tuple[str, ...]
    staff_site: bool = False  # may use the Django admin (back office)


_CATALOG_READ = ("catalog.view_edition", "catalog.view_catalogitem", "catalog.view_occupation")
_CATALOG_WRITE = (
    *_CATALOG_READ,
    "catalog.add_edition",
    "catalog.change_edition",
    "catalog.delete_edition",
    "catalog.add_catalogitem",
    "catalog.change_catalogitem",
    "catalog.delete_catalogitem",
    "catalog.publish_edition",
    "catalog.view_category",
    "catalog.add_category",
    "catalog.change_category",
    "catalog.add_occupation",
    "catalog.change_occupation",
    "catalog.view_specialitem",
    "catalog.add_specialitem",
    "catalog.change_specialitem",
)
_REFERENCE_READ = (
    "core.view_region",
    "core.view_handlingarea",
    "core.view_calendarday",
    "core.view_holidayarrangement",
)
_CERTIFICATE_READ = (
    "certificates.view_evaluatingbody",
    "certificates.view_evaluationsite",
    "certificates.view_accreditation",
    "certificates.view_levelassessment",
    "certificates.view_certificate",
)
_TRAINING_READ = (
    "providers.view_provider",
    "providers.view_teacher",
    "providers.view_venue",
    "providers.view_blacklistentry",
    "providers.view_creditevent",
    "training.view_program",
    "training.view_trainingclass",
    "training.view_classsession",
    "training.view_enrollment",
    "training.view_checkin",
    "training.view_assessmentresult",
    "people.view_person",
    *_CERTIFICATE_READ,
)
_PROVIDER_WORK = (
    *_TRAINING_READ,
    "providers.change_provider",
    "providers.add_teacher",
    "providers.change_teacher",
    "providers.add_venue",
    "providers.change_venue",
    "training.add_trainingclass",
    "training.change_trainingclass",
    "training.file_trainingclass",
    "training.add_classsession",
    "training.change_classsession",
    "training.delete_classsession",
    "training.add_enrollment",
    "training.change_enrollment",
    "training.record_attendance",
    "training.view_attendancedevice",
    "training.add_attendancedevice",
    "training.change_attendancedevice",
    "training.record_assessment",
    "training.import_roster",
    "people.add_person",
    "people.change_person",
)
_CERTIFICATE_ADMIN = (
    *_CERTIFICATE_READ,
    "certificates.add_evaluatingbody",
    "certificates.change_evaluatingbody",
    "certificates.add_evaluationsite",
    "certificates.change_evaluationsite",
    "certificates.add_accreditation",
    "certificates.change_accreditation",
    "certificates.delete_accreditation",
    "certificates.view_passrule",
    "certificates.change_passrule",
    "certificates.view_numberformat",
    "certificates.change_numberformat",
    "certificates.confirm_selfevaluation",
    "certificates.issue_certificate",
    "certificates.revoke_certificate",
    "certificates.import_certificate",
    "certificates.report_certificate",
)
# Evaluating-body staff (and an employer's staff for its self-evaluations): results of the bodies they work for.
_EVALUATOR_WORK = (
    *_CATALOG_READ,
    *_CERTIFICATE_READ,
    "certificates.record_levelassessment",
)
# Subsidies (SPEC C6): reading claims, filing on someone's behalf, the review steps, finance, the audit.
_CLAIM_READ = (
    "subsidies.view_claim",
    "subsidies.view_scheme",
    "subsidies.view_schemeversion",
    "subsidies.view_publicity",
    "subsidies.view_objection",
)
_CLAIM_FILE = (*_CLAIM_READ, "subsidies.add_claim", "subsidies.file_claim")
_CLAIM_REVIEW = (
    *_CLAIM_READ,
    "subsidies.change_objection",
    "subsidies.view_finding",
    "subsidies.view_registersnapshot",
)
_FINANCE = (
    *_CLAIM_READ,
    "subsidies.pay_claim",
    "subsidies.clawback_claim",
    "subsidies.view_paymentbatch",
    "subsidies.add_paymentbatch",
    "subsidies.change_paymentbatch",
    "subsidies.view_clawback",
    "subsidies.change_clawback",
)
_FRAUD_AUDIT = (
    *_CLAIM_READ,
    "subsidies.view_finding",
    "subsidies.resolve_finding",
    "subsidies.view_auditrun",
    "subsidies.run_auditrun",
    "subsidies.view_registersnapshot",
    "subsidies.import_registersnapshot",
    "subsidies.view_paymentbatch",
    "subsidies.view_clawback",
)
_SCHEME_ADMIN = (
    "subsidies.add_scheme",
    "subsidies.change_scheme",
    "subsidies.add_schemeversion",
    "subsidies.change_schemeversion",
    "subsidies.publish_schemeversion",
)
# Staff and integrators may hold API tokens; workers, employers and schools use the screens only.
_API_TOKENS = ("accounts.add_apitoken",)
_AREA_REVIEW = (
    *_TRAINING_READ,
    "providers.review_provider",
    "providers.add_creditevent",
    "training.review_trainingclass",
)

ROLES: dict[Role, RoleSpec] = {
    Role.CITY_ADMIN: RoleSpec(
        _("市级管理员"),
        (
            *_CATALOG_WRITE,
            *_REFERENCE_READ,
            "core.add_calendarday",
            "core.change_calendarday",
            "core.delete_calendarday",
            "core.view_holidayarrangement",
            "core.change_holidayarrangement",
            "core.change_handlingarea",
            "core.reveal_pii",
            "accounts.view_user",
            "accounts.add_user",
            "accounts.change_user",
            "audit.view_auditevent",
            *_AREA_REVIEW,
            "providers.blacklist_provider",
            "training.add_program",
            "training.change_program",
            "training.view_lessonhourrule",
            "training.change_lessonhourrule",
            *_CERTIFICATE_ADMIN,
            *_FRAUD_AUDIT,
            *_SCHEME_ADMIN,
            *_FINANCE,
            "subsidies.review_first_claim",
            "subsidies.review_second_claim",
            "subsidies.override_rule_claim",
            *_CLAIM_REVIEW,
            *_API_TOKENS,
        ),
        staff_site=True,
    ),
    Role.CATALOG_OFFICER: RoleSpec(
        _("目录管理员"), (*_CATALOG_WRITE, *_REFERENCE_READ, *_API_TOKENS), staff_site=True
    ),
    Role.DISTRICT_CLERK: RoleSpec(
        _("区经办人员"),
        (
            *_CATALOG_READ,
            *_REFERENCE_READ,
            *_AREA_REVIEW,
            *_CERTIFICATE_READ,
            "certificates.confirm_selfevaluation",
            *_CLAIM_READ,
            *_API_TOKENS,
        ),
    ),
    Role.FIRST_REVIEWER: RoleSpec(
        _("初审人员"),
        (
            *_CATALOG_READ,
            *_REFERENCE_READ,
            *_TRAINING_READ,
            *_CLAIM_REVIEW,
            "subsidies.review_first_claim",
            "subsidies.override_rule_claim",
            *_API_TOKENS,
        ),
    ),
    Role.SECOND_REVIEWER: RoleSpec(
        _("复审人员"),
        (
            *_CATALOG_READ,
            *_REFERENCE_READ,
            *_TRAINING_READ,
            *_CLAIM_REVIEW,
            "subsidies.review_second_claim",
            "subsidies.override_rule_claim",
            "subsidies.add_publicity",
            "subsidies.change_publicity",
            *_API_TOKENS,
        ),
    ),
    Role.FINANCE: RoleSpec(
        _("财务人员"), (*_CATALOG_READ, *_REFERENCE_READ, *_TRAINING_READ, *_FINANCE, *_API_TOKENS)
    ),
    Role.LEADERSHIP: RoleSpec(
        _("局领导（只读）"), (*_CATALOG_READ, *_REFERENCE_READ, *_TRAINING_READ, *_CLAIM_READ, *_API_TOKENS)
    ),
    Role.AUDITOR: RoleSpec(
        _("审计人员"),
        (
            *_CATALOG_READ,
            *_REFERENCE_READ,
            *_TRAINING_READ,
            "audit.view_auditevent",
            *_FRAUD_AUDIT,
            *_API_TOKENS,
        ),
    ),
    Role.PROVIDER_STAFF: RoleSpec(
        _("培训机构人员"), (*_CATALOG_READ, *_PROVIDER_WORK, *_CLAIM_FILE, *_API_TOKENS)
    ),
    Role.EMPLOYER_STAFF: RoleSpec(
        _("企业人员"), (*_EVALUATOR_WORK, "certificates.verify_batch", *_CLAIM_FILE)
    ),
    Role.SCHOOL_STAFF: RoleSpec(_("院校人员"), ()),
    Role.WORKER: RoleSpec(_("劳动者"), ()),
    Role.EVALUATOR_STAFF: RoleSpec(_("评价机构人员"), (*_EVALUATOR_WORK, *_CLAIM_FILE, *_API_TOKENS)),
}

# Roles whose users see only one handling area's data.
AREA_SCOPED_ROLES = frozenset({Role.DISTRICT_CLERK, Role.FIRST_REVIEWER, Role.SECOND_REVIEWER})


def sync_roles(**_: object) -> None:
    """Create or update one group per role with exactly the listed permissions."""
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission

    for app_config in apps.get_app_configs():  # permissions of apps migrated after this one
        create_permissions(app_config, verbosity=0)
    for role, spec in ROLES.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for perm in spec.permissions:
            app_label, codename = perm.split(".", 1)
            wanted.append((app_label, codename))
        perms = [
            p
            for p in Permission.objects.filter(codename__in=[c for _app, c in wanted]).select_related(
                "content_type"
            )
            if (p.content_type.app_label, p.codename) in set(wanted)
        ]
        missing = set(wanted) - {(p.content_type.app_label, p.codename) for p in perms}
        if missing:
            raise RuntimeError(f"role {role}: unknown permissions {sorted(missing)}")
        group.permissions.set(perms)


def roles_of(user: object) -> set[Role]:
    """The roles a user holds (group names that are roles)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    names = {g.name for g in user.groups.all()}  # type: ignore[attr-defined]
    return {Role(n) for n in names if n in Role._value2member_map_}
