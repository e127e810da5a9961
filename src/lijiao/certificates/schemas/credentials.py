"""API schemas of certificate credentials (ADR 0019)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from lijiao.core.schemas import Schema


class CredentialOut(Schema):
    """A certificate's verifiable credential: the VC-JWT to keep, and what it says."""

    jwt: str = Field(..., description="VC-JWT（JWS 紧凑序列化，EdDSA 签名，typ 为 vc+jwt），保存为 .jwt 文件")
    kid: str = Field(..., description="签名公钥的标识（JWK 指纹），可在 /.well-known/jwks.json 中找到")
    media_type: str = Field("application/vc+jwt", description="保存或传送 jwt 时的媒体类型")
    credential: dict[str, Any] = Field(
        ..., description="jwt 中的 Open Badges 3.0 OpenBadgeCredential（W3C 可验证凭证），供阅读"
    )
