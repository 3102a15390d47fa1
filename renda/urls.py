from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from renda.api.api import api
from renda.core import audit_views, todo_views
from renda.organizations import views as organization_views

handler400 = "renda.core.views.bad_request"
handler403 = "renda.core.views.permission_denied"
handler404 = "renda.core.views.page_not_found"
handler500 = "renda.core.views.server_error"

urlpatterns = [
    path("", organization_views.home, name="home"),
    path("accounts/", include("renda.accounts.urls")),
    path("manage/", include("renda.organizations.urls")),
    path("ballots/", include("renda.ballots.urls")),
    path("suggestions/", include("renda.suggestions.urls")),
    path("portal/", include("renda.suggestions.urls_portal")),
    path("motions/", include("renda.motions.urls")),
    path("deputies/", include("renda.deputies.urls")),
    path("livelihood/", include("renda.livelihood.urls")),
    path("opinions/", include("renda.opinions.urls")),
    path("insight/", include("renda.insight.urls")),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("todo/", todo_views.todo_list, name="todo_list"),
    path("inbox/", todo_views.inbox, name="inbox"),
    path("inbox/<int:notification_id>/read/", todo_views.notification_read, name="notification_read"),
    path("notifications/preferences/", todo_views.preferences, name="notification_preferences"),
    path("jobs/failed/", todo_views.failed_jobs, name="failed_jobs"),
    path("jobs/failed/<int:job_id>/retry/", todo_views.failed_job_retry, name="failed_job_retry"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    # Emergency data fixes only; the product's own pages are above.
    path("django-admin/", admin.site.urls),
]
