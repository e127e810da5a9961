"""Results API (SPEC C5, 培评分离): a body's staff record results (one, a batch, an xlsx sheet); the bureau
confirms or rejects employer self-evaluations; passed results are certified. Pass is derived, never sent.

Only members of the body holding ``certificates.record_levelassessment`` record (403 otherwise — a training
provider's staff have no route here); a body that is also the trainees' provider is refused (403, 培评分离).
"""

from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Query, Router, Status, UploadedFile

from lijiao.accounts.api_auth import current_user, required_auth
from lijiao.certificates.filters import ResultFilterSet
from lijiao.certificates.models import EvaluatingBody, LevelAssessment
from lijiao.certificates.schemas.results import (
    BatchIn,
    DecisionReasonIn,
    ErrorOut,
    IssuedOut,
    IssueIn,
    LevelResultOut,
    LevelResultRowIn,
    ResultFilters,
    ResultIn,
)
from lijiao.certificates.selectors import bodies as body_selectors
from lijiao.certificates.selectors import results as selectors
from lijiao.certificates.services import results as services
from lijiao.certificates.services import results_import, results_issue, selfevaluation
from lijiao.certificates.services.lookups import resolve_site, resolve_subject
from lijiao.core.errors import DomainError
from lijiao.core.filtering import filtered_or_error
from lijiao.core.pagination import LimitOffsetPagination, paginate
from lijiao.core.schemas import Schema

router = Router(auth=required_auth)

READ_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ResultsRowErrorOut(Schema):
    row: int
    column: str
    message: str


class ResultsImportOut(Schema):
    total_rows: int
    imported_rows: int
    job_id: int | None


class ResultsImportErrorOut(Schema):
    code: str
    message: str
    job_id: int | None
    row_errors: list[ResultsRowErrorOut]


def _body(request: HttpRequest, body_id: int) -> EvaluatingBody:
    return body_selectors.get_body(current_user(request), body_id)


def _subject(body: EvaluatingBody, payload: ResultIn | BatchIn) -> services.Subject:
    message = _("评价结果有误")
    occupation, work_type, special_item = resolve_subject(
        payload.occupation_code, payload.work_type_code, payload.special_item_code, message=message
    )
    return services.Subject(
        resolve_site(body, payload.site_code, message=message),
        payload.assessed_on,
        occupation,
        work_type,
        special_item,
        payload.level,
    )


def _row(row: LevelResultRowIn) -> services.ResultInput:
    return services.ResultInput(
        citizen_id=row.citizen_id,
        enrollment_id=row.enrollment_id,
        name=row.name,
        theory_score=row.theory_score,
        practical_score=row.practical_score,
        review_score=row.review_score,
    )


def _fresh(request: HttpRequest, pk: int) -> LevelAssessment:
    return selectors.visible_assessments(current_user(request)).get(pk=pk)


@router.get(
    "/bodies/{body_id}/results",
    response={200: list[LevelResultOut], **READ_ERRORS, 422: ErrorOut},
    summary="评价机构的评价结果",
)
@paginate(LimitOffsetPagination)
def list_results(
    request: HttpRequest, body_id: int, filters: Query[ResultFilters]
) -> QuerySet[LevelAssessment]:
    """The body's results in the caller's scope, newest first (a provider's staff: those of its trainees)."""
    body = _body(request, body_id)
    queryset = selectors.visible_assessments(current_user(request)).filter(body=body)
    return filtered_or_error(ResultFilterSet(request.GET, queryset=queryset))


@router.post(
    "/bodies/{body_id}/results",
    response={201: LevelResultOut, **WRITE_ERRORS},
    summary="录入一名考生的评价结果",
)
def record_result(request: HttpRequest, body_id: int, payload: ResultIn) -> Status[LevelAssessment]:
    user = current_user(request)
    body = _body(request, body_id)
    services.require_body_member(user, body)
    subject = _subject(body, payload)
    [saved] = services.record_results(
        actor=user, body=body, subject=subject, rows=[_row(payload)], source="api"
    )
    return Status(201, _fresh(request, saved.pk))


