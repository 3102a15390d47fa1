"""Verify the audit chain and name the first broken or missing event."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from renda.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计哈希链，指出第一个被篡改或缺失的事件。"

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        report = verify_chain()
        elapsed = time.perf_counter() - started
        if not report.ok:
            raise CommandError(f"审计链校验失败：{report.problem}（已校验 {report.checked} 个事件）")
        self.stdout.write(f"审计链完整：{report.checked} 个事件，用时 {elapsed:.1f} 秒")
