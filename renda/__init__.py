"""Renda. The Celery app is loaded with Django so that tasks use the configured broker (or run in-process)."""

from renda.celery import app as celery_app

__all__ = ["celery_app"]