@router.post(
    "/bodies/{body_id}/results/batch",
    response={201: list[LevelResultOut], **WRITE_ERRORS},
    summary="批量录入评价结果（全部成功或全部不保存）",
)
def record_batch(request: HttpRequest, body_id: int, payload: BatchIn) -> Status[list[LevelAssessment]]:
    user = current_user(request)
    body = _body(request, body_id)
    services.require_body_member(user, body)
    if not payload.rows:
        raise DomainError.for_fields(
            _("评价结果有误"), {"rows": _("没有要录入的结果")}, code="invalid_result"
        )
    saved = services.record_results(
        actor=user,
        body=body,
        subject=_subject(body, payload),
        rows=[_row(r) for r in payload.rows],
        source="api",
    )
    fresh = {a.pk: a for a in selectors.visible_assessments(user).filter(pk__in=[s.pk for s in saved])}
    return Status(201, [fresh[s.pk] for s in saved])


@router.post(
    "/bodies/{body_id}/results/import",
    response={
        200: ResultsImportOut,
        400: ResultsImportErrorOut | ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        413: ErrorOut,
        422: ErrorOut,
    },
    summary="导入评价结果表（xlsx/csv，全部成功或全部不导入）",
)
def import_results(request: HttpRequest, body_id: int, file: File[UploadedFile]) -> Status[dict[str, Any]]:
    """Import the body's results sheet; 400 lists the errors by row (the job keeps the error report)."""
    user = current_user(request)
    body = _body(request, body_id)
    services.require_body_member(user, body)
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        return Status(413, {"code": "too_large", "message": _("文件过大"), "errors": []})
    temporary = getattr(file, "temporary_file_path", None)
    data: bytes | Path = Path(temporary()) if temporary is not None else file.read()
    result = results_import.import_results(
        actor=user, body=body, file_name=file.name or "results.xlsx", data=data
    )
    if result.errors:
        return Status(
            400,
            {
                "code": "import_rows",
                "message": _("有%(count)s处错误，未导入任何结果") % {"count": len(result.errors)},
                "job_id": result.job_id,
                "row_errors": [
                    {"row": e.row_number, "column": e.column, "message": e.message}
                    for e in result.errors[:1000]
                ],
            },
        )
    return Status(
        200, {"total_rows": result.total_rows, "imported_rows": result.imported_rows, "job_id": result.job_id}
    )


@router.post(
    "/bodies/{body_id}/results/issue",
    response={201: IssuedOut, **WRITE_ERRORS},
    summary="为已合格的结果颁发证书",
)
def issue(request: HttpRequest, body_id: int, payload: IssueIn) -> Status[dict[str, Any]]:
    user = current_user(request)
    body = _body(request, body_id)
    certificates = results_issue.issue_results(
        actor=user, body=body, assessment_ids=payload.assessment_ids, issued_on=payload.issued_on
    )
    return Status(
        201,
        {
            "issued": len(certificates),
            "certificates": [
                {"id": c.pk, "number": c.number, "assessment_id": c.assessment_id} for c in certificates
            ],
        },
    )


@router.get("/results/{assessment_id}", response={200: LevelResultOut, **READ_ERRORS}, summary="评价结果")
def get_result(request: HttpRequest, assessment_id: int) -> LevelAssessment:
    return selectors.get_assessment(current_user(request), assessment_id)


@router.get(
    "/self-evaluations/queue",
    response={200: list[LevelResultOut], 401: ErrorOut, 403: ErrorOut},
    summary="待确认的企业自主评价结果",
)
@paginate(LimitOffsetPagination)
def confirmation_queue(request: HttpRequest) -> QuerySet[LevelAssessment]:
    return selectors.confirmation_queue(current_user(request))


@router.post(
    "/results/{assessment_id}/confirm",
    response={200: LevelResultOut, **WRITE_ERRORS},
    summary="确认企业自主评价结果",
)
def confirm(request: HttpRequest, assessment_id: int) -> LevelAssessment:
    user = current_user(request)
    assessment = selectors.get_assessment(user, assessment_id)
    selfevaluation.confirm_self_evaluation(actor=user, assessment=assessment)
    return _fresh(request, assessment_id)


@router.post(
    "/results/{assessment_id}/reject",
    response={200: LevelResultOut, **WRITE_ERRORS},
    summary="不予确认企业自主评价结果",
)
def reject_self_evaluation(
    request: HttpRequest, assessment_id: int, payload: DecisionReasonIn
) -> LevelAssessment:
    user = current_user(request)
    assessment = selectors.get_assessment(user, assessment_id)
    selfevaluation.reject_self_evaluation(actor=user, assessment=assessment, reason=payload.reason)
    return _fresh(request, assessment_id)
