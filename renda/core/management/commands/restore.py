"""Restore a backup archive into the configured database and MEDIA_ROOT, then check it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renda.core.backup import VENDOR_LABELS, BackupError, describe_created_at, human_size, restore_backup


class Command(BaseCommand):
    help = (
        "把 backup 生成的归档恢复到当前配置的数据库（应为空库）和 MEDIA_ROOT，"
        "然后核对各表行数、迁移状态和审计链，与 manifest.json 不一致时以非零状态退出。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="备份归档文件（renda-backup-*.tar.gz）")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标数据库已有数据时仍然恢复（覆盖现有数据）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"]).expanduser()
        try:
            result = restore_backup(path, force=options["force"])
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        vendor = manifest["database"]["vendor"]
        expected_rows = sum(manifest["row_counts"].values())
        self.stdout.write(
            f"已从 {path} 恢复（备份时间 {describe_created_at(manifest)}，{VENDOR_LABELS.get(vendor, vendor)}）"
        )
        self.stdout.write(
            f"  数据库：{result.tables} 张表，共 {result.rows} 行（备份清单：{len(manifest['row_counts'])} 张表，"
            f"{expected_rows} 行）"
        )
        self.stdout.write(f"  上传文件：{result.media_files} 个，共 {human_size(result.media_bytes)}")
        sequence, last_hash = result.chain_head
        self.stdout.write(f"  审计链：校验了 {result.chain_checked} 个事件，链头 #{sequence} {last_hash[:16]}…")
        for note in result.notes:
            self.stdout.write(f"  注意：{note}")
        if not result.ok:
            details = "\n".join(f"  - {problem}" for problem in result.problems)
            raise CommandError(
                f"恢复后的数据与备份清单不一致，共 {len(result.problems)} 处（不要使用这个数据库，请检查备份文件）：\n"
                f"{details}"
            )
        self.stdout.write(self.style.SUCCESS("恢复完成，行数、迁移状态和审计链都与备份清单一致。"))
