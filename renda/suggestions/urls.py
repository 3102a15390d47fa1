from django.urls import URLPattern

from renda.suggestions.views import deputy, imports, ledger, public, staff, unit

app_name = "suggestions"

urlpatterns: list[URLPattern] = [
    *deputy.urlpatterns,
    *staff.urlpatterns,
    *unit.urlpatterns,
    *ledger.urlpatterns,
    *imports.urlpatterns,
    *public.urlpatterns,
]
