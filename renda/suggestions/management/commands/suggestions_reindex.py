"""Rebuild the full-text search entries of every suggestion (and the SQLite FTS index)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from renda.suggestions.search import reindex_all


class Command(BaseCommand):
    help = "重建代表建议的全文检索索引 (Rebuild the suggestions' full-text search index)"

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex_all()
        self.stdout.write(self.style.SUCCESS(f"已重建 {count} 件建议的检索索引"))
