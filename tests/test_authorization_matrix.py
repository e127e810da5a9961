"""The authorization matrix (issue 9, Security 3; ADR 0005): every role × every API operation and every screen.

The operations are read from the API's OpenAPI document and the screens from the URL resolver, so a new endpoint
or screen without a row in the tables below FAILS :func:`test_every_endpoint_and_screen_has_a_row`. Each row
says which roles may use it; the outcome of everyone else follows from the rule of ADR 0005:

* ``ok`` — allowed: the request reached the use case (2xx, a redirect after a write, or a refusal for a state or
  value reason, 400/409: the permission check passed);
* ``403`` — a logged-in role without the model permission (or not a reviewer / staff of the object);
* ``404`` — the role may read such objects, but not this one (another provider's, another area's): exactly like
  an unknown id;
* ``401`` (API) / ``login`` (screen: redirect to the login page) — anonymous;
* ``405`` — the screen does not answer this method.

Every request runs in a transaction that is rolled back, so allowed writes change nothing for the next request;
a refused write (401/403/404/login) must not have written anything: the row counts of every table, the newest
``updated_at`` of every table that has one, and the audit log are compared before and after it.

Roles (the demo roles of the README): ``admin`` city admin, ``catalog`` catalog officer, ``clerk`` district clerk
of 中山区 (ZS), ``reviewer1`` / ``reviewer2`` first / second reviewer (ZS), ``finance``, ``leader``, ``auditor``,
``provider`` staff of provider A (ZS, the owner of every object the requests name), ``other`` staff of provider B
(XG), ``employer``, ``school``, ``worker``, ``anon`` (no login).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import re
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie
from typing import Any
from unittest import mock

import openpyxl
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from lijiao.accounts.models import User
from lijiao.accounts.roles import Role
from lijiao.accounts.services import create_api_token, create_user
from lijiao.api import api
from lijiao.catalog.models import CatalogItem, Category, Edition, EditionStatus, Occupation, SpecialItem
from lijiao.certificates.models import (
    Accreditation,
    Certificate,
    CertificateType,
    EvaluatingBody,
    EvaluationSite,
    EvaluatorMembership,
    LevelAssessment,
)
from lijiao.core.models import HandlingArea, ImportJob
from lijiao.people.models import PersonGroup
from lijiao.providers.models import BlacklistEntry, CreditEvent, ProviderScope
from lijiao.subsidies.models import Finding, SchemeVersion
from lijiao.subsidies.services.schemes import create_draft_version, install_default_schemes
from lijiao.training.models import ClassStatus, Enrollment, Program
from lijiao.training.services.devices import register_device
from tests.training.conftest import _make_provider, make_class, today
from tests.training.test_enrollment import make_person

ROLES = (
    "admin",
    "catalog",
    "clerk",
    "reviewer1",
    "reviewer2",
    "finance",
    "leader",
    "auditor",
    "provider",
    "other",
    "employer",
    "school",
    "worker",
    "evaluator",
    "anon",
)

# ---------------------------------------------------------------------------------------------------------------
# Role sets the tables use

EVERYONE = frozenset(ROLES)
USERS = EVERYONE - {"anon"}
# bureau roles that read providers and training (catalog officer: the catalog only)
BUREAU = frozenset({"admin", "clerk", "reviewer1", "reviewer2", "finance", "leader", "auditor"})
OWN = frozenset({"provider"})
READ_A = BUREAU | OWN  # may read provider A's objects (provider B's staff: 404)
TRAINING = BUREAU | OWN | {"other"}  # hold the training read permissions
CATALOG_EDITORS = frozenset({"admin", "catalog"})
REVIEWERS_A = frozenset({"admin", "clerk"})  # review provider A and its classes (ZS)
AUDITORS = frozenset({"admin", "auditor"})
STAFF_SITE = frozenset({"admin", "catalog"})
TOKEN_HOLDERS = USERS - {"employer", "school", "worker"}  # workers, employers, schools hold no API tokens
# certificates: who holds the read permissions, and the bureau roles whose scope covers the matrix's bodies (ZS)
CERT_READERS = BUREAU | {"provider", "other", "employer", "evaluator"}
BODY_READ = BUREAU | {"evaluator"}  # the evaluating body (S, ZS) of the matrix: its staff and the bureau
EVALUATOR = frozenset({"evaluator"})
CONFIRMERS = frozenset({"admin", "clerk"})
PROVIDER_STAFF = OWN | {"other"}  # any provider's staff (their own devices)
SCHEME_READERS = BUREAU | {"provider", "other", "employer", "evaluator"}  # subsidies.view_schemeversion
FINDING_READERS = frozenset({"admin", "reviewer1", "reviewer2", "auditor"})  # subsidies.view_finding


@dataclass(frozen=True)
class Row:
    """Who may use one operation: ``ok`` roles are allowed, ``missing`` roles get 404 (another provider's or
    another area's object), every other logged-in role ``denied`` (403), the anonymous ``anon`` (401 for the API,
    the login page for a screen) unless listed in ``ok`` or ``missing``."""

    ok: frozenset[str]
    missing: frozenset[str] = frozenset()
    anon: str | None = None  # the anonymous outcome when not the default (401 / login)
    denied: str = "403"  # the outcome of the other logged-in roles

    def expected(self, role: str, *, screen: bool) -> str:
        if role in self.ok:
            return "ok"
        if role in self.missing:
            return "404"
        if role == "anon":
            return self.anon or ("login" if screen else "401")
        return self.denied


def row(ok: frozenset[str] | set[str], missing: frozenset[str] | set[str] = frozenset(), **kw: Any) -> Row:
    return Row(frozenset(ok), frozenset(missing), **kw)


PUBLIC = row(EVERYONE)
A_READ = row(READ_A, missing={"other"})  # reading provider A's objects
A_REVIEW = row(REVIEWERS_A)  # reviewing provider A (clerk of ZS, admin); B's staff lack the permission: 403
A_STAFF_WRITE = row(OWN | REVIEWERS_A, missing={"other"})  # A's own staff or its reviewers
A_CLASS_WRITE = row(OWN, missing={"other"})  # the class's own provider staff
A_CLASS_REVIEW = row(REVIEWERS_A, missing={"other"})
A_REVIEW_SCREEN = row(REVIEWERS_A, missing={"other"})  # the screens read the provider first: B's staff 404
ANY_USER = row(USERS)
# a certificate's PDF and credential: the bureau (ZS for area roles), the class's provider; everyone else (no
# certificate permission, not the holder, another provider's or body's staff) 404 like an unknown id
CERTIFICATE_DOWNLOAD = row(READ_A, missing=USERS - READ_A)
# a roster import's job and report: the class's provider staff and the bureau staff whose scope covers the class
IMPORT_READ = row(READ_A, missing=USERS - READ_A)
# certificates: certificates.view_certificate is held by the bureau's training readers, provider staff and
# employers' staff; the matrix's certificate comes from provider A's class at a ZS evaluating body
CERT_LIST = row(CERT_READERS)  # CERT_READERS above: the bureau, provider staff, employers, evaluating bodies
# a certificate of provider A's class, assessed by another body than the matrix evaluator's
CERT_READ_A = row(
    CERT_READERS - {"other", "employer", "evaluator"}, missing={"other", "employer", "evaluator"}
)

# subsidies: subsidies.view_claim holders; the matrix claim is provider A's trainee's (ZS), submitted
CLAIM_READERS = BUREAU | {"provider", "other", "employer", "evaluator"}
CLAIM_OUTSIDERS = frozenset({"other", "employer", "evaluator"})  # readers whose scope misses the claim: 404
CLAIM_READ = row(CLAIM_READERS - CLAIM_OUTSIDERS, missing=CLAIM_OUTSIDERS)
CLAIM_FILER = row(OWN, missing=CLAIM_OUTSIDERS)  # the claim's own provider (submit, withdraw)
FIRST_REVIEW = row({"admin", "reviewer1"})
SECOND_REVIEW = row({"admin", "reviewer2"})
CLAIM_FINANCE = row({"admin", "finance"})
NOBODYS = row(set(), missing=USERS)  # another person's claim or message: 404 for everyone
# subsidies (公示 and payment): claim readers hold view_publicity/view_objection; finance (and the auditor, reading)
NOTICE_OUTSIDERS = CLAIM_READERS - BUREAU  # hold the permission, but no area: the matrix's ZS notice is 404
FINANCE_READ = frozenset({"admin", "finance", "auditor"})
FINANCE = frozenset({"admin", "finance"})

# ---------------------------------------------------------------------------------------------------------------
# The API: "METHOD path" (below /api/v1) → who may

API: dict[str, Row] = {
    # core: public reference data
    "GET /core/regions": PUBLIC,
    "GET /core/handling-areas": PUBLIC,
    "GET /core/calendar/add-working-days": PUBLIC,
    "POST /core/identity/citizen-id": PUBLIC,
    "POST /core/identity/credit-code": PUBLIC,
    # certificates: public verification (number + name), no login (rate-limited per address; ADR 0018)
    "POST /certificates/verify": PUBLIC,
    # subsidies: the public 公示 (no login; objections rate-limited per address), reviewers, finance
    "GET /subsidies/publicity": PUBLIC,
    "GET /subsidies/publicity/{number}": PUBLIC,
    "POST /subsidies/publicity/{number}/objections": PUBLIC,
    "GET /subsidies/objections": row(CLAIM_READERS),
    "POST /subsidies/objections/{objection_id}/resolve": row({"admin", "reviewer1", "reviewer2"}),
    "POST /subsidies/publicity/claims/{claim_id}/approve": row({"admin", "reviewer2"}),
    "POST /subsidies/publicity/claims/approve-ended": row({"admin", "reviewer2"}),
    "GET /subsidies/payment/batches": row(FINANCE_READ),
    "POST /subsidies/payment/batches": row(FINANCE),
    "GET /subsidies/payment/batches/{payment_batch_id}": row(FINANCE_READ),
    "GET /subsidies/payment/batches/{payment_batch_id}/bank-file": row(FINANCE),
    "POST /subsidies/payment/batches/{payment_batch_id}/paid": row(FINANCE),
    "GET /subsidies/payment/clawbacks": row(FINANCE_READ),
    "POST /subsidies/payment/clawbacks": row(FINANCE),
    "GET /subsidies/payment/clawbacks/{clawback_id}": row(FINANCE_READ),
    "POST /subsidies/payment/clawbacks/{clawback_id}/recoveries": row(FINANCE),
    "POST /subsidies/payment/clawbacks/{clawback_id}/write-off": row(FINANCE),
    "PUT /subsidies/payment/payee-accounts/{person_id}": row(FINANCE),
    # accounts: one's own account and tokens (the token named in the path is the provider's)
    "GET /accounts/me": ANY_USER,
    "GET /accounts/tokens": row(TOKEN_HOLDERS),
    "POST /accounts/tokens": row(TOKEN_HOLDERS),
    "DELETE /accounts/tokens/{token_id}": row(OWN, missing=USERS - OWN),
    # audit
    "GET /audit/events": row(AUDITORS),
    # catalog: published editions for everyone; the draft (named in every path) only for its editors
    "GET /catalog/editions": PUBLIC,
    "GET /catalog/editions/in-force": PUBLIC,
    "GET /catalog/editions/{edition_id}": row(CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS),
    "GET /catalog/editions/{old_id}/diff/{new_id}": row(CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS),
    "GET /catalog/editions/{edition_id}/items": row(CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS),
    "GET /catalog/items/{item_id}": row(CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS),
    "GET /catalog/editions/{edition_id}/export.xlsx": row(
        CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS
    ),
    "GET /catalog/editions/{edition_id}/export.pdf": row(CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS),
    "GET /catalog/editions/{old_id}/diff/{new_id}/export.xlsx": row(
        CATALOG_EDITORS, missing=EVERYONE - CATALOG_EDITORS
    ),
    "GET /catalog/categories": PUBLIC,
    "GET /catalog/occupations": PUBLIC,
    "GET /catalog/special-items": PUBLIC,
    "POST /catalog/editions": row(CATALOG_EDITORS),
    "PUT /catalog/editions/{edition_id}": row(CATALOG_EDITORS),
    "DELETE /catalog/editions/{edition_id}": row(CATALOG_EDITORS),
    "POST /catalog/editions/{edition_id}/copy": row(CATALOG_EDITORS),
    "POST /catalog/editions/{edition_id}/publish": row(CATALOG_EDITORS),
    "POST /catalog/editions/{edition_id}/items": row(CATALOG_EDITORS),
    "PUT /catalog/items/{item_id}": row(CATALOG_EDITORS),
    "DELETE /catalog/items/{item_id}": row(CATALOG_EDITORS),
    "POST /catalog/editions/{edition_id}/import": row(CATALOG_EDITORS),
    # providers: the public list; everything else needs providers.view_provider (+ the child's) and scope
    "GET /providers/listed": PUBLIC,
    "GET /providers": row(READ_A | {"other"}),
    "POST /providers": row(REVIEWERS_A),
    "GET /providers/{provider_id}": A_READ,
    "PUT /providers/{provider_id}": row(REVIEWERS_A, missing={"other"}),  # staff change the contact only: 403
    "PUT /providers/{provider_id}/contact": A_STAFF_WRITE,
    "POST /providers/{provider_id}/approve": A_REVIEW,
    "POST /providers/{provider_id}/reject": A_REVIEW,
    "POST /providers/{provider_id}/suspend": A_REVIEW,
    "POST /providers/{provider_id}/reinstate": A_REVIEW,
    "POST /providers/{provider_id}/remove": A_REVIEW,
    "GET /providers/{provider_id}/scope": A_READ,
    "PUT /providers/{provider_id}/scope": A_REVIEW,
    "GET /providers/{provider_id}/teachers": A_READ,
    "POST /providers/{provider_id}/teachers": A_STAFF_WRITE,
    "GET /providers/{provider_id}/teachers/{teacher_id}": A_READ,
    "PUT /providers/{provider_id}/teachers/{teacher_id}": A_STAFF_WRITE,
    "DELETE /providers/{provider_id}/teachers/{teacher_id}": A_STAFF_WRITE,
    "GET /providers/{provider_id}/venues": A_READ,
    "POST /providers/{provider_id}/venues": A_STAFF_WRITE,
    "GET /providers/{provider_id}/venues/{venue_id}": A_READ,
    "PUT /providers/{provider_id}/venues/{venue_id}": A_STAFF_WRITE,
    "DELETE /providers/{provider_id}/venues/{venue_id}": A_STAFF_WRITE,
    "GET /providers/{provider_id}/blacklist": A_READ,
    "POST /providers/{provider_id}/blacklist": row({"admin"}),  # providers.blacklist_provider
    "POST /providers/{provider_id}/blacklist/{entry_id}/lift": row({"admin"}),
    "GET /providers/{provider_id}/credit-events": A_READ,
    "POST /providers/{provider_id}/credit-events": A_REVIEW,
    "GET /providers/{provider_id}/credit-record": A_READ,
    # training: programs are public policy data
    "GET /training/programs": PUBLIC,
    "GET /training/programs/{program_id}": PUBLIC,
    "POST /training/programs": row({"admin"}),
    "PUT /training/programs/{program_id}": row({"admin"}),
    # classes (of provider A, handling area ZS)
    "GET /training/classes": row(TRAINING),
    "GET /training/classes/review-queue": row(REVIEWERS_A),
    "POST /training/classes": row(OWN | {"other"}),
    "GET /training/classes/{class_id}": A_READ,
    "PUT /training/classes/{class_id}": A_CLASS_WRITE,
    "DELETE /training/classes/{class_id}": A_CLASS_WRITE,
    "GET /training/classes/{class_id}/sessions": A_READ,
    "PUT /training/classes/{class_id}/sessions": A_CLASS_WRITE,
    "GET /training/classes/{class_id}/filing-check": A_READ,
    "POST /training/classes/{class_id}/file": A_CLASS_WRITE,
    "POST /training/classes/{class_id}/approve": A_CLASS_REVIEW,
    "POST /training/classes/{class_id}/return": A_CLASS_REVIEW,
    "POST /training/classes/{class_id}/reject": A_CLASS_REVIEW,
    "POST /training/classes/{class_id}/start": A_CLASS_WRITE,
    "POST /training/classes/{class_id}/finish": A_CLASS_WRITE,
    "POST /training/classes/{class_id}/assess": A_CLASS_WRITE,
    "POST /training/classes/{class_id}/close": A_CLASS_REVIEW,
    # people, enrollment, attendance, results (the person named is provider A's trainee)
    "POST /training/persons": row(OWN | {"other"}),
    "POST /training/persons/lookup": row(TRAINING),
    "GET /training/persons/{person_id}": A_READ,
    "GET /training/persons/{person_id}/enrollments": A_READ,
    "PUT /training/persons/{person_id}/groups/{group}": A_CLASS_WRITE,
    "DELETE /training/persons/{person_id}/groups/{group}": A_CLASS_WRITE,
    "GET /training/classes/{class_id}/enrollments": A_READ,
    "POST /training/classes/{class_id}/enrollments": A_CLASS_WRITE,
    "GET /training/enrollments/{enrollment_id}": A_READ,
    "POST /training/enrollments/{enrollment_id}/withdraw": A_CLASS_WRITE,
    "POST /training/sessions/{session_id}/checkins": A_CLASS_WRITE,
    "GET /training/classes/{class_id}/attendance": A_READ,
    "POST /training/classes/{class_id}/attendance": A_CLASS_WRITE,
    "GET /training/classes/{class_id}/results": A_READ,
    # certificates: downloads (ADR 0019) of a certificate from provider A's class, assessed by a ZS body
    "GET /certificates/{certificate_id}/certificate.pdf": CERTIFICATE_DOWNLOAD,
    "GET /certificates/{certificate_id}/credential": CERTIFICATE_DOWNLOAD,
    "GET /certificates/classes/{class_id}/certificates.pdf": A_READ,
    "POST /training/classes/{class_id}/results": A_CLASS_WRITE,
    "POST /training/classes/{class_id}/roster/import": A_CLASS_WRITE,
    # roster import jobs (started by provider A's staff): the importer's own provider only
    "GET /training/import-jobs/{job_id}": IMPORT_READ,
    "GET /audit/chain": row(AUDITORS),
    "GET /training/devices": row(PROVIDER_STAFF),
    "POST /training/devices": row(PROVIDER_STAFF),
    "POST /training/devices/{device_id}/revoke": row(OWN, missing={"other"}),
    "POST /training/device/classes/{class_id}/attendance": row(set(), denied="401"),  # a device's key only
    "POST /training/device/sessions/{session_id}/checkins": row(set(), denied="401"),
    "POST /training/classes/{class_id}/withdraw": A_CLASS_WRITE,
    # certificates: the staff's list and detail (issuance), history import, reporting upward
    "GET /certificates/certificates": CERT_LIST,
    "GET /certificates/certificates/{certificate_id}": CERT_READ_A,
    "POST /certificates/certificates/{certificate_id}/revoke": row({"admin"}),
    "POST /certificates/certificates/{certificate_id}/correct-holder": row({"admin"}),
    "POST /certificates/classes/{class_id}/completion-certificates": row(OWN | {"admin"}, missing={"other"}),
    "POST /certificates/imports": row({"admin"}),
    "GET /certificates/imports/{import_job_id}": row({"admin"}),
    "GET /certificates/reporting/summary": row({"admin"}),
    "POST /certificates/reporting/batches": row({"admin"}),
    "POST /certificates/reporting/receipts": row({"admin"}),
    "GET /training/import-jobs/{job_id}/report.xlsx": IMPORT_READ,
    # certificates: the evaluating-body registry (S body of ZS) and its results; the self-evaluation (Y body, ZS)
    "GET /certificates/bodies": row(CERT_READERS),
    "POST /certificates/bodies": row({"admin"}),
    "GET /certificates/bodies/{body_id}": row(BODY_READ, missing=CERT_READERS - BODY_READ),
    "PUT /certificates/bodies/{body_id}": row({"admin"}),
    "POST /certificates/bodies/{body_id}/sites": row({"admin"}),
    "PUT /certificates/bodies/{body_id}/sites/{site_id}": row({"admin"}),
    "POST /certificates/bodies/{body_id}/accreditations": row({"admin"}),
    "DELETE /certificates/bodies/{body_id}/accreditations/{accreditation_id}": row({"admin"}),
    "GET /certificates/bodies/{body_id}/results": row(BODY_READ, missing=CERT_READERS - BODY_READ),
    "POST /certificates/bodies/{body_id}/results": row(EVALUATOR, missing=CERT_READERS - BODY_READ),
    "POST /certificates/bodies/{body_id}/results/batch": row(EVALUATOR, missing=CERT_READERS - BODY_READ),
    "POST /certificates/bodies/{body_id}/results/import": row(EVALUATOR, missing=CERT_READERS - BODY_READ),
    "POST /certificates/bodies/{body_id}/results/issue": row(
        {"admin", "evaluator"}, missing=CERT_READERS - BODY_READ
    ),
    "GET /certificates/results/{assessment_id}": row(BUREAU, missing=CERT_READERS - BUREAU),
    "GET /certificates/self-evaluations/queue": row(CONFIRMERS),
    "POST /certificates/results/{assessment_id}/confirm": row(CONFIRMERS, missing=CERT_READERS - BUREAU),
    "POST /certificates/results/{assessment_id}/reject": row(CONFIRMERS, missing=CERT_READERS - BUREAU),
    # subsidies (rules): schemes and versions are read by everyone holding a claim permission; the city admin
    # edits and publishes them; the policy calculator writes nothing
    "GET /subsidies/schemes": row(SCHEME_READERS),
    "GET /subsidies/schemes/versions/{version_id}": row(SCHEME_READERS),
    "POST /subsidies/schemes/versions/{version_id}/drafts": row({"admin"}),
    "POST /subsidies/schemes/versions/{version_id}/publish": row({"admin"}),
    "POST /subsidies/schemes/versions/{version_id}/retire": row({"admin"}),
    "POST /subsidies/evaluate": row(SCHEME_READERS),
    "GET /subsidies/schemes/versions/{version_id}/simulation": row({"admin"}),
    "GET /subsidies/simulation/editions/{edition_id}": row(CATALOG_EDITORS),
    # subsidies: claims (the matrix claim: provider A's, ZS, submitted), review, filing, the worker's own
    "GET /subsidies/claims": row(CLAIM_READERS),
    "GET /subsidies/claims/queues/first": FIRST_REVIEW,
    "GET /subsidies/claims/queues/second": SECOND_REVIEW,
    "GET /subsidies/claims/{claim_id}": CLAIM_READ,
    "POST /subsidies/claims/{claim_id}/submit": CLAIM_FILER,
    "POST /subsidies/claims/{claim_id}/withdraw": CLAIM_FILER,
    "POST /subsidies/claims/{claim_id}/first-approve": FIRST_REVIEW,
    "POST /subsidies/claims/{claim_id}/second-approve": SECOND_REVIEW,
    "POST /subsidies/claim-selection/second-approve": SECOND_REVIEW,
    "POST /subsidies/claims/{claim_id}/return": FIRST_REVIEW,  # a submitted claim: the first step's
    "POST /subsidies/claims/{claim_id}/reject": FIRST_REVIEW,
    "POST /subsidies/claims/{claim_id}/override": FIRST_REVIEW,
    "POST /subsidies/claims/{claim_id}/archive": CLAIM_FINANCE,
    "POST /subsidies/classes/{class_id}/claims": row(OWN, missing={"other"}),
    "POST /subsidies/enrollments/{enrollment_id}/claim": row(OWN, missing=CLAIM_OUTSIDERS),
    "POST /subsidies/apprenticeship-claims": row({"employer"}),
    # the matrix certificate's body is not the evaluator's: 404 for every filer
    "POST /subsidies/certificates/{certificate_id}/claim": row(set(), missing=CLAIM_OUTSIDERS | OWN),
    "GET /subsidies/mine": ANY_USER,
    "POST /subsidies/mine/claims": NOBODYS,  # the certificate named is not the user's
    "POST /subsidies/mine/{claim_id}/objection": NOBODYS,
    "POST /subsidies/mine/{claim_id}/submit": NOBODYS,
    "GET /subsidies/mine/notifications": ANY_USER,
    "POST /subsidies/mine/notifications/{notification_id}/read": row({"worker"}, missing=USERS - {"worker"}),
    # the worker's own payee account: only a login matched to a person has one (everyone else: 404)
    "GET /subsidies/mine/account": row({"worker"}, missing=USERS - {"worker"}),
    "PUT /subsidies/mine/account": row({"worker"}, missing=USERS - {"worker"}),
    # subsidies: the anti-fraud findings (a ZS finding) and the external register snapshots
    "GET /subsidies/findings": row(FINDING_READERS),
    "GET /subsidies/findings/{finding_id}": row(FINDING_READERS),
    "POST /subsidies/findings/{finding_id}/resolve": row(AUDITORS),
    "GET /subsidies/audit-runs": row(AUDITORS),
    "GET /subsidies/registers": row(FINDING_READERS),
    "POST /subsidies/registers": row(AUDITORS),
}

# ---------------------------------------------------------------------------------------------------------------
# The screens: URL name → who may GET it, and who may POST to it (None: the screen does not take that method)


@dataclass(frozen=True)
class Screen:
    get: Row | None
    post: Row | None = None


LOGIN_PAGE = row(EVERYONE)
STAFF_READ_A = row(READ_A, missing={"other"})
SCREENS: dict[str, Screen] = {
    "portal:home": Screen(PUBLIC),
    "portal:healthz": Screen(PUBLIC),
    "accounts:login": Screen(LOGIN_PAGE, LOGIN_PAGE),
    "accounts:logout": Screen(None, row(EVERYONE)),
    "accounts:password_change": Screen(ANY_USER, ANY_USER),
    "accounts:tokens": Screen(row(TOKEN_HOLDERS), row(TOKEN_HOLDERS)),
    "accounts:revoke_token": Screen(None, row(OWN, missing=USERS - OWN)),
    "accounts:reveal": Screen(None, row({"admin"})),  # core.reveal_pii
    "accounts:profile": Screen(ANY_USER, ANY_USER),
    "accounts:language": Screen(None, ANY_USER),
    "set_language": Screen(None, PUBLIC),
    # catalog: the public pages show published editions (named here); the editors' pages the draft
    "catalog:public_list": Screen(PUBLIC),
    "catalog:public_editions": Screen(PUBLIC),
    "catalog:edition_detail": Screen(PUBLIC),  # the published edition (a draft's id: 404 for everyone)
    "catalog:edition_export_xlsx": Screen(PUBLIC),
    "catalog:edition_export_pdf": Screen(PUBLIC),
    "catalog:edition_diff": Screen(PUBLIC),
    "catalog:diff_export_xlsx": Screen(PUBLIC),
    "catalog:manage_editions": Screen(row(CATALOG_EDITORS)),
    "catalog:manage_create": Screen(None, row(CATALOG_EDITORS)),
    "catalog:manage_start_from": Screen(None, row(CATALOG_EDITORS)),
    "catalog:import_template": Screen(row(CATALOG_EDITORS)),
    "catalog:import_report": Screen(row(CATALOG_EDITORS)),
    "catalog:manage_edition": Screen(row(CATALOG_EDITORS)),
    "catalog:manage_update": Screen(None, row(CATALOG_EDITORS)),
    "catalog:manage_delete": Screen(None, row(CATALOG_EDITORS)),
    "catalog:manage_item_add": Screen(row(CATALOG_EDITORS), row(CATALOG_EDITORS)),
    "catalog:manage_item_edit": Screen(row(CATALOG_EDITORS), row(CATALOG_EDITORS)),
    "catalog:manage_item_remove": Screen(None, row(CATALOG_EDITORS)),
    "catalog:manage_import": Screen(None, row(CATALOG_EDITORS)),
    "catalog:manage_publish": Screen(None, row(CATALOG_EDITORS)),
    "audit:events": Screen(row(AUDITORS)),
    # providers
    "providers:listed": Screen(PUBLIC),
    "providers:list": Screen(row(TRAINING)),
    "providers:register": Screen(row(REVIEWERS_A), row(REVIEWERS_A)),
    "providers:detail": Screen(STAFF_READ_A),
    "providers:edit": Screen(A_STAFF_WRITE, A_STAFF_WRITE),  # staff: the contact only
    "providers:change_status": Screen(None, A_REVIEW_SCREEN),
    "providers:scope_add": Screen(None, A_REVIEW_SCREEN),
    "providers:scope_remove": Screen(None, A_REVIEW_SCREEN),
    "providers:teacher_add": Screen(None, A_STAFF_WRITE),
    "providers:teacher_edit": Screen(A_STAFF_WRITE, A_STAFF_WRITE),
    "providers:teacher_deactivate": Screen(None, A_STAFF_WRITE),
    "providers:venue_add": Screen(None, A_STAFF_WRITE),
    "providers:venue_edit": Screen(A_STAFF_WRITE, A_STAFF_WRITE),
    "providers:blacklist_add": Screen(None, row({"admin"}, missing={"other"})),
    "providers:blacklist_lift": Screen(None, row({"admin"}, missing={"other"})),
    "providers:credit_add": Screen(None, A_REVIEW_SCREEN),
    # training
    "training:class_list": Screen(row(TRAINING)),
    "training:class_create": Screen(row(OWN | {"other"}), row(OWN | {"other"})),
    "training:class_detail": Screen(STAFF_READ_A),
    "training:class_edit": Screen(A_CLASS_WRITE, A_CLASS_WRITE),
    "training:class_sessions": Screen(A_CLASS_WRITE, A_CLASS_WRITE),
    "training:class_delete": Screen(None, A_CLASS_WRITE),
    "training:class_file": Screen(None, A_CLASS_WRITE),
    "training:class_approve": Screen(None, A_CLASS_REVIEW),
    "training:class_return": Screen(None, A_CLASS_REVIEW),
    "training:class_reject": Screen(None, A_CLASS_REVIEW),
    "training:class_start": Screen(None, A_CLASS_WRITE),
    "training:class_finish": Screen(None, A_CLASS_WRITE),
    "training:class_assess": Screen(None, A_CLASS_WRITE),
    "training:class_close": Screen(None, A_CLASS_REVIEW),
    "training:review_queue": Screen(row(REVIEWERS_A)),
    # programs: the API lists active programs to everyone (public policy data); the screens are for those who
    # hold training.view_program
    "training:program_list": Screen(row(TRAINING)),
    "training:program_create": Screen(row({"admin"}), row({"admin"})),
    "training:program_detail": Screen(row(TRAINING)),
    "training:program_edit": Screen(row({"admin"}), row({"admin"})),
    "training:roster": Screen(STAFF_READ_A, A_CLASS_WRITE),
    "training:attendance": Screen(STAFF_READ_A, A_CLASS_WRITE),
    "training:results": Screen(STAFF_READ_A, A_CLASS_WRITE),
    "training:withdraw": Screen(None, A_CLASS_WRITE),
    "training:person": Screen(STAFF_READ_A, A_CLASS_WRITE),
    "training:person_group_remove": Screen(None, A_CLASS_WRITE),
    "training:roster_import": Screen(A_CLASS_WRITE, A_CLASS_WRITE),
    "training:roster_import_template": Screen(row(OWN | {"other"})),
    "training:import_job": Screen(IMPORT_READ),
    "accounts:holiday_year": Screen(row({"admin"}), row({"admin"})),
    "accounts:holiday_years": Screen(row({"admin"})),
    "audit:chain": Screen(row(AUDITORS), row(AUDITORS)),
    "providers:list_export": Screen(row(READ_A | {"other"})),
    "training:attendance_export": Screen(STAFF_READ_A),
    "training:class_list_export": Screen(row(TRAINING)),
    "training:class_withdraw": Screen(None, A_CLASS_WRITE),
    "training:device_revoke": Screen(None, row(OWN, missing={"other"})),
    "training:devices": Screen(row(PROVIDER_STAFF), row(PROVIDER_STAFF)),
    "training:results_export": Screen(STAFF_READ_A),
    "training:review_queue_export": Screen(row(REVIEWERS_A)),
    "training:roster_export": Screen(STAFF_READ_A),
    "training:import_job_report": Screen(IMPORT_READ),
    # certificates: the registry and the results of the matrix's S body (ZS); the self-evaluation queue
    "certificates:body_list": Screen(row(CERT_READERS)),
    "certificates:body_create": Screen(row({"admin"}), row({"admin"})),
    "certificates:body_detail": Screen(row(BODY_READ, missing=CERT_READERS - BODY_READ)),
    "certificates:body_edit": Screen(row({"admin"}), row({"admin"})),
    "certificates:site_add": Screen(None, row({"admin"})),
    "certificates:site_edit": Screen(row({"admin"}), row({"admin"})),
    "certificates:accreditation_add": Screen(None, row({"admin"})),
    "certificates:accreditation_remove": Screen(None, row({"admin"})),
    "certificates:results": Screen(
        row(BODY_READ, missing=CERT_READERS - BODY_READ), row(EVALUATOR, missing=CERT_READERS - BODY_READ)
    ),
    # the batch sheet and the import check the recording permission first (provider staff: 403)
    "certificates:results_class": Screen(
        row(EVALUATOR, missing={"employer"}), row(EVALUATOR, missing={"employer"})
    ),
    "certificates:results_import": Screen(
        row(EVALUATOR, missing={"employer"}), row(EVALUATOR, missing={"employer"})
    ),
    "certificates:results_issue": Screen(None, row({"admin", "evaluator"}, missing=CERT_READERS - BODY_READ)),
    "certificates:selfevaluation_queue": Screen(row(CONFIRMERS)),
    "certificates:selfevaluation_decide": Screen(None, row(CONFIRMERS)),
    "certificates:certificate_list": Screen(CERT_LIST),
    "certificates:certificate_list_export": Screen(CERT_LIST),
    "certificates:certificate_detail": Screen(CERT_READ_A),
    "certificates:certificate_revoke": Screen(None, row({"admin"})),
    "certificates:certificate_correct": Screen(None, row({"admin"})),
    "certificates:certificate_import": Screen(row({"admin"}), row({"admin"})),
    "certificates:certificate_import_job": Screen(row({"admin"})),
    "certificates:certificate_import_report": Screen(row({"admin"})),
    "certificates:reporting": Screen(row({"admin"})),
    "certificates:reporting_export": Screen(None, row({"admin"})),
    "certificates:reporting_receipts": Screen(None, row({"admin"})),
    "certificates:reporting_batch_file": Screen(row({"admin"})),
    # subsidies (rules): the schemes and their versions; a new draft and publishing are the city admin's
    "subsidies:scheme_list": Screen(row(SCHEME_READERS)),
    "subsidies:scheme_version_detail": Screen(row(SCHEME_READERS)),
    "subsidies:scheme_version_new": Screen(row({"admin"}), row({"admin"})),
    "subsidies:scheme_version_publish": Screen(None, row({"admin"})),
    "subsidies:scheme_version_simulation": Screen(row({"admin"})),
    "subsidies:edition_simulation": Screen(row(CATALOG_EDITORS)),
    # the Django admin (back office): its index stands for it; each model admin checks Django's model permissions
    # certificates: public verification (page and QR link), the employers' batch, a user's own certificates
    "certificates:verify": Screen(PUBLIC, PUBLIC),
    "certificates:verify_link": Screen(PUBLIC),
    "certificates:verify_batch": Screen(row({"employer"}), row({"employer"})),
    "certificates:mine": Screen(ANY_USER),
    "admin:index": Screen(row(STAFF_SITE, denied="login"), None),
    # certificates: downloads and the public documents of verifiable credentials (ADR 0019)
    "certificates:certificate_pdf": Screen(CERTIFICATE_DOWNLOAD),
    "certificates:certificate_credential": Screen(CERTIFICATE_DOWNLOAD),
    "certificates:class_certificates_pdf": Screen(A_READ),
    "credentials:jwks": Screen(PUBLIC),
    "credentials:issuer": Screen(PUBLIC),
    "credentials:status_list": Screen(PUBLIC),
    # subsidies
    "subsidies:claim_list": Screen(row(CLAIM_READERS)),
    "subsidies:claim_list_export": Screen(row(CLAIM_READERS)),
    "subsidies:claim_detail": Screen(CLAIM_READ),
    "subsidies:claim_submit": Screen(None, CLAIM_FILER),
    "subsidies:claim_correct": Screen(None, CLAIM_FILER),
    "subsidies:claim_withdraw": Screen(None, CLAIM_FILER),
    "subsidies:claim_first_approve": Screen(None, FIRST_REVIEW),
    "subsidies:claim_second_approve": Screen(None, SECOND_REVIEW),
    "subsidies:claim_return": Screen(None, FIRST_REVIEW),
    "subsidies:claim_reject": Screen(None, FIRST_REVIEW),
    "subsidies:claim_override": Screen(None, FIRST_REVIEW),
    "subsidies:claim_archive": Screen(None, CLAIM_FINANCE),
    "subsidies:class_claims": Screen(row(OWN, missing={"other"}), row(OWN, missing={"other"})),
    "subsidies:enrollment_claim": Screen(None, row(OWN, missing=CLAIM_OUTSIDERS)),
    "subsidies:apprenticeship_claim": Screen(row({"employer"}), row({"employer"})),
    "subsidies:assessment_claim": Screen(None, row(set(), missing=CLAIM_OUTSIDERS | OWN)),
    "subsidies:queue_first": Screen(FIRST_REVIEW),
    "subsidies:queue_first_bulk": Screen(None, FIRST_REVIEW),
    "subsidies:queue_second": Screen(SECOND_REVIEW),
    "subsidies:queue_second_bulk": Screen(None, SECOND_REVIEW),
    "subsidies:mine": Screen(ANY_USER),
    "subsidies:mine_objection": Screen(None, NOBODYS),
    "subsidies:mine_file": Screen(ANY_USER, ANY_USER),
    "subsidies:mine_submit": Screen(None, NOBODYS),
    "subsidies:mine_correct": Screen(None, NOBODYS),
    "subsidies:mine_messages": Screen(ANY_USER),
    "subsidies:mine_message_read": Screen(None, ANY_USER),
    # subsidies: the public 公示 pages, the second reviewers' notices and objections, finance's screens
    "subsidies:publicity_public_list": Screen(PUBLIC),
    "subsidies:publicity_public_detail": Screen(PUBLIC, PUBLIC),
    "subsidies:publicity_public_xlsx": Screen(PUBLIC),
    "subsidies:publicity_public_pdf": Screen(PUBLIC),
    "subsidies:publicity_review_list": Screen(row(CLAIM_READERS)),
    "subsidies:publicity_review_detail": Screen(row(BUREAU, missing=NOTICE_OUTSIDERS)),
    "subsidies:publicity_review_list_export": Screen(row(CLAIM_READERS)),
    "subsidies:publicity_review_detail_export": Screen(row(BUREAU, missing=NOTICE_OUTSIDERS)),
    "subsidies:publicity_review_approve": Screen(None, row({"admin", "reviewer2"})),
    "subsidies:publicity_review_approve_ended": Screen(None, row({"admin", "reviewer2"})),
    "subsidies:objection_list": Screen(row(CLAIM_READERS)),
    "subsidies:objection_export": Screen(row(CLAIM_READERS)),
    "subsidies:objection_detail": Screen(
        row(BUREAU, missing=NOTICE_OUTSIDERS),
        row({"admin", "reviewer1", "reviewer2"}, missing=NOTICE_OUTSIDERS),
    ),
    "subsidies:batch_list": Screen(row(FINANCE_READ)),
    "subsidies:batch_list_export": Screen(row(FINANCE_READ)),
    "subsidies:batch_create": Screen(None, row(FINANCE)),
    "subsidies:batch_detail": Screen(row(FINANCE_READ)),
    "subsidies:batch_lines_export": Screen(row(FINANCE_READ)),
    "subsidies:bank_file": Screen(row(FINANCE)),
    "subsidies:batch_mark_paid": Screen(None, row(FINANCE)),
    "subsidies:clawback_list": Screen(row(FINANCE_READ)),
    "subsidies:clawback_list_export": Screen(row(FINANCE_READ)),
    "subsidies:clawback_detail": Screen(row(FINANCE_READ), row(FINANCE)),
    "subsidies:claim_clawback": Screen(row(FINANCE), row(FINANCE)),
    "subsidies:payee_account": Screen(row(FINANCE), row(FINANCE)),
    "subsidies:my_account": Screen(ANY_USER, ANY_USER),  # one's own account (none without an ID on file)
    # subsidies: the anti-fraud findings queue (a ZS finding) and the external registers
    "subsidies:finding_list": Screen(row(FINDING_READERS)),
    "subsidies:finding_export": Screen(row(FINDING_READERS)),
    "subsidies:audit_run": Screen(None, row(AUDITORS)),
    "subsidies:finding_detail": Screen(row(FINDING_READERS)),
    "subsidies:finding_resolve": Screen(None, row(AUDITORS)),
    "subsidies:register_list": Screen(row(FINDING_READERS), row(AUDITORS)),
}


# ---------------------------------------------------------------------------------------------------------------
# The objects every request names: provider A's (ZS) unless the row says otherwise


def _reference() -> dict[str, Any]:
    category = Category.objects.update_or_create(
        code="equipment", defaults={"name": "装备制造", "sort_order": 10}
    )[0]
    ref: dict[str, Any] = {"category": category}
    for key, code, name in (
        ("electrician", "6-31-01-03", "电工"),
        ("welder", "6-18-02-04", "焊工"),
        ("carer", "4-10-01-05", "养老护理员"),
        ("robot", "6-31-07-03", "工业机器人系统操作员"),
    ):
        ref[key] = Occupation.objects.update_or_create(code=code, defaults={"name": name})[0]
    ref["media"] = SpecialItem.objects.update_or_create(
        code="ZX210200-001", defaults={"name": "数字新媒体制作", "kind": "special"}
    )[0]
    start = today() - dt.timedelta(days=200)
    published = Edition.objects.create(
        name="矩阵测试现行版",
        year=start.year,
        status=EditionStatus.PUBLISHED,
        effective_from=start,
        published_at=timezone.now(),
    )
    draft = Edition.objects.create(name="矩阵测试草稿", year=start.year + 1, status=EditionStatus.DRAFT)

    def item(edition: Edition, level: int, amount: str) -> CatalogItem:
        return CatalogItem.objects.create(
            edition=edition,
            kind="occupation",
            occupation=ref["electrician"],
            level=level,
            category=category,
            subsidy_standard=Decimal(amount),
            min_lesson_hours=40,
        )

    ref.update(
        published=published, draft=draft, item=item(published, 5, "800"), draft_item=item(draft, 5, "900")
    )
    item(published, 4, "1200")
    return ref


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["行号", "列", "原因"])
    workbook.active.append([2, "身份证号", "身份证号有误"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _user(role: Role, username: str, **extra: Any) -> User:
    return create_user(actor=None, username=username, password="Matrix-pass-2025", roles=[role], **extra)


def _certificate_world(ref: dict[str, Any], users: dict[str, User], zs: HandlingArea) -> dict[str, Any]:
    """An S body of ZS with a site and an accreditation, its staff ``evaluator``, and a Y body of ZS whose
    self-evaluation awaits the bureau's confirmation."""
    body = EvaluatingBody.objects.create(kind="S", code="0903", name="矩阵评价中心二", handling_area=zs)
    site = EvaluationSite.objects.create(body=body, code="210291", name="矩阵考点", handling_area=zs)
    accreditation = Accreditation.objects.create(body=body, occupation=ref["electrician"], levels=[5, 4])
    users["evaluator"] = _user(Role.EVALUATOR_STAFF, "m_evaluator")
    EvaluatorMembership.objects.create(user=users["evaluator"], body=body)
    employer = EvaluatingBody.objects.create(kind="Y", code="0904", name="矩阵企业", handling_area=zs)
    employer_site = EvaluationSite.objects.create(
        body=employer, code="210292", name="矩阵企业站", handling_area=zs
    )
    assessment = LevelAssessment.objects.create(
        kind=LevelAssessment.Kind.SELF_EVALUATION,
        status=LevelAssessment.Status.RECORDED,
        person=make_person("矩阵职工"),
        body=employer,
        site=employer_site,
        occupation=ref["electrician"],
        level=4,
        theory_score=Decimal("80"),
        practical_score=Decimal("80"),
        passed=True,
        assessed_on=today(),
    )
    return {
        "body_id": body.pk,
        "site_id": site.pk,
        "accreditation_id": accreditation.pk,
        "assessment_id": assessment.pk,
    }


