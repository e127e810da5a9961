"""What the providers API modules share: the router they all add to, error responses, the provider in
the caller's scope, occupations by code.
"""

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.catalog.models import Occupation
from lijiao.catalog.selectors import occupation_by_code, unknown_occupation_message
from lijiao.core.errors import DomainError
from lijiao.providers import selectors
from lijiao.providers.models import Provider
from lijiao.providers.schemas import ErrorOut

router = Router(auth=required_auth)


_READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _provider(request: HttpRequest, provider_id: int, perm: str = selectors.VIEW_PROVIDER) -> Provider:
    """The provider, read as the screens read it: 403 without ``providers.view_provider`` (and ``perm``, the view
    permission of the child being read), 404 outside the caller's scope (ADR 0005)."""
    return selectors.get_provider(current_user(request), provider_id, perm=perm)


def _occupation(code: str | None, field: str = "occupation_code") -> Occupation | None:
    if not code or not code.strip():
        return None
    occupation = occupation_by_code(code)
    if occupation is None:
        raise DomainError.for_fields(_("职业编码有误"), {field: unknown_occupation_message(code)})
    return occupation
