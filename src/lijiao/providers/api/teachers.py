"""A provider's teachers (ID numbers and phones masked)."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Status

from lijiao.accounts.api_auth import current_user
from lijiao.core.filtering import filtered_or_error
from lijiao.core.permissions import require_perm
from lijiao.providers import selectors, services
from lijiao.providers.api.common import _READ_ERRORS, _WRITE_ERRORS, _occupation, _provider, router
from lijiao.providers.filters import TeacherFilterSet
from lijiao.providers.models import Teacher
from lijiao.providers.schemas import ActiveFilters, ErrorOut, TeacherIn, TeacherOut

_TEACHER_WRITERS = ("providers.add_teacher", "providers.change_teacher", "providers.review_provider")


@router.get(
    "/{provider_id}/teachers", response={200: list[TeacherOut], **_READ_ERRORS, 422: ErrorOut}, summary="教师"
)
def list_teachers(
    request: HttpRequest,
    provider_id: int,
    filters: Query[ActiveFilters],
) -> QuerySet[Teacher]:
    queryset = selectors.provider_teachers(_provider(request, provider_id, selectors.VIEW_TEACHER))
    return filtered_or_error(TeacherFilterSet(request.GET, queryset=queryset))


@router.post("/{provider_id}/teachers", response={201: TeacherOut, **_WRITE_ERRORS}, summary="添加教师")
def add_teacher(request: HttpRequest, provider_id: int, payload: TeacherIn) -> Status[Teacher]:
    user = current_user(request)
    require_perm(user, *_TEACHER_WRITERS)
    provider = _provider(request, provider_id)
    teacher = services.add_teacher(
        actor=user,
        provider=provider,
        name=payload.name,
        citizen_id=payload.citizen_id or "",
        phone=payload.phone or "",
        occupation=_occupation(payload.occupation_code),
        certificates=payload.certificates,
        is_practical=payload.is_practical,
    )
    return Status(201, teacher)


@router.get(
    "/{provider_id}/teachers/{teacher_id}", response={200: TeacherOut, **_READ_ERRORS}, summary="教师"
)
def get_teacher(request: HttpRequest, provider_id: int, teacher_id: int) -> Teacher:
    provider = _provider(request, provider_id, selectors.VIEW_TEACHER)
    return selectors.get_teacher(current_user(request), teacher_id, provider=provider)


@router.put(
    "/{provider_id}/teachers/{teacher_id}", response={200: TeacherOut, **_WRITE_ERRORS}, summary="修改教师"
)
def update_teacher(request: HttpRequest, provider_id: int, teacher_id: int, payload: TeacherIn) -> Teacher:
    user = current_user(request)
    require_perm(user, *_TEACHER_WRITERS)
    provider = _provider(request, provider_id)
    teacher = selectors.get_teacher(user, teacher_id, provider=provider)
    return services.update_teacher(
        actor=user,
        teacher=teacher,
        name=payload.name,
        citizen_id=payload.citizen_id,
        phone=payload.phone,
        occupation=_occupation(payload.occupation_code),
        certificates=payload.certificates,
        is_practical=payload.is_practical,
        active=payload.active,
    )


@router.delete(
    "/{provider_id}/teachers/{teacher_id}",
    response={200: TeacherOut, **_WRITE_ERRORS},
    summary="教师离职（停用）",
)
def deactivate_teacher(request: HttpRequest, provider_id: int, teacher_id: int) -> Teacher:
    """Teachers are never deleted (classes keep who taught them): the teacher is marked as no longer active."""
    user = current_user(request)
    require_perm(user, *_TEACHER_WRITERS)
    provider = _provider(request, provider_id)
    teacher = selectors.get_teacher(user, teacher_id, provider=provider)
    return services.deactivate_teacher(actor=user, teacher=teacher)
