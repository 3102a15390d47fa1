"""Analyse a congress's opinions in bulk: tokens, routing suggestions, search index, near-duplicate clusters.

    manage.py insight_analyse --congress city            # every unanalysed opinion, then recluster
    manage.py insight_analyse --congress 3 --all         # re-analyse every opinion
    manage.py insight_analyse --congress city --workers 0 --chunk 5000

Prints per-stage timings (``renda.insight.pipeline``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from renda.insight.pipeline import CHUNK_SIZE, analyse_congress, unanalysed_count
from renda.organizations.models import Congress


class Command(BaseCommand):
    help = "批量分析一个人大的群众意见（分词、分流建议、全文索引、相似意见组）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--congress", required=True, help="人大的 id 或代码（code）")
        parser.add_argument("--all", action="store_true", help="重新分析全部意见（默认只分析尚未分析的）")
        parser.add_argument("--chunk", type=int, default=CHUNK_SIZE, help="每批条数")
        parser.add_argument("--workers", type=int, default=None, help="分词子进程数（0 = 在本进程内）")
        parser.add_argument("--no-cluster", action="store_true", help="不重新计算相似意见组")

    def handle(self, *args: Any, **options: Any) -> None:
        key = str(options["congress"])
        congress = Congress.objects.filter(pk=int(key)).first() if key.isdigit() else None
        congress = congress or Congress.objects.filter(code=key).first()
        if congress is None:
            raise CommandError(f"没有找到人大：{key}")
        if options["chunk"] < 1:
            raise CommandError("--chunk 必须大于 0")
        verbose = options["verbosity"] >= 2
        self.stdout.write(f"{congress.name}：待分析 {unanalysed_count(congress)} 条")
        report = analyse_congress(
            congress,
            chunk_size=options["chunk"],
            workers=options["workers"],
            reanalyse=options["all"],
            cluster=not options["no_cluster"],
            progress=self.stdout.write if verbose else None,
        )
        self.stdout.write(report.summary())
        for stage, seconds in report.timings.items():
            self.stdout.write(f"  {stage:<14} {seconds:8.2f} s")
