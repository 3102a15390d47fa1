from django.urls import URLPattern

from renda.deputies.views import record, reports, roster, scores, stations

app_name = "deputies"

urlpatterns: list[URLPattern] = [
    *roster.urlpatterns,
    *stations.urlpatterns,
    *record.urlpatterns,
    *scores.urlpatterns,
    *reports.urlpatterns,
]
