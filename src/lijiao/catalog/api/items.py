"""The items of an edition: list (with the same filters as the public screen), read; add, change and delete in a draft."""

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Status

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.catalog import selectors, services
from lijiao.catalog.api.common import _NOT_FOUND, _WRITE_ERRORS, _edition, router
from lijiao.catalog.filters import CatalogItemFilterSet
from lijiao.catalog.models import CatalogItem, Category, Occupation, SpecialItem, WorkType
from lijiao.catalog.schemas import ErrorOut, ItemFilters, ItemFlag, ItemIn, ItemOut
from lijiao.core.errors import DomainError, FieldError
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.permissions import require_perm

_API_FIELD = {"occupation": "subject_code", "special_item": "subject_code", "category": "category_code"}


def _api_fields(exc: DomainError) -> DomainError:
    """A service's item error with field names as the API body has them (occupation → subject_code, …)."""
    errors = tuple(FieldError(_API_FIELD.get(e.field, e.field), e.message) for e in exc.errors)
    return DomainError(message=exc.message, code=exc.code, errors=errors, status=exc.status)


def _item_input(payload: ItemIn) -> services.ItemInput:
    """Resolve the codes of an item body to rows; unknown codes are field errors."""
    errors: dict[str, str] = {}
    code = payload.subject_code.strip()
    occupation: Occupation | None = None
    special_item: SpecialItem | None = None
    if payload.kind == CatalogItem.Kind.OCCUPATION:
        occupation = selectors.occupation_by_code(code)
        if occupation is None:
            errors["subject_code"] = selectors.unknown_occupation_message(code)
    else:
        special_item = selectors.special_item_by_code(code)
        if special_item is None:
            errors["subject_code"] = selectors.unknown_special_item_message(code)
    work_type = None
    work_type_code = payload.work_type_code.strip()
    if work_type_code and occupation is not None:
        work_type = WorkType.objects.filter(code=work_type_code, occupation=occupation).first()
        if work_type is None:
            errors["work_type_code"] = _("职业“%(occupation)s”没有编码为“%(code)s”的工种") % {
                "occupation": occupation.name,
                "code": work_type_code,
            }
    elif work_type_code:
        errors["work_type_code"] = _("专项和创业项目没有工种")
    category = Category.objects.filter(code=payload.category_code.strip()).first()
    if category is None:
        errors["category_code"] = _("未知的行业类别“%(code)s”") % {"code": payload.category_code}
    if errors:
        raise DomainError.for_fields(_("目录项目信息有误"), errors, code="invalid_item")
    assert category is not None
    flags = set(payload.flags)
    return services.ItemInput(
        kind=payload.kind,
        occupation=occupation,
        special_item=special_item,
        work_type=work_type,
        level=payload.level,
        category=category,
        subsidy_standard=payload.subsidy_standard,
        assessment_subsidy=payload.assessment_subsidy,
        min_lesson_hours=payload.min_lesson_hours,
        shortage_tier=payload.shortage_tier,
        is_digital=ItemFlag.DIGITAL in flags,
        is_elder_child_care=ItemFlag.ELDER_CHILD_CARE in flags,
        allows_graduate_conversion=ItemFlag.GRADUATE_CONVERSION in flags,
        is_new_business_form=ItemFlag.NEW_BUSINESS_FORM in flags,
        note=payload.note,
    )


@router.get(
    "/editions/{edition_id}/items",
    response={200: list[ItemOut], 404: ErrorOut, 422: ErrorOut},
    summary="目录项目（可检索、筛选、分页）",
)
@paginate(LimitOffsetPagination)
def list_items(request: HttpRequest, edition_id: int, filters: Query[ItemFilters]) -> QuerySet[CatalogItem]:
    """Items of an edition in catalog order, filtered like the public catalog page."""
    edition = _edition(request, edition_id)
    return filtered_or_error(CatalogItemFilterSet(request.GET, queryset=selectors.edition_items(edition)))


@router.get("/items/{item_id}", response={200: ItemOut, **_NOT_FOUND}, summary="目录项目")
def get_item(request: HttpRequest, item_id: int) -> CatalogItem:
    return selectors.get_item(current_user(request), item_id)


@router.post(
    "/editions/{edition_id}/items",
    auth=required_auth,
    response={201: ItemOut, **_WRITE_ERRORS},
    summary="向草稿版本添加项目",
)
def add_item(request: HttpRequest, edition_id: int, payload: ItemIn) -> Status[CatalogItem]:
    user = current_user(request)
    require_perm(user, "catalog.add_catalogitem")
    edition = _edition(request, edition_id)
    data = _item_input(payload)
    try:
        item = services.add_item(actor=user, edition=edition, data=data)
    except DomainError as exc:
        raise _api_fields(exc) from None
    return Status(201, item)


@router.put(
    "/items/{item_id}",
    auth=required_auth,
    response={200: ItemOut, **_WRITE_ERRORS},
    summary="修改草稿中的项目",
)
def update_item(request: HttpRequest, item_id: int, payload: ItemIn) -> CatalogItem:
    user = current_user(request)
    require_perm(user, "catalog.change_catalogitem")
    item = selectors.get_item(user, item_id)
    data = _item_input(payload)
    try:
        return services.update_item(actor=user, item=item, data=data)
    except DomainError as exc:
        raise _api_fields(exc) from None


@router.delete(
    "/items/{item_id}", auth=required_auth, response={204: None, **_WRITE_ERRORS}, summary="从草稿中删除项目"
)
def delete_item(request: HttpRequest, item_id: int) -> Status[None]:
    user = current_user(request)
    require_perm(user, "catalog.delete_catalogitem")
    services.remove_item(actor=user, item=selectors.get_item(user, item_id))
    return Status(204, None)
