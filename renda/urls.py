from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from renda.api.api import api
from renda.core import audit_views
from renda.organizations import views as organization_views

handler400 = "renda.core.views.bad_request"
handler403 = "renda.core.views.permission_denied"
handler404 = "renda.core.views.page_not_found"
handler500 = "renda.core.views.server_error"

urlpatterns = [
    path("", organization_views.home, name="home"),
    path("accounts/", include("renda.accounts.urls")),
    path("manage/", include("renda.organizations.urls")),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    # Emergency data fixes only; the product's own pages are above.
    path("django-admin/", admin.site.urls),
]