def _certificates(ref: dict[str, Any], finished_class: Any, admin: User) -> dict[str, int]:
    """An evaluating body of 中山区 with a certificate from provider A's finished class, an import job with its
    report, and a report batch with its exchange file."""
    from lijiao.certificates.models import ReportBatch

    zs = HandlingArea.objects.get(code="ZS")
    body = EvaluatingBody.objects.create(kind="S", code="0901", name="矩阵评价中心", handling_area=zs)
    site = EvaluationSite.objects.create(body=body, code="210202", name="矩阵考点", handling_area=zs)
    holder = finished_class.enrollments.get().person
    certificate = Certificate.objects.create(
        certificate_type="skill_level",
        number=f"S090121210202{today():%y}5000001",
        holder=holder,
        holder_name=holder.name,
        occupation=ref["electrician"],
        subject_name="电工",
        level=5,
        body=body,
        site=site,
        issuer_name=body.name,
        issued_on=finished_class.end_date,
        source="assessment",
        training_class=finished_class,
        report_status="pending",
        status_index=900_001,
    )
    job = ImportJob.objects.create(
        kind="certificates.history", file_name="history.csv", created_by=admin, status=ImportJob.Status.FAILED
    )
    job.report.save("matrix-certificates.xlsx", ContentFile(_xlsx()), save=True)
    batch = ReportBatch.objects.create(certificate_count=0, created_by=admin)
    batch.file.save("matrix-report.xlsx", ContentFile(_xlsx()), save=True)
    return {
        "certificate_id": certificate.pk,
        "import_job_id": job.pk,
        "batch_id": batch.pk,
        "list_id": certificate.status_index // 131_072,
    }


