"""Public portal pages of livelihood projects (placeholder until built), served under /portal/."""

from django.urls import URLPattern

portal_urlpatterns: list[URLPattern] = []
