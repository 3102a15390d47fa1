"""Back up the database and the uploaded files into one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renda.core.backup import VENDOR_LABELS, BackupError, create_backup, human_size


class Command(BaseCommand):
    help = (
        "备份数据库和上传文件（MEDIA_ROOT）到一个 .tar.gz 归档，附 manifest.json（迁移状态、各表行数、审计链头）。"
        "默认写到 RENDA_VAR_DIR/backups/，文件权限 600。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            metavar="PATH",
            help="归档文件路径，或已存在的目录（在其中按时间命名）；不会覆盖已有文件",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options.get("output") else None
        try:
            result = create_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        database = manifest["database"]
        counts = manifest["row_counts"]
        chain = manifest["audit_chain"]
        media = manifest["media"]
        self.stdout.write(f"备份完成：{result.path}（{human_size(result.size)}）")
        self.stdout.write(
            f"  数据库：{VENDOR_LABELS.get(database['vendor'], database['vendor'])} {database['engine_version']}，"
            f"{len(counts)} 张表，共 {sum(counts.values())} 行"
        )
        self.stdout.write(f"  审计链头：#{chain['last_sequence']} {chain['last_hash'][:16]}…")
        self.stdout.write(f"  上传文件：{media['files']} 个，共 {human_size(media['bytes'])}")
