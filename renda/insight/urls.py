from django.urls import URLPattern

from renda.insight.views import routing, topics

app_name = "insight"

urlpatterns: list[URLPattern] = [*routing.urlpatterns, *topics.urlpatterns]
