"""Review queues per role (初审, 复审): each claim with how long it has waited (working days) against the target,
and bulk actions on a selection (first review: approve; second review: approve → 公示)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from lijiao.core.errors import DomainError, NotFound
from lijiao.core.errors import PermissionDenied as DomainPermissionDenied
from lijiao.core.links import pk_url
from lijiao.core.pagination import BoundedPaginator
from lijiao.subsidies.models import Claim
from lijiao.subsidies.selectors import claims as selectors
from lijiao.subsidies.services import review
from lijiao.training.views.classes import staff_view


def _queue(request: HttpRequest, step: str) -> HttpResponse:
    if step == "first":
        claims, since = selectors.first_review_queue(request.user), "submitted_at"
    else:
        claims, since = selectors.second_review_queue(request.user), "first_reviewed_at"
    page = BoundedPaginator(claims, selectors.QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.queue_rows(page.object_list, since)
    detail_url = pk_url("subsidies:claim_detail")  # one reverse() for the page (ADR 0015)
    for row in rows:
        row["url"] = detail_url(row["claim"].pk)
    return render(
        request,
        "subsidies/claims/queue.html",
        {
            "step": step,
            "page": page,
            "rows": rows,
            "count": page.paginator.count,
            "target": review.review_target_days(),
            "bulk_url": f"subsidies:queue_{step}_bulk",
        },
    )


@staff_view(review.FIRST_PERM)
@require_GET
def queue_first(request: HttpRequest) -> HttpResponse:
    return _queue(request, "first")


@staff_view(review.SECOND_PERM)
@require_GET
def queue_second(request: HttpRequest) -> HttpResponse:
    return _queue(request, "second")


def _selected(request: HttpRequest) -> list[Claim]:
    ids = [int(v) for v in request.POST.getlist("claim") if v.isdigit()]
    return list(selectors.visible_claims(request.user).filter(pk__in=ids).select_related("handling_area"))


@staff_view(review.FIRST_PERM)
@require_POST
def queue_first_bulk(request: HttpRequest) -> HttpResponse:
    """初审通过 for each selected claim; each refusal is reported, the others go through."""
    done, refused = 0, []
    for claim in _selected(request):
        try:
            review.first_approve_claim(claim=claim, actor=request.user)
            done += 1
        except (DomainPermissionDenied, NotFound):
            raise
        except DomainError as exc:
            refused.append(f"{claim.number}：{exc.message}")
    messages.success(request, _("初审通过%(n)d件。") % {"n": done})
    for line in refused:
        messages.error(request, line)
    return redirect("subsidies:queue_first")


@staff_view(review.SECOND_PERM)
@require_POST
def queue_second_bulk(request: HttpRequest) -> HttpResponse:
    """复审通过 for the selection: one 公示 for all of them (or none, with the reason)."""
    claims = _selected(request)
    try:
        notice = review.second_approve_claims(claims=claims, actor=request.user)
    except (DomainPermissionDenied, NotFound):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("%(n)d件申请已进入公示（%(number)s，至%(end)s）。")
            % {"n": len(claims), "number": notice.number, "end": notice.ends_on.isoformat()},
        )
    return redirect("subsidies:queue_second")


urlpatterns: list[URLPattern] = [
    path("review/first/", queue_first, name="queue_first"),
    path("review/first/approve/", queue_first_bulk, name="queue_first_bulk"),
    path("review/second/", queue_second, name="queue_second"),
    path("review/second/approve/", queue_second_bulk, name="queue_second_bulk"),
]
