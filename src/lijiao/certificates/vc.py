"""Verifiable credentials (ADR 0019): a certificate as an Open Badges 3.0 ``OpenBadgeCredential`` (a W3C VC 2.0)
secured as VC-JWT, and the W3C Bitstring Status List that says which ones are revoked.

The functions here build and check JSON and JWS only: no database, no settings (the caller passes the base URL,
the issuer's name, the keys), so ``lijiao verify-credential`` checks a credential exactly as the server signed it.

* A credential's ``credentialStatus`` points at bit ``status_index % STATUS_LIST_SIZE`` of list
  ``status_index // STATUS_LIST_SIZE``, served at ``/credentials/status/<list id>``; a list holds 131,072 bits
  (16 KiB before GZIP), the spec's minimum for herd privacy, bit 0 the most significant bit of the first byte.
* Both are JWS compact serialisations with the header ``{"alg": "EdDSA", "kid": <JWK thumbprint>,
  "typ": "vc+jwt", "cty": "vc"}`` whose payload is the credential itself (W3C VC-JOSE-COSE).
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import warnings
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MEDIA_TYPE = "application/vc+jwt"
ALGORITHM = "EdDSA"
STATUS_LIST_SIZE = 131_072  # bits per list (W3C Bitstring Status List: at least 16 KiB)
MAX_DECOMPRESSED = 16 * 1024 * 1024  # a status list larger than this is refused (a GZIP bomb)
CHINA = ZoneInfo("Asia/Shanghai")


# --- JWS -------------------------------------------------------------------------------------------------------


def sign(payload: dict[str, Any], *, key: OKPKey, kid: str) -> str:
    """The payload as a VC-JWT (JWS compact) signed with ``key``."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": "vc+jwt", "cty": "vc"}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*EdDSA.*")
        return str(jws.serialize_compact(header, data, key, algorithms=[ALGORITHM]))


class InvalidJWT(ValueError):
    """Not a VC-JWT of ours: ``reason`` is one of ``malformed``, ``algorithm``, ``unknown_key``, ``signature``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def unverified_header(token: str) -> dict[str, Any]:
    try:
        header = json.loads(_b64decode(token.split(".")[0]))
    except (ValueError, IndexError):
        raise InvalidJWT("malformed") from None
    if not isinstance(header, dict):
        raise InvalidJWT("malformed")
    return header


def verify_jwt(token: str, jwks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(header, payload)`` of a VC-JWT whose EdDSA signature holds under the key its ``kid`` names in
    ``jwks``; :class:`InvalidJWT` otherwise."""
    token = token.strip()
    if token.count(".") != 2:
        raise InvalidJWT("malformed")
    header = unverified_header(token)
    if header.get("alg") != ALGORITHM:
        raise InvalidJWT("algorithm")
    kid = header.get("kid")
    matches = [k for k in jwks.get("keys", ()) if isinstance(k, dict) and k.get("kid") == kid]
    if not kid or not matches:
        raise InvalidJWT("unknown_key")
    try:
        public = {name: matches[0][name] for name in ("kty", "crv", "x")}
        key = OKPKey.import_key(public)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*EdDSA.*")
            obj = jws.deserialize_compact(token, key, algorithms=[ALGORITHM])
    except (JoseError, ValueError, KeyError, TypeError):
        raise InvalidJWT("signature") from None
    try:
        payload = json.loads(obj.payload)
    except ValueError:
        raise InvalidJWT("malformed") from None
    if not isinstance(payload, dict):
        raise InvalidJWT("malformed")
    return header, payload


# --- the credential --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Issuer:
    """The bureau as an Open Badges ``Profile``: ``base_url`` is the site's public address."""

    base_url: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.base_url}/credentials/issuer"

    def profile(self) -> dict[str, Any]:
        return {"id": self.id, "type": ["Profile"], "name": self.name, "url": f"{self.base_url}/"}

    def status_list_url(self, list_id: int) -> str:
        return f"{self.base_url}/credentials/status/{list_id}"

    def verification_url(self, token: str) -> str:
        return f"{self.base_url}/certificates/v/{token}"


def status_location(status_index: int) -> tuple[int, int]:
    """``(list id, index in the list)`` of a certificate's status bit."""
    return divmod(status_index, STATUS_LIST_SIZE)


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What a credential states about one certificate (the printed certificate's fields)."""

    number: str
    certificate_type: str  # the model's value, e.g. "skill_level"
    type_name: str  # 职业技能等级证书
    holder_name: str
    subject_name: str  # occupation (工种) or 专项 item as printed
    subject_code: str  # the occupation's or item's code, "" if none
    occupation: str
    work_type: str
    level: int | None
    level_name: str
    evaluating_body: str
    issuer_name: str  # 发证机构 as printed
    issued_on: dt.date
    status_index: int
    verification_token: str


_ACHIEVEMENT_TYPE = {"skill_level": "Certification", "qualification": "License"}


def credential(facts: CertificateFacts, issuer: Issuer) -> dict[str, Any]:
    """The ``OpenBadgeCredential`` of a certificate (unsigned)."""
    list_id, index = status_location(facts.status_index)
    list_url = issuer.status_list_url(list_id)
    valid_from = dt.datetime.combine(facts.issued_on, dt.time(), tzinfo=CHINA).isoformat()
    title = " ".join(part for part in (facts.subject_name, facts.level_name) if part)
    code = facts.subject_code or facts.subject_name
    achievement: dict[str, Any] = {
        "id": f"urn:lijiao:achievement:{facts.certificate_type}:{code}:{facts.level or 0}",
        "type": ["Achievement"],
        "achievementType": _ACHIEVEMENT_TYPE.get(facts.certificate_type, "Certificate"),
        "name": f"{facts.type_name}（{title}）" if title else facts.type_name,
        "description": facts.type_name,
        "criteria": {
            "narrative": f"{facts.evaluating_body or facts.issuer_name}评价合格，颁发{facts.type_name}"
        },
        "fieldOfStudy": facts.occupation or facts.subject_name,
        "inLanguage": "zh-CN",
    }
    if facts.subject_code:
        achievement["humanCode"] = facts.subject_code
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityType": "name",
                "hashed": False,
                "identityHash": facts.holder_name,
            }
        ],
        "achievement": achievement,
        "certificateNumber": facts.number,
        "certificateType": facts.type_name,
        "subjectName": facts.subject_name,
        "occupation": facts.occupation,
        "workType": facts.work_type,
        "level": facts.level,
        "levelName": facts.level_name,
        "evaluatingBody": facts.evaluating_body,
        "issuedBy": facts.issuer_name,
    }
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer.verification_url(facts.verification_token),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.type_name,
        "issuer": issuer.profile(),
        "validFrom": valid_from,
        "awardedDate": valid_from,
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }


