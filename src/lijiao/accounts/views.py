"""Login, logout, password change, profile with masked personal data, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lijiao.accounts.forms import LanguageForm, LoginForm, TokenForm
from lijiao.accounts.http import AuthedRequest
from lijiao.accounts.middleware import SESSION_LANGUAGE_KEY
from lijiao.accounts.models import ApiToken, User
from lijiao.accounts.roles import ROLES, roles_of
from lijiao.accounts.services import create_api_token, revoke_api_token, set_user_language
from lijiao.audit.services import reveal_personal_data
from lijiao.core.errors import DomainError

REVEALABLE = {"citizen_id", "phone"}


class LijiaoLoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LijiaoLogoutView(auth_views.LogoutView):
    pass


class PasswordChange(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        messages.success(self.request, _("密码已修改。"))
        return super().form_valid(form)


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    user = request.user
    labels = [ROLES[r].label for r in roles_of(user)]
    language_form = LanguageForm(initial={"language": user.language})
    return render(
        request,
        "accounts/profile.html",
        {"profile_user": user, "role_labels": labels, "language_form": language_form},
    )


@login_required
@require_POST
def language(request: AuthedRequest) -> HttpResponse:
    """Save the user's interface language; it applies at once (session) and at every later login."""
    form = LanguageForm(request.POST)
    if form.is_valid():
        user = set_user_language(actor=request.user, language=form.cleaned_data["language"])
        if user.language:
            request.session[SESSION_LANGUAGE_KEY] = user.language
            translation.activate(user.language)
        else:
            request.session.pop(SESSION_LANGUAGE_KEY, None)
            translation.activate(translation.get_language_from_request(request))
        messages.success(request, _("界面语言已保存。"))
    return redirect("accounts:profile")


@login_required
@require_POST
def reveal(request: HttpRequest, user_id: int, field: str) -> HttpResponse:
    if field not in REVEALABLE:
        return HttpResponse(status=404)
    target = get_object_or_404(User, pk=user_id)
    try:
        value = reveal_personal_data(actor=request.user, obj=target, field_name=field)
    except DomainError as exc:
        return HttpResponseForbidden(exc.message)
    return render(request, "accounts/_revealed.html", {"value": value})


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    """The user's API tokens; only roles that may integrate (not workers, employers, schools) have them."""
    if not request.user.has_perm("accounts.add_apitoken"):
        raise PermissionDenied
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = create_api_token(
                actor=request.user, name=form.cleaned_data["name"], ttl_days=form.cleaned_data["ttl_days"]
            )
            form = TokenForm()
        except DomainError as exc:
            for error in exc.errors:
                form.add_error(error.field if error.field in form.fields else None, error.message)
    items = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/tokens.html", {"form": form, "tokens": items, "new_token": new_token})


@login_required
@require_POST
def revoke_token(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_api_token(actor=request.user, token=token)
    messages.success(request, _("令牌 %(prefix)s… 已吊销。") % {"prefix": token.prefix})
    return redirect("accounts:tokens")
