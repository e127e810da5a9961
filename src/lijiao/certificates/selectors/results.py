"""Reading assessment results, scoped (SPEC C5, C12): an evaluating body's staff see their body's results, the
bureau city-wide or its area's (by the body's handling area), a provider's staff the results of its own trainees
(read only: they never record one). The bureau's self-evaluation queue lists the results awaiting confirmation
in the confirmer's scope. A class's sheet for a body's batch entry is read here too, refused to a body that is
the class's own provider (培评分离).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from lijiao.accounts.scope import Scope
from lijiao.certificates.models import EvaluatingBody, LevelAssessment
from lijiao.certificates.selectors.bodies import scope_by_body
from lijiao.core.actors import Actor
from lijiao.core.errors import NotFound, PermissionDenied
from lijiao.core.permissions import has_any_perm, require_perm
from lijiao.training.models import Enrollment, TrainingClass

__all__ = [
    "VIEW_RESULT",
    "class_for_assessment",
    "confirmation_queue",
    "get_assessment",
    "visible_assessments",
]

VIEW_RESULT = "certificates.view_levelassessment"


def _base() -> QuerySet[LevelAssessment]:
    return LevelAssessment.objects.select_related(
        "person", "body", "site", "occupation", "work_type", "special_item", "certificate"
    )


def visible_assessments(user: Actor | None) -> QuerySet[LevelAssessment]:
    """Results the user may see, newest first (none without ``certificates.view_levelassessment``)."""
    if not has_any_perm(user, VIEW_RESULT):
        return LevelAssessment.objects.none()
    return scope_by_body(
        user,
        _base(),
        body_field="body",
        area_field="body__handling_area",
        provider_field="enrollment__training_class__provider",
    )


def get_assessment(user: Actor | None, pk: int) -> LevelAssessment:
    """One visible result: :class:`PermissionDenied` without the view permission, :class:`NotFound` out of scope."""
    require_perm(user, VIEW_RESULT)
    found = visible_assessments(user).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("评价结果不存在"))
    return found


def confirmation_queue(user: Actor | None) -> QuerySet[LevelAssessment]:
    """Self-evaluations awaiting the bureau's confirmation in the confirmer's scope, oldest first."""
    require_perm(user, "certificates.confirm_selfevaluation", message=_("您没有确认企业自主评价结果的权限"))
    queryset = _base().filter(
        kind=LevelAssessment.Kind.SELF_EVALUATION, status=LevelAssessment.Status.RECORDED
    )
    return Scope.for_user(user).filter_by_area(queryset, "body__handling_area").order_by("recorded_at", "id")


def class_for_assessment(
    user: Actor | None, body: EvaluatingBody, code: str
) -> tuple[TrainingClass, list[Enrollment]]:
    """A class (by its code) whose trainees the body assesses, with its enrollments that were not withdrawn.

    The caller has checked the user works for ``body``. Unknown code: :class:`NotFound`; a class of the body's
    own provider: :class:`PermissionDenied` (培评分离 — a provider never assesses its own trainees)."""
    training_class = (
        TrainingClass.objects.select_related("provider", "catalog_item").filter(code=code.strip()).first()
    )
    if training_class is None:
        raise NotFound(_("没有编号为“%(code)s”的培训班") % {"code": code.strip()[:30]})
    if body.provider_id is not None and training_class.provider_id == body.provider_id:
        raise PermissionDenied(_("培评分离：本评价机构同为该班的培训机构，不能评价本机构培训的学员"))
    enrollments = list(
        Enrollment.objects.filter(training_class=training_class)
        .exclude(status=Enrollment.Status.WITHDRAWN)
        .select_related("person")
        .order_by("person__name", "id")
    )
    return training_class, enrollments