# --- the status list -------------------------------------------------------------------------------------------


def encode_bits(indexes: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    """The Multibase base64url (``u``…, no padding) of the GZIP of a ``size``-bit string with ``indexes`` set."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index >> 3] |= 0x80 >> (index & 7)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_bits(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (``ValueError`` when it is not one, or decompresses past 16 MiB)."""
    if not encoded.startswith("u"):
        raise ValueError("not multibase base64url")
    try:
        compressed = _b64decode(encoded[1:])
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # GZIP framing
        bits = inflater.decompress(compressed, MAX_DECOMPRESSED)
    except (ValueError, zlib.error):
        raise ValueError("not a GZIP bitstring") from None
    if inflater.unconsumed_tail:
        raise ValueError("too large")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    if index < 0 or index >= len(bits) * 8:
        raise IndexError(index)
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def status_list_credential(
    issuer: Issuer, list_id: int, revoked: Iterable[int], *, now: dt.datetime, ttl_seconds: int
) -> dict[str, Any]:
    """The ``BitstringStatusListCredential`` of list ``list_id`` with the bits ``revoked`` (indexes in it) set."""
    url = issuer.status_list_url(list_id)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.id,
        "validFrom": now.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_bits(revoked),
            "ttl": ttl_seconds * 1000,
        },
    }


# --- verification ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Verification:
    """The outcome of checking one credential: ``status`` is ``valid``, ``invalid``, ``revoked`` or
    ``unchecked`` (the signature and dates hold, revocation could not be checked); ``problems`` say why."""

    status: str = "valid"
    credential: dict[str, Any] = field(default_factory=dict)
    kid: str = ""
    problems: list[str] = field(default_factory=list)
    status_list_from: str = ""


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _dates_problems(payload: dict[str, Any], now: dt.datetime) -> list[str]:
    problems = []
    valid_from = _parse_time(payload.get("validFrom"))
    if valid_from is None:
        problems.append("valid_from_missing")
    elif valid_from > now:
        problems.append("not_yet_valid")
    if "validUntil" in payload:
        valid_until = _parse_time(payload["validUntil"])
        if valid_until is None or valid_until <= now:
            problems.append("expired")
    return problems


def verify_credential(
    token: str,
    jwks: dict[str, Any],
    *,
    now: dt.datetime,
    status_list: Callable[[str], str] | None = None,
) -> Verification:
    """Check a credential's signature (its ``kid`` in ``jwks``), its shape, its dates and, when ``status_list``
    is given (``URL → status list VC-JWT``, from a saved file or fetched), its revocation bit."""
    result = Verification()
    try:
        header, payload = verify_jwt(token, jwks)
    except InvalidJWT as exc:
        result.status = "invalid"
        result.problems.append(exc.reason)
        return result
    result.kid, result.credential = str(header.get("kid")), payload
    types = payload.get("type")
    if not isinstance(types, list) or not {"VerifiableCredential", "OpenBadgeCredential"} <= set(types):
        result.problems.append("not_open_badge")
    result.problems += _dates_problems(payload, now)
    if result.problems:
        result.status = "invalid"
        return result
    entry = payload.get("credentialStatus")
    if status_list is None or not isinstance(entry, dict):
        result.status = "unchecked"
        result.problems.append("status_not_checked" if status_list is None else "status_missing")
        return result
    _check_status(result, entry, jwks, status_list)
    return result


def _check_status(
    result: Verification, entry: dict[str, Any], jwks: dict[str, Any], status_list: Callable[[str], str]
) -> None:
    url = str(entry.get("statusListCredential", ""))
    try:
        index = int(str(entry.get("statusListIndex")))
        _header, listed = verify_jwt(status_list(url), jwks)
        subject = listed["credentialSubject"]
        if listed.get("id") != url or subject.get("statusPurpose") != entry.get("statusPurpose"):
            raise ValueError("another list")
        bits = decode_bits(str(subject["encodedList"]))
        revoked = bit_is_set(bits, index)
    except InvalidJWT as exc:
        result.status = "unchecked"
        result.problems.append(f"status_list_{exc.reason}")
        return
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        result.status = "unchecked"
        result.problems.append("status_list_unusable")
        return
    result.status_list_from = str(listed.get("validFrom", ""))
    if revoked:
        result.status = "revoked"
