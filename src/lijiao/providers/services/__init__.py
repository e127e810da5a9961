"""Provider writes (SPEC C3). Every service: keyword-only arguments, an explicit actor, atomic, audited.

Who may do what:

* **Reviewers** — users with ``providers.review_provider`` whose scope covers the provider's handling area (the
  district clerk of that area, or the city administrator) — register providers, change their registration,
  move them through the workflow (one service per transition), set their training scope and record credit
  events (``providers.add_creditevent``). Blacklisting needs ``providers.blacklist_provider``.
* **Provider staff** edit their own institution's contact person and phone, teachers and venues — and never
  review their own institution, whatever other roles they hold.

Personal data (teachers' ID numbers and phones, the contact phone) is stored encrypted and appears masked in
audit snapshots. Bad input raises :class:`~lijiao.core.errors.DomainError` with field errors in the user's language and
writes nothing.
"""

from lijiao.providers.services.access import allowed_actions, can_manage, covers_area, is_reviewer
from lijiao.providers.services.credit import (
    BLACKLIST_FIELDS,
    CREDIT_FIELDS,
    MAX_CREDIT_POINTS,
    blacklist_provider,
    lift_blacklist,
    record_credit_event,
)
from lijiao.providers.services.registration import (
    CONTACT_FIELDS,
    PROVIDER_FIELDS,
    register_provider,
    update_provider,
    update_provider_contact,
)
from lijiao.providers.services.review import (
    ACTIONS,
    approve_provider,
    change_provider_status,
    reinstate_provider,
    reject_provider,
    remove_provider,
    suspend_provider,
)
from lijiao.providers.services.scope import add_scope_entry, remove_scope_entry, set_scope
from lijiao.providers.services.teachers import (
    MAX_CERTIFICATES,
    TEACHER_FIELDS,
    add_teacher,
    deactivate_teacher,
    update_teacher,
)
from lijiao.providers.services.validation import MAX_REASON, clean_phone
from lijiao.providers.services.venues import (
    MAX_VENUE_CAPACITY,
    VENUE_FIELDS,
    add_venue,
    deactivate_venue,
    update_venue,
)

__all__ = [
    "ACTIONS",
    "BLACKLIST_FIELDS",
    "CONTACT_FIELDS",
    "CREDIT_FIELDS",
    "MAX_CERTIFICATES",
    "MAX_CREDIT_POINTS",
    "MAX_REASON",
    "MAX_VENUE_CAPACITY",
    "PROVIDER_FIELDS",
    "TEACHER_FIELDS",
    "VENUE_FIELDS",
    "add_scope_entry",
    "add_teacher",
    "add_venue",
    "allowed_actions",
    "approve_provider",
    "blacklist_provider",
    "can_manage",
    "change_provider_status",
    "clean_phone",
    "covers_area",
    "deactivate_teacher",
    "deactivate_venue",
    "is_reviewer",
    "lift_blacklist",
    "record_credit_event",
    "register_provider",
    "reinstate_provider",
    "reject_provider",
    "remove_provider",
    "remove_scope_entry",
    "set_scope",
    "suspend_provider",
    "update_provider",
    "update_provider_contact",
    "update_teacher",
    "update_venue",
]