def _scheme_world(users: dict[str, User]) -> SchemeVersion:
    """The default subsidy schemes and a draft version of the training scheme (subsidies, rules)."""
    install_default_schemes(actor=None)
    base = SchemeVersion.objects.get(scheme__kind="training", number=1)
    return create_draft_version(actor=users["admin"], base=base, effective_from=dt.date(2030, 1, 1))


def _subsidies(
    ref: dict[str, Any], users: dict[str, User], provider: Any, finished_class: Any, zs: HandlingArea
) -> dict[str, int]:
    """A submitted claim (passed its rules) for a trainee of provider A's finished class, handled in ZS; the
    worker login is a person with one in-app message."""
    from lijiao.people.models import Notification
    from lijiao.subsidies.models import Claim, Scheme

    scheme, _ = Scheme.objects.get_or_create(kind="training", defaults={"name": "职业培训补贴"})
    claim = Claim.objects.create(
        number=f"BT{today():%Y}900001",
        scheme=scheme,
        kind="training",
        status="submitted",
        person=make_person("矩阵补贴对象"),
        applicant=Claim.Applicant.PROVIDER,
        applicant_name=provider.name,
        provider=provider,
        training_class=finished_class,
        catalog_item=ref["item"],
        handling_area=zs,
        application_date=today(),
        amount=Decimal("800"),
        decision_passed=True,
        submitted_at=timezone.now(),
        created_by=users["provider"],
    )
    worker_person = make_person("矩阵劳动者")
    worker = users["worker"]
    worker.citizen_id = worker_person.citizen_id
    worker.save()
    note = Notification.objects.create(person=worker_person, kind="test", title="矩阵消息")
    return {"claim_id": claim.pk, "notification_id": note.pk}


