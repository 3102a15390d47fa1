"""Load the demo city into an empty database (deterministic for a given seed) and print the logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renda.core.models import Installation
from renda.organizations.demo import DEMO_PASSWORD, build_demo_city, demo_logins
from renda.organizations.models import Congress


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
            build_demo_city(seed=options["seed"])
            from renda.deputies.demo import build_activity, build_roster
            from renda.livelihood.demo import build_demo_livelihood
            from renda.suggestions.demo import build_demo_suggestions

            city = Congress.objects.get(code="jiangcheng")
            build_roster(city=city, seed=options["seed"])
            count = build_demo_suggestions(city=city, seed=options["seed"])
            build_activity(city=city, seed=options["seed"])
            build_demo_livelihood(city=city, seed=options["seed"])
            self.stdout.write(self.style.SUCCESS(f"演示建议已装入：{count} 件，覆盖建议办理的各个环节。"))
            self.stdout.write(self.style.SUCCESS("演示城市已装入：江城市，6 个县区，30 个乡镇街道。"))
        self.stdout.write("")
        self.stdout.write(f"演示账户（密码均为 {DEMO_PASSWORD}）：")
        for login in demo_logins():
            note = "，登录后在“动态口令”页面会显示演示口令" if login.needs_totp else ""
            self.stdout.write(f"  {login.username:<10} {login.role_label}{note}")
        self.stdout.write("  代表和群众也可用短信验证码登录，验证码写在服务器日志里（演示短信通道）。")
