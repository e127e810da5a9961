"""What every screen's forms share: a service's refusal put onto the form, and the date input widget.

Forms only parse input; the services decide what is valid and who may do it. A service refuses with a
:class:`~lijiao.core.errors.DomainError` whose field errors name the input that is wrong; the screen shows them on
those fields::

    if request.method == "POST" and form.is_valid():
        with service_errors_on(form):
            tc = services.create_class(actor=request.user, data=form.to_input())
            messages.success(request, "…")
            return redirect("training:class_detail", pk=tc.pk)
    return render(request, "…", {"form": form})
"""

from __future__ import annotations

from collections.abc import Collection
from types import TracebackType

from django import forms

from lijiao.core.errors import DomainError, PermissionDenied

__all__ = ["DATE_WIDGET", "apply_domain_error", "service_errors_on"]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def apply_domain_error(
    form: forms.Form, exc: DomainError, *, whole_message_codes: Collection[str] = ()
) -> None:
    """Put a service's field errors on the form fields (unknown fields and ``__all__`` as form errors).

    ``whole_message_codes``: refusals shown as their one message (e.g. ``not_eligible``, whose message lists every
    reason) instead of field by field.
    """
    if not exc.errors or exc.code in whole_message_codes:
        form.add_error(None, exc.message)
        return
    for error in exc.errors:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)


class service_errors_on:
    """``with service_errors_on(form): …``: a :class:`DomainError` raised in the block (a service refusing the
    form's data) goes onto the form (:func:`apply_domain_error`) and the block is left; a refused permission
    propagates (the view's decorator answers 403)."""

    def __init__(self, form: forms.Form, *, whole_message_codes: Collection[str] = ()) -> None:
        self.form = form
        self.whole_message_codes = whole_message_codes

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        if not isinstance(exc, DomainError) or isinstance(exc, PermissionDenied):
            return False
        apply_domain_error(self.form, exc, whole_message_codes=self.whole_message_codes)
        return True
