"""The annual duty report (.docx), read back with python-docx."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from docx import Document

from renda.conftest import login_client
from renda.deputies.actions import record
from renda.deputies.annual_report import build_annual_report
from renda.deputies.models import DeputyScore, DutyEntry, EntryKind, ScoringScheme
from renda.deputies.tests._record_world import (  # noqa: F401 - fixtures
    RecordWorld,
    media_root,
    photo,
    record_world,
    suggestion_world,
)
from renda.suggestions.tests.conftest import drive

pytestmark = pytest.mark.django_db


def text_of(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def report(rw: RecordWorld, **values: object) -> DutyEntry:
    return record.entry_self_report(
        actor=rw.deputy,
        kind=values.pop("kind", EntryKind.INSPECTION),  # type: ignore[arg-type]
        date=values.pop("date", dt.date(2026, 3, 5)),  # type: ignore[arg-type]
        title=values.pop("title", "视察"),  # type: ignore[arg-type]
        hours=values.pop("hours", "3"),  # type: ignore[arg-type]
        uploads=[photo()],
    )


def test_report_lists_verified_entries_by_month_with_counts(rw: RecordWorld) -> None:
    march = report(rw, title="参加养老服务视察")
    record.entry_verify(actor=rw.staff, entry=march)
    training = record.entry_staff_add(
        actor=rw.staff,
        profile=rw.profile,
        kind=EntryKind.TRAINING,
        date=dt.date(2026, 4, 2),
        title="履职培训",
        hours="6",
    )
    report(rw, title="尚待核实的调研")  # pending: not in the report
    drive(rw.sw, "submitted", title="关于增设公交线路的建议")
    DutyEntry.objects.filter(kind=EntryKind.SUGGESTION).update(date=dt.date(2026, 5, 6))

    text = text_of(build_annual_report(profile=rw.profile, year=2026, entries=DutyEntry.objects.all()))

    assert f"{rw.profile.name}代表2026年度履职报告" in text
    assert "参加养老服务视察" in text and training.title in text
    assert "尚待核实的调研" not in text
    assert "3月（1 项）" in text and "4月（1 项）" in text
    assert "视察 | 1 | 3" in text and "参加培训 | 1 | 6" in text
    assert "领衔提出建议 1 件" in text and "关于增设公交线路的建议" in text
    assert "参加培训 1 次，累计 6 学时" in text
    assert "138****5678" in text and "13812345678" not in text  # masked phone only
    assert "尚未计算" in text


def test_report_shows_the_stored_score(rw: RecordWorld) -> None:
    scheme = ScoringScheme.objects.create(congress=rw.sw.city, name="办法", effective_year=2026, created_by=rw.staff)
    DeputyScore.objects.create(
        scheme=scheme,
        profile=rw.profile,
        year=2026,
        quarter=4,
        total=Decimal("86.5"),
        grade="good",
        computed_at=timezone.now(),
    )
    text = text_of(build_annual_report(profile=rw.profile, year=2026, entries=DutyEntry.objects.all()))
    assert "2026年度履职积分（全年）：86.5 分，等次：好。" in text


def test_markup_is_written_as_plain_text(rw: RecordWorld) -> None:
    entry = record.entry_staff_add(
        actor=rw.staff,
        profile=rw.profile,
        kind=EntryKind.OTHER,
        date=dt.date(2026, 6, 1),
        title="<script>alert('x')</script><b>粗体</b>\x07",
    )
    text = text_of(build_annual_report(profile=rw.profile, year=2026, entries=DutyEntry.objects.all()))
    assert "<script>alert('x')</script><b>粗体</b>" in text
    assert entry.pk


def test_report_download_by_role(rw: RecordWorld) -> None:
    url = f"/deputies/files/{rw.profile.pk}/report.docx?year=2026"
    mine = login_client(rw.deputy).get(url)
    assert mine.status_code == 200
    assert mine["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "filename*=UTF-8''" in mine["Content-Disposition"]
    assert "履职报告" in text_of(mine.content)
    assert login_client(rw.staff).get(url).status_code == 200
    assert login_client(rw.other_deputy).get(url).status_code == 404
    assert login_client(rw.deputy).get(f"/deputies/files/{rw.profile.pk}/report.docx?year=abc").status_code == 400
    api = login_client(rw.leader).get(f"/api/v1/deputies/profiles/{rw.profile.pk}/report.docx?year=2026")
    assert api.status_code == 200 and "履职报告" in text_of(api.content)
    assert login_client(rw.sw.citizen).get(f"/api/v1/deputies/profiles/{rw.profile.pk}/report.docx").status_code == 404
