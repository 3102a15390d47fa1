from django.urls import URLPattern

from renda.livelihood.views import cycle, figures, oversight

app_name = "livelihood"

urlpatterns: list[URLPattern] = [
    *cycle.urlpatterns,
    *oversight.urlpatterns,
    *figures.urlpatterns,
]
