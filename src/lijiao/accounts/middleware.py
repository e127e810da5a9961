"""The signed-in user's language (``User.language``, kept in the session from login) wins over the browser's.

Runs after Django's ``LocaleMiddleware``, which has already chosen from the language cookie and
``Accept-Language``; the API (``/api/``) keeps that choice, so programs get the language they ask for.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SESSION_LANGUAGE_KEY = "lijiao_language"


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and not request.path.startswith("/api/"):
            language = session.get(SESSION_LANGUAGE_KEY)
            if language in self.languages:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