def _subsidies_payment(users: dict[str, User], zs: HandlingArea, person: Any) -> dict[str, Any]:
    """A 公示 of ZS running now with a claim and an open objection, an approved claim with a payee account, a
    batch paying a claim, and a clawback: the ids the 公示 and payment requests name."""
    from lijiao.subsidies.models import (
        Claim,
        ClaimStatus,
        Clawback,
        Objection,
        PayeeAccount,
        PaymentBatch,
        PaymentLine,
        Publicity,
        Scheme,
    )

    scheme = Scheme.objects.get_or_create(kind="training", defaults={"name": "职业培训补贴"})[0]
    notice = Publicity.objects.create(
        number="GS2099000901",
        title="矩阵公示",
        handling_area=zs,
        starts_on=today() - dt.timedelta(days=2),
        ends_on=today() + dt.timedelta(days=3),
        objection_contact="矩阵",
        created_by=users["reviewer2"],
    )

    def claim(number: str, status: str, **extra: Any) -> Claim:
        return Claim.objects.create(
            number=number,
            scheme=scheme,
            kind="training",
            status=status,
            person=person,
            applicant="worker",
            applicant_name=person.name,
            handling_area=zs,
            amount=Decimal("800"),
            **extra,
        )

    on_notice = claim("BTM0000001", ClaimStatus.PUBLICITY, publicity=notice)
    claim("BTM0000002", ClaimStatus.APPROVED)
    paid = claim("BTM0000003", ClaimStatus.PAID)
    clawed = claim("BTM0000004", ClaimStatus.CLAWED_BACK)
    PayeeAccount.objects.create(person=person, bank_name="矩阵银行", account_number="6222000011112222")
    objection = Objection.objects.create(claim=on_notice, source="public", text="矩阵异议")
    batch = PaymentBatch.objects.create(number="PB2099000901", created_by=users["finance"])
    PaymentLine.objects.create(batch=batch, claim=paid, amount=Decimal("800"), payee_name=person.name)
    clawback = Clawback.objects.create(
        claim=clawed, reason="矩阵", amount=Decimal("800"), created_by=users["finance"]
    )
    ids = {
        "number": notice.number,
        "objection_id": objection.pk,
        "payment_batch_id": batch.pk,
        "clawback_id": clawback.pk,
    }
    screens: dict[str, dict[str, Any]] = {
        f"subsidies:{name}": {"number": notice.number}
        for name in ("publicity_public_detail", "publicity_public_xlsx", "publicity_public_pdf")
    }
    screens |= {
        f"subsidies:{n}": {"pk": notice.pk}
        for n in ("publicity_review_detail", "publicity_review_detail_export", "publicity_review_approve")
    }
    screens |= {
        f"subsidies:{n}": {"pk": batch.pk} for n in ("batch_detail", "batch_lines_export", "batch_mark_paid")
    }
    screens["subsidies:bank_file"] = {"pk": batch.pk, "fmt": "csv"}
    screens["subsidies:objection_detail"] = {"pk": objection.pk}
    screens["subsidies:clawback_detail"] = {"pk": clawback.pk}
    screens["subsidies:claim_clawback"] = {"pk": paid.pk}
    api_ids = {"POST /subsidies/publicity/claims/{claim_id}/approve": {"claim_id": on_notice.pk}}
    return {"ids": ids, "screen_ids": screens, "api_ids": api_ids}


