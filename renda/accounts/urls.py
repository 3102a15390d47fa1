from django.urls import path

from renda.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/totp/", views.totp_view, name="totp"),
    path("login/totp/setup/", views.totp_setup_view, name="totp_setup"),
    path("login/sms/", views.sms_login_view, name="sms_login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/change/", views.password_change_view, name="password_change"),
    path("tokens/", views.tokens_view, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("role/", views.role_switch_view, name="role_switch"),
]
