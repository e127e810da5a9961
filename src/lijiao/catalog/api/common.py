"""What the catalog API modules share: the router they all add to, error responses, the edition in the caller's view."""

from django.http import HttpRequest
from ninja import Router

from lijiao.accounts.api_auth import current_user, optional_auth
from lijiao.catalog import selectors
from lijiao.catalog.models import Edition
from lijiao.catalog.schemas import ErrorOut

router = Router(auth=optional_auth)


_NOT_FOUND = {404: ErrorOut}
_WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _edition(request: HttpRequest, edition_id: int) -> Edition:
    return selectors.get_edition(current_user(request), edition_id)
