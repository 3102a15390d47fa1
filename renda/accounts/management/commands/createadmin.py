"""Create the first administrator of a production install (and the city congress if there is none)."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.core.audit import audit_record
from renda.organizations.models import Congress, CongressLevel, RoleAssignment
from renda.organizations.roles import Role


class Command(BaseCommand):
    help = "创建第一个系统管理员（要求强密码）。城市人大不存在时一并创建。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument("--congress-name", help="城市人大全称，例如“某某市人民代表大会”（首次安装时必填）")
        parser.add_argument("--congress-code", help="城市人大代码（英文字母），首次安装时必填")
        parser.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")

    def handle(self, *args: Any, **options: Any) -> None:
        password = sys.stdin.readline().rstrip("\n") if options["password_stdin"] else getpass.getpass("密码：")
        user = User(username=options["username"], full_name=options["full_name"])
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("密码不符合要求：" + "；".join(error.messages)) from None
        if User.objects.filter(username=options["username"]).exists():
            raise CommandError("用户名已存在")
        with transaction.atomic():
            city = Congress.objects.filter(level=CongressLevel.CITY, parent__isnull=True).first()
            if city is None:
                if not options["congress_name"] or not options["congress_code"]:
                    raise CommandError("首次安装须提供 --congress-name 和 --congress-code")
                city = Congress.objects.create(
                    name=options["congress_name"], code=options["congress_code"], level=CongressLevel.CITY
                )
            user.set_password(password)
            user.password_changed_at = timezone.now()
            user.save()
            assignment = RoleAssignment.objects.create(user=user, congress=city, role=Role.STAFF_ADMIN)
            audit_record(
                actor=None, action="account.first_admin_created", target=assignment, congress=city, acting_role="system"
            )
        self.stdout.write(
            self.style.SUCCESS(f"已创建系统管理员 {user.username}（{city.name}）。首次登录时须绑定动态口令。")
        )
