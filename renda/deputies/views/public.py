"""Public portal pages of the deputies' area (placeholder until built), served under /portal/."""

from django.urls import URLPattern

portal_urlpatterns: list[URLPattern] = []
