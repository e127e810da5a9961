"""The classifications a catalog item refers to: industry categories, occupations, special items.

Each list is filtered by its FilterSet of :mod:`lijiao.catalog.filters` (unknown values answer 422).
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query

from lijiao.catalog.api.common import router
from lijiao.catalog.filters import CategoryFilterSet, OccupationFilterSet, SpecialItemFilterSet
from lijiao.catalog.models import Category, Occupation, SpecialItem
from lijiao.catalog.schemas import (
    CategoryFilters,
    CategoryOut,
    ErrorOut,
    OccupationFilters,
    OccupationOut,
    SpecialItemFilters,
    SpecialItemOut,
)
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate


@router.get("/categories", response={200: list[CategoryOut], 422: ErrorOut}, summary="行业类别")
def list_categories(request: HttpRequest, filters: Query[CategoryFilters]) -> QuerySet[Category]:
    return filtered_or_error(CategoryFilterSet(request.GET, queryset=Category.objects.all()))


@router.get(
    "/occupations", response={200: list[OccupationOut], 422: ErrorOut}, summary="职业（职业分类大典 2022）"
)
@paginate(LimitOffsetPagination)
def list_occupations(request: HttpRequest, filters: Query[OccupationFilters]) -> QuerySet[Occupation]:
    return filtered_or_error(
        OccupationFilterSet(request.GET, queryset=Occupation.objects.prefetch_related("work_types"))
    )


@router.get(
    "/special-items", response={200: list[SpecialItemOut], 422: ErrorOut}, summary="专项职业能力及创业项目"
)
@paginate(LimitOffsetPagination)
def list_special_items(request: HttpRequest, filters: Query[SpecialItemFilters]) -> QuerySet[SpecialItem]:
    return filtered_or_error(SpecialItemFilterSet(request.GET, queryset=SpecialItem.objects.all()))
