"""The public portal: disclosed suggestions and their replies, open to everyone without logging in."""

from django.urls import URLPattern

app_name = "portal"

urlpatterns: list[URLPattern] = []
