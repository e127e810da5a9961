"""Demo data for development and ``make run`` (``lijiao loaddemo``), created only through the services.

:func:`load_demo` is the one entry point: the demo users (:mod:`.users`), the catalog reference data and three
catalog editions (:mod:`.catalog`), the providers (:mod:`.providers`) and a year of training history played forward
in time, then the classes from today on (:mod:`.training`, :mod:`.clock`). Everything is written by the real
services acting as the demo user of the right role, so the demo can never contradict a rule.

This package sits at the top of the layers beside ``portal``: it may import any app, and no app imports it.
"""

from __future__ import annotations

# The modules below import models: they are imported when the demo is loaded, not when Django loads the app.
DEMO_PASSWORD = "Lijiao-demo-2025"

__all__ = ["DEMO_PASSWORD", "demo_logins", "load_demo"]


def demo_logins() -> list[str]:
    """Every demo login: one user per role, then the staff of the other demo providers."""
    from lijiao.demo.providers import DEMO_PROVIDERS
    from lijiao.demo.users import DEMO_USERS

    names = [u.username for u in DEMO_USERS]
    return names + [p.key for p in DEMO_PROVIDERS if p.key not in names]


def load_demo() -> dict[str, int]:
    """Load the whole demo once, in one transaction; returns counts, or ``{}`` when it is already there (then
    nothing is changed)."""
    from django.db import transaction
    from django.utils import timezone

    from lijiao.audit.context import request_context
    from lijiao.catalog.reference import load_reference_data
    from lijiao.demo.catalog import build_demo_catalog
    from lijiao.demo.certificates import load_certificates_demo
    from lijiao.demo.clock import demo_clock
    from lijiao.demo.passwords import hash_demo_passwords_once
    from lijiao.demo.subsidies import load_subsidy_demo
    from lijiao.demo.subsidy_fraud import load_subsidy_fraud
    from lijiao.demo.subsidy_payments import load_subsidy_payments
    from lijiao.demo.training import demo_loaded, history_start, load_training_demo
    from lijiao.demo.users import DEMO_USERS, load_demo_users
    from lijiao.subsidies.services.schemes import install_default_schemes

    with transaction.atomic():
        if demo_loaded():
            return {}
        with request_context(channel="cli"), hash_demo_passwords_once(), demo_clock() as clock:
            clock.at(history_start(timezone.localtime(clock.real_now).date()))
            users = load_demo_users()
            counts = dict(load_reference_data())
            build_demo_catalog(actor=users["catalog"])
            counts.update(load_training_demo(users=users, clock=clock, password=DEMO_PASSWORD))
            counts.update(load_certificates_demo(users=users, clock=clock))
            counts["subsidy_scheme_versions"] = len(install_default_schemes(actor=None))
            counts.update(load_subsidy_demo(users=users, clock=clock))
            counts.update(load_subsidy_payments(users=users, clock=clock))
            counts.update(load_subsidy_fraud(users=users, clock=clock))
        counts["users"] = len(DEMO_USERS)
        return counts
