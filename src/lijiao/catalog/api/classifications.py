"""The classifications a catalog item refers to: industry categories, occupations, special items."""

from typing import Annotated

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query
from ninja.pagination import LimitOffsetPagination, paginate

from lijiao.catalog.api.common import router
from lijiao.catalog.models import Category, Occupation, SpecialItem
from lijiao.catalog.schemas import CategoryOut, OccupationOut, SpecialItemOut


@router.get("/categories", response=list[CategoryOut], summary="行业类别")
def list_categories(
    request: HttpRequest,
    include_inactive: Annotated[bool, Query(description="包括停用的类别")] = False,
) -> QuerySet[Category]:
    qs = Category.objects.all()
    return qs if include_inactive else qs.filter(active=True)


@router.get("/occupations", response=list[OccupationOut], summary="职业（职业分类大典 2022）")
@paginate(LimitOffsetPagination)
def list_occupations(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="名称（包含）或编码前缀")] = None,
    include_inactive: Annotated[bool, Query(description="包括已停用的职业")] = False,
) -> QuerySet[Occupation]:
    qs = Occupation.objects.all()
    if not include_inactive:
        qs = qs.filter(active=True)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(code__startswith=text))
    return qs


@router.get("/special-items", response=list[SpecialItemOut], summary="专项职业能力及创业项目")
@paginate(LimitOffsetPagination)
def list_special_items(
    request: HttpRequest,
    q: Annotated[str | None, Query(description="名称或编码（包含）")] = None,
    kind: Annotated[SpecialItem.Kind | None, Query(description="类型")] = None,
    include_inactive: Annotated[bool, Query(description="包括已停用的项目")] = False,
) -> QuerySet[SpecialItem]:
    qs = SpecialItem.objects.all()
    if not include_inactive:
        qs = qs.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if q and q.strip():
        text = q.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(code__icontains=text))
    return qs
