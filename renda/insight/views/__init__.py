"""Insight pages; each module exposes ``urlpatterns``."""
