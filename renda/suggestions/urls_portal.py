"""The public portal, open to everyone without logging in: suggestions, stations, livelihood projects and
citizens' opinions."""

from django.urls import URLPattern

from renda.deputies.views.public import portal_urlpatterns as deputies_portal
from renda.livelihood.views.public import portal_urlpatterns as livelihood_portal
from renda.opinions.views.public import portal_urlpatterns as opinions_portal
from renda.suggestions.views.public import portal_urlpatterns

app_name = "portal"

urlpatterns: list[URLPattern] = [*portal_urlpatterns, *deputies_portal, *livelihood_portal, *opinions_portal]
