"""Load the demo city into an empty database (deterministic for a given seed) and print the logins."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renda.core.models import Installation
from renda.organizations.demo import DEMO_PASSWORD, build_demo_city, demo_logins
from renda.organizations.models import Congress

# A year of citizens' opinions, each made by the real actions (about 0.1 s each on the reference machine).
DEMO_OPINIONS_PER_YEAR = 700


class Command(BaseCommand):
    help = "装入演示城市（江城市）。只用于空数据库；生产环境不要运行。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时跳过，只打印演示账户")

    def handle(self, *args: Any, **options: Any) -> None:
        if Congress.objects.exists():
            if not options["if_empty"]:
                raise CommandError("数据库中已有数据，演示数据只能装入空数据库")
            if not Installation.is_demo_database():
                self.stdout.write("数据库已有正式数据，不是演示库，不打印演示账户。")
                return
        else:
            # The demo's thousands of notices would each print a line or two (the demo SMS channel, the inbox).
            loggers = [logging.getLogger(name) for name in ("renda.sms", "renda.notify")]
            levels = [log.level for log in loggers]
            for log in loggers:
                log.setLevel(logging.WARNING)
            try:
                self._build(options["seed"])
            finally:
                for log, level in zip(loggers, levels, strict=True):
                    log.setLevel(level)
        self.stdout.write("")
        self.stdout.write(f"演示账户（密码均为 {DEMO_PASSWORD}）：")
        for login in demo_logins():
            note = "，登录后在“动态口令”页面会显示演示口令" if login.needs_totp else ""
            self.stdout.write(f"  {login.username:<10} {login.role_label}{note}")
        self.stdout.write("  代表和群众也可用短信验证码登录，验证码写在服务器日志里（演示短信通道）。")

    def _build(self, seed: int) -> None:
        from renda.deputies.demo import build_activity, build_roster
        from renda.insight.routing_actions import keyword_rules_load_defaults
        from renda.livelihood.demo import build_demo_livelihood
        from renda.opinions.demo import build_demo_opinions
        from renda.suggestions.demo import build_demo_suggestions

        started = time.perf_counter()
        build_demo_city(seed=seed)
        self.stdout.write(f"  城市和单位：{time.perf_counter() - started:.0f} 秒")
        city = Congress.objects.get(code="jiangcheng")
        steps: list[tuple[str, Callable[[], object]]] = [
            ("代表名册", lambda: build_roster(city=city, seed=seed)),
            ("代表建议", lambda: build_demo_suggestions(city=city, seed=seed)),
            ("履职记录", lambda: build_activity(city=city, seed=seed)),
            ("民生实事", lambda: build_demo_livelihood(city=city, seed=seed)),
            ("分流关键词", lambda: keyword_rules_load_defaults(actor=None, congress=city)),
            ("群众意见", lambda: build_demo_opinions(city=city, seed=seed, per_year=DEMO_OPINIONS_PER_YEAR)),
        ]
        results: dict[str, object] = {}
        for name, step in steps:
            started = time.perf_counter()
            results[name] = step()
            self.stdout.write(f"  {name}：{time.perf_counter() - started:.0f} 秒")
        self.stdout.write(
            self.style.SUCCESS(f"演示群众意见已装入：{results['群众意见']} 件，含相似意见组、激增周和每月分析报告。")
        )
        self.stdout.write(self.style.SUCCESS(f"演示建议已装入：{results['代表建议']} 件，覆盖建议办理的各个环节。"))
        self.stdout.write(self.style.SUCCESS("演示城市已装入：江城市，6 个县区，30 个乡镇街道。"))
