from django.urls import URLPattern

from renda.opinions.views import dashboard, entry, imports, search, staff, unit

app_name = "opinions"

urlpatterns: list[URLPattern] = [
    *staff.urlpatterns,
    *unit.urlpatterns,
    *entry.urlpatterns,
    *imports.urlpatterns,
    *search.urlpatterns,
    *dashboard.urlpatterns,
]