def _build() -> dict[str, Any]:
    ref = _reference()
    zs, xg = HandlingArea.objects.get(code="ZS"), HandlingArea.objects.get(code="XG")
    provider = _make_provider(ref, serial=901, area="ZS", name="矩阵甲职业培训学校")
    other = _make_provider(ref, serial=902, area="XG", name="矩阵乙职业培训学校")
    users = {
        "admin": _user(Role.CITY_ADMIN, "m_admin"),
        "catalog": _user(Role.CATALOG_OFFICER, "m_catalog"),
        "clerk": _user(Role.DISTRICT_CLERK, "m_clerk", handling_area=zs),
        "reviewer1": _user(Role.FIRST_REVIEWER, "m_reviewer1", handling_area=zs),
        "reviewer2": _user(Role.SECOND_REVIEWER, "m_reviewer2", handling_area=zs),
        "finance": _user(Role.FINANCE, "m_finance"),
        "leader": _user(Role.LEADERSHIP, "m_leader"),
        "auditor": _user(Role.AUDITOR, "m_auditor"),
        "provider": _user(Role.PROVIDER_STAFF, "m_provider", provider=provider),
        "other": _user(Role.PROVIDER_STAFF, "m_other", provider=other),
        "employer": _user(Role.EMPLOYER_STAFF, "m_employer"),
        "school": _user(Role.SCHOOL_STAFF, "m_school"),
        "worker": _user(Role.WORKER, "m_worker"),
    }
    certificates = _certificate_world(ref, users, zs)
    scheme_draft = _scheme_world(users)
    del xg
    program = Program.objects.create(
        kind=Program.Kind.GENERAL,
        code="MATRIX-1",
        name="矩阵测试项目",
        year=today().year,
        eligibility_rule={"all": [{"fact": "age", "op": ">=", "value": 16, "label": "年满16周岁"}]},
        quota=1000,
    )
    training_class = make_class(provider, ref["item"], status=ClassStatus.APPROVED, program=program)
    finished_class = make_class(provider, ref["item"], status=ClassStatus.FINISHED, program=program)
    Enrollment.objects.create(training_class=finished_class, person=make_person("结业学员"))
    person = make_person("矩阵学员", phone="13812345678")
    PersonGroup.objects.create(person=person, group=PersonGroup.Group.UNEMPLOYED, registration_number="DL-1")
    enrollment = Enrollment.objects.create(training_class=training_class, person=person)
    blacklist = BlacklistEntry.objects.create(
        provider=provider,
        reason="过期记录",
        starts_on=today() - dt.timedelta(days=800),
        ends_on=today() - dt.timedelta(days=400),
        created_by=users["admin"],
    )
    CreditEvent.objects.create(
        provider=provider,
        kind=CreditEvent.Kind.COMPLAINT,
        occurred_on=today(),
        description="投诉",
        points=-1,
        created_by=users["clerk"],
    )
    roster_job = ImportJob.objects.create(
        kind="training.roster",
        file_name="roster.csv",
        created_by=users["provider"],
        target_type="training.trainingclass",
        target_id=str(training_class.pk),
        status=ImportJob.Status.FAILED,
    )
    roster_job.report.save("matrix-roster.xlsx", ContentFile(_xlsx()), save=True)
    catalog_job = ImportJob.objects.create(
        kind="catalog.edition_items",
        file_name="items.xlsx",
        created_by=users["catalog"],
        target_type="catalog.edition",
        target_id=str(ref["draft"].pk),
        status=ImportJob.Status.FAILED,
    )
    catalog_job.report.save("matrix-catalog.xlsx", ContentFile(_xlsx()), save=True)
    certificate_ids = _certificates(ref, finished_class, users["admin"])
    subsidy_ids = _subsidies(ref, users, provider, finished_class, zs)
    token, _raw = create_api_token(actor=users["provider"], name="矩阵")
    certificate = Certificate.objects.create(  # verified by number + name and by its QR link (public)
        certificate_type=CertificateType.SKILL_LEVEL,
        number="S000121210201254000901",
        holder=person,
        holder_name=person.name,
        issued_on=today(),
        source=Certificate.Source.IMPORT,
        status_index=990_001,
    )
    device, _device_key = register_device(actor=users["provider"], name="矩阵考勤机", methods=["face"])
    subsidies = _subsidies_payment(users, zs, person)
    finding = Finding.objects.create(
        check_code="shared_phone",
        fingerprint="matrix-finding",
        summary="矩阵测试发现",
        evidence={"person_count": 4},
        handling_area=zs,
    )
    session = training_class.sessions.order_by("starts_at").first()
    assert session is not None
    ids = {
        "provider_id": provider.pk,
        "teacher_id": provider.fixture_teachers[0].pk,
        "venue_id": provider.fixture_venue.pk,
        "entry_id": blacklist.pk,
        "edition_id": ref["draft"].pk,
        "old_id": ref["published"].pk,
        "new_id": ref["draft"].pk,
        "item_id": ref["draft_item"].pk,
        "program_id": program.pk,
        "class_id": training_class.pk,
        "person_id": person.pk,
        "group": PersonGroup.Group.UNEMPLOYED.value,
        "enrollment_id": enrollment.pk,
        "session_id": session.pk,
        "job_id": roster_job.pk,
        "token_id": token.pk,
        "device_id": device.pk,
        "finding_id": finding.pk,
        "year": today().year + 1,
        "user_id": users["provider"].pk,
        "field": "phone",
        "action": "suspend",
        **certificates,
        **certificate_ids,
        "version_id": scheme_draft.pk,
        **subsidy_ids,
        "token": certificate.verification_token,
        **subsidies["ids"],
        "api_ids": subsidies["api_ids"],
    }
    screen_ids = {  # URL kwargs of the screens where they differ from the API's names
        "pk": {
            "providers": provider.pk,
            "training:program": program.pk,
            "training": training_class.pk,
            "certificates": certificates["body_id"],
        },
        "catalog:import_report": {"job_id": catalog_job.pk},
        "training:results": {"class_id": finished_class.pk},
        "training:device_revoke": {"pk": device.pk},  # results are recorded once a class has finished
        # the public catalog pages show published editions only (the draft's id answers 404 to everyone)
        "catalog:edition_detail": {"edition_id": ref["published"].pk},
        "catalog:edition_export_xlsx": {"edition_id": ref["published"].pk},
        "catalog:edition_export_pdf": {"edition_id": ref["published"].pk},
        "catalog:edition_diff": {"old_id": ref["published"].pk, "new_id": ref["published"].pk},
        "catalog:diff_export_xlsx": {"old_id": ref["published"].pk, "new_id": ref["published"].pk},
        "certificates:certificate_detail": {"pk": certificate_ids["certificate_id"]},
        "subsidies:finding_detail": {"pk": finding.pk},
        "subsidies:finding_resolve": {"pk": finding.pk},
        "certificates:certificate_revoke": {"pk": certificate_ids["certificate_id"]},
        "certificates:certificate_correct": {"pk": certificate_ids["certificate_id"]},
        "certificates:certificate_import_job": {"job_id": certificate_ids["import_job_id"]},
        "certificates:certificate_import_report": {"job_id": certificate_ids["import_job_id"]},
        "providers:scope_remove": {
            "entry_id": ProviderScope.objects.filter(provider=provider).values_list("pk", flat=True)[0]
        },
        **subsidies["screen_ids"],
    }
    return {
        "users": users,
        "ids": ids,
        "screen_ids": screen_ids,
        "person": person,
        "provider": provider,
        "class": training_class,
    }


