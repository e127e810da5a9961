"""The SMS gateway adapter: the bureau plugs its gateway in by setting ``LIJIAO_SMS_GATEWAY`` to a dotted path.

The default stand-in only logs that a message would go out (the phone masked) and reports it as not sent, so
nothing claims an SMS left the building when none did.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from lijiao.core.pii import PIIKind, mask

logger = logging.getLogger(__name__)


class SmsGateway(Protocol):
    """Sends one text to one phone; True when the gateway accepted it."""

    def send(self, *, phone: str, text: str) -> bool: ...


class LoggingGateway:
    """No gateway configured: log the message (masked phone), report it as not sent."""

    def send(self, *, phone: str, text: str) -> bool:
        logger.info("SMS not sent (no gateway configured) to %s: %s", mask(PIIKind.PHONE, phone), text)
        return False


def gateway() -> SmsGateway:
    """The configured gateway (``settings.SMS_GATEWAY``, a dotted path to a class), or the logging stand-in."""
    path = settings.SMS_GATEWAY
    if not path:
        return LoggingGateway()
    gateway_class = import_string(path)
    instance: SmsGateway = gateway_class()
    return instance
