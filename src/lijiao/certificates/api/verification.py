"""Public certificate verification API (issue 11 item 5, ADR 0018), under ``/api/v1/certificates``.

``POST /verify`` with ``{"number", "name"}`` — no authentication. 200 ``{"matched": true, "certificate": …}``
(masked) when the number and name belong together; 200 ``{"matched": false, "message": "未查到…"}`` for an
unknown number and for a wrong name alike; 400 (field ``number``) for a number that cannot be one by its shape;
429 with ``Retry-After`` past the per-address limit.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja import Router

from lijiao.accounts.throttle import client_ip
from lijiao.certificates.schemas.verification import VerifyIn, VerifyOut
from lijiao.certificates.selectors import verification as selectors
from lijiao.certificates.services.verification import RateLimited, take_verification
from lijiao.core.schemas import ErrorOut

router = Router(tags=["certificates"])


@router.post(
    "/verify",
    auth=None,
    response={200: VerifyOut, 400: ErrorOut, 429: ErrorOut},
    operation_id="certificates_verify",
    summary="证书查验（公开）",
)
def verify(request: HttpRequest, response: HttpResponse, payload: VerifyIn) -> Any:
    """Verify a certificate by its number and the holder's name (public; rate-limited per client address)."""
    number = selectors.parse_number(payload.number)
    name = selectors.parse_name(payload.name)
    try:
        take_verification(client_ip=client_ip(request))
    except RateLimited as exc:
        response["Retry-After"] = str(exc.retry_after)
        return 429, exc.as_dict()
    answer = selectors.verify(number, name)
    body = {
        "matched": answer.matched,
        "message": answer.message,
        "certificate": asdict(answer.certificate) if answer.certificate else None,
    }
    # the answer is built from the schema's own fields (VerifyOut); rendered directly, as the API's renderer would
    # (UTF-8, ISO dates), without validating it a second time: this is the public hot path (ADR 0018)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, cls=DjangoJSONEncoder),
        content_type="application/json; charset=utf-8",
    )