# ---------------------------------------------------------------------------------------------------------------
# Requests: a schema-valid body for every write (built from the OpenAPI document, a few values given), a
# rollback around each request, and what a refused write must leave alone

API_PREFIX = "/api/v1"
OPENAPI = api.get_openapi_schema()
BODY_VALUES: dict[str, Any] = {  # values the schema alone cannot invent
    "credit_code": "91210202MA0Q000009",
    "handling_area": "ZS",
    "citizen_id": "210202199001011234",
    "value": "210202199001011234",
    "phone": "",
    "contact_phone": "",
    "subject_code": "6-31-01-03",
    "category_code": "equipment",
    "attendance_threshold": "0.8",
    "subsidy_standard": "800.00",
    "occupations": [],
    "special_items": [],
    "sessions": [],
    "person_ids": [],
    "rows": [],
    "teacher_ids": [],
    "reason": "矩阵测试",
    "name": "矩阵测试",
    "level": 5,
    "capacity": 30,
    "year": 2030,
    "ttl_days": 30,
}

BODY_OVERRIDES: dict[str, dict[str, Any]] = {  # per operation, where one field name means different things
    "POST /catalog/editions/{edition_id}/items": {"kind": "occupation"},
    "PUT /catalog/items/{item_id}": {"kind": "occupation"},
    "POST /providers/{provider_id}/credit-events": {"kind": "complaint"},
    "POST /training/programs": {"kind": "general"},
    "PUT /training/programs/{program_id}": {"kind": "general"},
    "POST /training/devices": {"name": "矩阵考勤机二号", "methods": ["face"]},
    "POST /certificates/bodies": {"kind": "S"},
    "PUT /certificates/bodies/{body_id}": {"kind": "S"},
    "POST /certificates/verify": {"number": "S000121210201254000901", "name": "矩阵学员"},
}
QUERIES = {"GET /core/calendar/add-working-days": "?start=2026-01-05&days=3"}


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = OPENAPI["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


_BY_TYPE: dict[str, Any] = {
    "object": lambda schema: _body(schema),
    "array": lambda schema: [],
    "integer": lambda schema: max(1, schema.get("minimum", 1)),
    "number": lambda schema: 1,
    "boolean": lambda schema: False,
}
_BY_FORMAT: dict[str, Any] = {
    "date": lambda: (today() + dt.timedelta(days=30)).isoformat(),
    "date-time": lambda: timezone.now().isoformat(),
}


def _value(name: str, schema: dict[str, Any]) -> Any:
    """A value the schema accepts for field ``name``: given, the first choice, the default, or one of its type."""
    if name in BODY_VALUES:
        return BODY_VALUES[name]
    schema = _resolve(schema)
    options = [o for key in ("anyOf", "oneOf", "allOf") for o in schema.get(key, ())]
    options = [o for o in options if _resolve(o).get("type") != "null"]
    if options:
        value = _value(name, options[0])
    elif "enum" in schema:
        value = schema["enum"][0]
    elif "default" in schema:
        value = schema["default"]
    elif schema.get("type") in _BY_TYPE:
        value = _BY_TYPE[schema["type"]](schema)
    else:
        value = _BY_FORMAT.get(schema.get("format", ""), lambda: "矩阵")()
    return value


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    schema = _resolve(schema)
    properties = schema.get("properties", {})
    return {name: _value(name, properties[name]) for name in schema.get("required", [])}


def _api_operations() -> dict[str, dict[str, Any]]:
    operations = {}
    for path, methods in OPENAPI["paths"].items():
        for method, operation in methods.items():
            operations[f"{method.upper()} {path.removeprefix(API_PREFIX)}"] = operation
    return operations


def _screen_patterns(patterns: list[Any] | None = None, namespace: str = "") -> Iterator[tuple[str, str]]:
    """(URL name, route) of every screen: the URL map without the API (covered above) and the admin's models."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "api":
                continue
            if entry.namespace == "admin":
                yield "admin:index", "admin/"
                continue
            yield from _screen_patterns(entry.url_patterns, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield (f"{namespace}:{entry.name}" if namespace else str(entry.name)), str(entry.pattern)


@functools.cache
def _fingerprint_sql() -> str:
    parts = []
    tables = set(connection.introspection.table_names())
    for model in apps.get_models():
        if model._meta.db_table not in tables or model._meta.proxy:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608  (table names from the models, quoted)
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            parts.append(f"(SELECT MAX(updated_at) FROM {table})")  # noqa: S608
    return "SELECT " + ", ".join(parts)


def _fingerprint() -> tuple[Any, ...]:
    """Row counts of every table and the newest ``updated_at`` where there is one: one query."""
    with connection.cursor() as cursor:
        cursor.execute(_fingerprint_sql())
        return tuple(cursor.fetchone())


REFUSED = frozenset({"401", "403", "404", "login"})


def _outcome(response: Any) -> str:
    status = response.status_code
    if status in (301, 302) and "/login/" in response.get("Location", ""):
        return "login"
    if status in (401, 403, 404, 405):
        return str(status)
    if status == 422:
        return "422"  # a body the schema refuses: the matrix's bodies must never get it
    assert status < 500, f"{status}: {response.content[:300]!r}"
    return "ok"


BASELINE: list[
    tuple[Any, ...]
] = []  # the world's fingerprint: every request starts from it (all are rolled back)


def _send(
    client: Client, method: str, url: str, *, body: Any = None, files: dict[str, Any] | None = None
) -> str:
    """One request inside a transaction that is rolled back; a refused write must not have written anything."""
    cookies = client.cookies  # a login, logout or language switch must not carry over to the next request
    client.cookies = SimpleCookie({key: morsel.value for key, morsel in cookies.items()})
    try:
        return _send_once(client, method, url, body=body, files=files)
    finally:
        client.cookies = cookies


def _send_once(client: Client, method: str, url: str, *, body: Any, files: dict[str, Any] | None) -> str:
    with transaction.atomic():
        before = BASELINE[0] if method != "GET" else None
        if files is not None:
            response = client.post(url, files)
        elif method == "GET":
            response = client.get(url)
        elif body is None:
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, method.lower())(url, json.dumps(body), content_type="application/json")
        outcome = _outcome(response)
        if before is not None and outcome in REFUSED:
            assert _fingerprint() == before, f"{method} {url}: refused ({outcome}) but wrote something"
        transaction.set_rollback(True)
    return outcome


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The objects and one logged-in client per role, built once for the module (rolled back at its end)."""
    media = tempfile.TemporaryDirectory()
    quiet = mock.patch.object(logging.getLogger("django.request"), "disabled", True)  # ~1,500 refusals logged
    fake_pdf = mock.patch("lijiao.catalog.exporters.edition_pdf", return_value=b"%PDF-1.4 matrix")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media.name),
        fake_pdf,
        quiet,
        media,
        transaction.atomic(),
    ):
        built = _build()
        clients = {"anon": Client()}
        for role, user in built["users"].items():
            client = Client()
            client.force_login(user)
            clients[role] = client
        built["clients"] = clients
        BASELINE[:] = [_fingerprint()]
        yield built
        transaction.set_rollback(True)


