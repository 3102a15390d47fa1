"""The public portal: disclosed suggestions and their replies, open to everyone without logging in."""

from django.urls import URLPattern

from renda.suggestions.views.public import portal_urlpatterns

app_name = "portal"

urlpatterns: list[URLPattern] = [*portal_urlpatterns]
