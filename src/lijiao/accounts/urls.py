from django.urls import path

from lijiao.accounts import views
from lijiao.accounts.holidays import views as holiday_views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LijiaoLoginView.as_view(), name="login"),
    path("logout/", views.LijiaoLogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChange.as_view(), name="password_change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("users/<int:user_id>/reveal/<str:field>/", views.reveal, name="reveal"),
    path("profile/", views.profile, name="profile"),
    path("profile/language/", views.language, name="language"),
    path("holidays/", holiday_views.holiday_years, name="holiday_years"),
    path("holidays/<int:year>/", holiday_views.holiday_year, name="holiday_year"),
]