def _api_url(key: str, ids: dict[str, Any]) -> tuple[str, str]:
    method, path = key.split(" ", 1)
    ids = ids | ids.get("api_ids", {}).get(
        key, {}
    )  # an operation whose path names another object than the rest
    url = API_PREFIX + re.sub(r"{(\w+)}", lambda m: str(ids[m.group(1)]), path)
    return method, url + QUERIES.get(key, "")


def _api_request(key: str, operation: dict[str, Any]) -> dict[str, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        return {"files": {"file": ContentFile(b"name,citizen_id\n", name="matrix.csv")}}
    if "application/json" in content:
        return {"body": _body(content["application/json"]["schema"]) | BODY_OVERRIDES.get(key, {})}
    if key.split(" ", 1)[0] in ("POST", "PUT"):
        return {"body": None}
    return {}


def _screen_url(name: str, route: str, world: dict[str, Any]) -> str:
    kwargs: dict[str, Any] = {}
    for arg in re.findall(r"<(?:\w+:)?(\w+)>", route):
        special = world["screen_ids"].get(name, {})
        if arg in special:
            kwargs[arg] = special[arg]
        elif arg == "pk":
            by_prefix = world["screen_ids"]["pk"]
            key = next(
                k for k in ("training:program", "providers", "training", "certificates") if name.startswith(k)
            )
            kwargs[arg] = by_prefix[key]
        else:
            kwargs[arg] = world["ids"][arg]
    return reverse(name, kwargs=kwargs)


def _compare(label: str, row_: Row, outcomes: dict[str, str], *, screen: bool) -> list[str]:
    wrong = []
    for role in ROLES:
        expected = row_.expected(role, screen=screen)
        if outcomes[role] != expected:
            wrong.append(f"{label}: {role} expected {expected}, got {outcomes[role]}")
    return wrong


OBSERVE = (
    False  # True prints the outcomes instead of asserting them (when writing the rows of a new endpoint)
)


def _report(label: str, outcomes: dict[str, str]) -> None:
    sys.stdout.write(f"{label} " + " ".join(f"{role}={outcomes[role]}" for role in ROLES) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# The tests


def test_every_endpoint_and_screen_has_a_row() -> None:
    """A new API operation or screen must be added to the tables (who may use it) before it can ship."""
    operations = set(_api_operations())
    assert sorted(operations - set(API)) == [], "API operations without a row in API"
    assert sorted(set(API) - operations) == [], "rows in API for operations that no longer exist"
    screens = {name for name, _route in _screen_patterns()}
    assert sorted(screens - set(SCREENS)) == [], "screens without a row in SCREENS"
    assert sorted(set(SCREENS) - screens) == [], "rows in SCREENS for screens that no longer exist"


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(API))
def test_api(world: dict[str, Any], key: str) -> None:
    operations = _api_operations()
    method, url = _api_url(key, world["ids"])
    outcomes = {}
    for role in ROLES:
        request = _api_request(key, operations[key])  # a fresh upload per request
        outcomes[role] = _send(world["clients"][role], method, url, **request)
    if OBSERVE:
        _report(key, outcomes)
        return
    assert "422" not in outcomes.values(), f"{key}: the matrix's body is refused by the schema: {outcomes}"
    assert _compare(key, API[key], outcomes, screen=False) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SCREENS))
def test_screen(world: dict[str, Any], name: str) -> None:
    route = dict(_screen_patterns())[name]
    url = _screen_url(name, route, world)
    screen = SCREENS[name]
    wrong = []
    for method, expected in (("GET", screen.get), ("POST", screen.post)):
        if expected is None:
            continue
        outcomes = {role: _send(world["clients"][role], method, url, body=None) for role in ROLES}
        if OBSERVE:
            _report(f"{method} {name}", outcomes)
            continue
        wrong += _compare(f"{method} {name}", expected, outcomes, screen=True)
    assert wrong == []
