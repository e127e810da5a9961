"""Providers API (SPEC C3): registration, workflow, training scope, teachers, venues, blacklist and credit record.

Reads go through :mod:`lijiao.providers.selectors`: without ``providers.view_provider`` (and the view permission of
the teachers, venues, blacklist or credit events read) the answer is 403 before anything is looked up (ADR 0005);
then they are scoped: provider staff see their own institution, district clerks the providers of their handling
area, city-wide roles all; anything else answers 404 exactly like an unknown id. ``actions`` lists only the
transitions the caller may take. ``GET /providers/listed`` is public (approved, not blacklisted providers and their scope, no personal data).
Writes go through :mod:`lijiao.providers.services`, which check permissions (403), states (409) and values (400 with
field errors in the caller's language). Personal data (teachers' ID numbers and phones, contact phones) is always masked here.
"""

from lijiao.providers.api.common import router

# isort: off
# The modules add their operations to one router in this order (GET /listed before GET /{provider_id}).
from lijiao.providers.api.public import listed
from lijiao.providers.api.registration import (
    list_providers,
    register,
    get_provider,
    update,
    update_contact,
    approve,
    reject,
    suspend,
    reinstate,
    remove,
)
from lijiao.providers.api.scope import get_scope, put_scope
from lijiao.providers.api.teachers import (
    list_teachers,
    add_teacher,
    get_teacher,
    update_teacher,
    deactivate_teacher,
)
from lijiao.providers.api.venues import list_venues, add_venue, get_venue, update_venue, deactivate_venue
from lijiao.providers.api.credit import (
    EMPLOYMENT_RATE_NOTE,
    list_blacklist,
    add_blacklist,
    lift_blacklist,
    list_credit_events,
    add_credit_event,
    credit_record,
)
# isort: on


__all__ = [
    "EMPLOYMENT_RATE_NOTE",
    "add_blacklist",
    "add_credit_event",
    "add_teacher",
    "add_venue",
    "approve",
    "credit_record",
    "deactivate_teacher",
    "deactivate_venue",
    "get_provider",
    "get_scope",
    "get_teacher",
    "get_venue",
    "lift_blacklist",
    "list_blacklist",
    "list_credit_events",
    "list_providers",
    "list_teachers",
    "list_venues",
    "listed",
    "put_scope",
    "register",
    "reinstate",
    "reject",
    "remove",
    "router",
    "suspend",
    "update",
    "update_contact",
    "update_teacher",
    "update_venue",
]
