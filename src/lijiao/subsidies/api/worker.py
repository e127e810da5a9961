"""The worker's own claims (``/api/v1/subsidies/mine``): every claim in their name — by whom, for what, how much,
status, payment — their objection, their own claim from a certificate they hold, their messages, and the
社会保障卡 account their subsidies are paid to (``/mine/account``: the number goes out masked).

No permission needed: the user is matched to their person by the ID number's digest; nobody sees anyone else's.
"""

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.models import Certificate
from lijiao.core.errors import NotFound
from lijiao.core.pii import PIIKind, mask
from lijiao.core.schemas import ErrorOut, InputSchema, Schema
from lijiao.people.models import Notification
from lijiao.subsidies.models import Claim, Objection, PayeeAccount
from lijiao.subsidies.selectors import claims as selectors
from lijiao.subsidies.services import claims as filing
from lijiao.subsidies.services import payment as payment_services
from lijiao.subsidies.services import publicity, review

router = Router(auth=required_auth)

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class MyClaimOut(Schema):
    """A claim in the worker's name as they see it."""

    id: int
    number: str
    kind: str
    kind_label: str
    part_label: str
    applicant_label: str = Field(..., description="申请方式")
    applicant_name: str = Field(..., description="谁申请的")
    subject: str = Field(..., description="为了什么（项目/培训班）")
    amount: Decimal | None = Field(None, description="多少钱（元）")
    status: str
    status_label: str
    status_reason: str
    filed_at: dt.datetime
    paid_at: dt.datetime | None
    paid_amount: Decimal | None = Field(None, description="实际发放金额（元）")

    @staticmethod
    def resolve_kind_label(obj: Claim) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_part_label(obj: Claim) -> str:
        return str(obj.get_part_display())

    @staticmethod
    def resolve_applicant_label(obj: Claim) -> str:
        return str(obj.get_applicant_display())

    @staticmethod
    def resolve_subject(obj: Claim) -> str:
        if obj.catalog_item is not None:
            return obj.catalog_item.subject_name
        return obj.training_class.name if obj.training_class is not None else ""

    @staticmethod
    def resolve_status_label(obj: Claim) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_filed_at(obj: Claim) -> dt.datetime:
        return obj.created_at

    @staticmethod
    def resolve_paid_amount(obj: Claim) -> Decimal | None:
        line = getattr(obj, "payment_line", None) if obj.paid_at else None
        return line.amount if line is not None else None


class MyObjectionIn(InputSchema):
    text: str = Field(..., min_length=1, max_length=2000, description="异议内容")


class MyObjectionOut(Schema):
    id: int
    status: str
    text: str
    created_at: dt.datetime


class MyClaimIn(InputSchema):
    certificate_id: int = Field(..., description="本人持有的证书 id")
    kind: str = Field("training", description="补贴类型")


class MyNotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


@router.get(
    "/mine", response={200: list[MyClaimOut], 401: ErrorOut}, summary="我的补贴（以本人名义申请的全部补贴）"
)
def my_claims(request: HttpRequest) -> list[Claim]:
    return list(selectors.my_claims(current_user(request)))


@router.post("/mine/claims", response={200: MyClaimOut, **_ERRORS}, summary="本人申请补贴")
def my_claim_file(request: HttpRequest, payload: MyClaimIn) -> Claim:
    user = current_user(request)
    person = filing.person_of_user(user)
    certificate = (
        Certificate.objects.filter(pk=payload.certificate_id, holder=person).first() if person else None
    )
    if certificate is None:
        raise NotFound()
    return filing.file_own_claim(actor=user, kind=payload.kind, certificate=certificate)


@router.post("/mine/{claim_id}/submit", response={200: MyClaimOut, **_ERRORS}, summary="提交本人申请")
def my_claim_submit(request: HttpRequest, claim_id: int) -> Claim:
    user = current_user(request)
    claim = selectors.my_claim(user, claim_id)
    return review.submit_claim(claim=claim, actor=user)


@router.post("/mine/{claim_id}/objection", response={200: MyObjectionOut, **_ERRORS}, summary="我对此有异议")
def my_objection(request: HttpRequest, claim_id: int, payload: MyObjectionIn) -> Objection:
    user = current_user(request)
    claim = selectors.my_claim(user, claim_id)
    return publicity.raise_objection(
        claim=claim, source=Objection.Source.PERSON, text=payload.text, actor=user
    )


@router.get("/mine/notifications", response={200: list[MyNotificationOut], 401: ErrorOut}, summary="我的消息")
def my_notifications(request: HttpRequest) -> list[Notification]:
    return list(selectors.my_notifications(current_user(request))[:200])


@router.post(
    "/mine/notifications/{notification_id}/read",
    response={200: MyNotificationOut, **_ERRORS},
    summary="标为已读",
)
def my_notification_read(request: HttpRequest, notification_id: int) -> Any:
    user = current_user(request)
    note = selectors.my_notifications(user).filter(pk=notification_id).first()
    if note is None:
        raise NotFound()
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


class MyPayeeAccountIn(InputSchema):
    bank_name: str = Field(..., max_length=100, description="开户银行")
    account_number: str = Field(..., max_length=40, description="社会保障卡银行账号（12至25位数字）")


class MyPayeeAccountOut(Schema):
    has_account: bool = Field(..., description="是否已登记发放账户")
    bank_name: str = Field(..., description="开户银行")
    account_number: str = Field(..., description="银行账号（脱敏）")
    updated_at: dt.datetime | None


def _my_person(request: HttpRequest) -> Any:
    person = filing.person_of_user(current_user(request))
    if person is None:  # no ID number on the login, or no such person: like an unknown object
        raise NotFound()
    return person


def _account_out(account: PayeeAccount | None) -> dict[str, Any]:
    if account is None:
        return {"has_account": False, "bank_name": "", "account_number": "", "updated_at": None}
    return {
        "has_account": True,
        "bank_name": account.bank_name,
        "account_number": mask(PIIKind.BANK_ACCOUNT, account.account_number),
        "updated_at": account.updated_at,
    }


@router.get("/mine/account", response={200: MyPayeeAccountOut, **_ERRORS}, summary="我的发放账户")
def my_account(request: HttpRequest) -> dict[str, Any]:
    return _account_out(PayeeAccount.objects.filter(person=_my_person(request)).first())


@router.put("/mine/account", response={200: MyPayeeAccountOut, **_ERRORS}, summary="设置我的发放账户")
def my_account_set(request: HttpRequest, payload: MyPayeeAccountIn) -> dict[str, Any]:
    account = payment_services.set_payee_account(
        actor=current_user(request),
        person=_my_person(request),
        bank_name=payload.bank_name,
        account_number=payload.account_number,
    )
    return _account_out(account)
