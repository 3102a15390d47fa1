"""The monthly 民情民意分析报告: its tables, charts and plain text; the job; the staff's button and download."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from docx import Document

from renda.conftest import login_client
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.jobs import run_periodic_jobs
from renda.core.models import AuditEvent
from renda.insight import report
from renda.insight.models import Cluster, MonthlyReport
from renda.opinions.models import Opinion, Source, Status
from renda.opinions.tests.loop_world import LoopWorld, build_world
from renda.opinions.tests.stats_support import JULY, at, july_set
from renda.organizations.models import Congress, Unit
from renda.tests_support import factories

pytestmark = pytest.mark.django_db
SCRIPT = "<script>alert('x')</script>"


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def world(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def _july(world: LoopWorld) -> Cluster:
    area = factories.CongressFactory(name="东湖区", code="donghu", level="district", parent=world.city)
    july_set(world.city, world.unit, area)
    moment = at(dt.date(2026, 7, 12))
    cluster = Cluster.objects.create(
        congress=world.city,
        title=f"{SCRIPT}江城市某路路灯不亮",
        size=3,
        first_received_at=moment,
        last_received_at=moment,
    )
    members = [
        Opinion.objects.create(
            congress=world.city, source=Source.PORTAL, text=f"{SCRIPT}某路路灯不亮", received_at=moment, cluster=cluster
        )
        for _ in range(3)
    ]
    cluster.representative = members[0]
    cluster.save(update_fields=["representative"])
    return cluster


def _document(saved: MonthlyReport) -> Any:
    with saved.file.open("rb") as handle:
        return Document(io.BytesIO(handle.read()))


def _all_text(document: Any) -> str:
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_the_report_has_tables_charts_and_rates(world: LoopWorld) -> None:
    _july(world)
    saved = report.monthly_report_generate(actor=world.staff, congress=world.city, month=JULY)
    assert saved.month == JULY and saved.figures["received"] == 15
    rates = {row["name"]: row for row in saved.figures["rates"]}
    assert (rates["on_time"]["numerator"], rates["on_time"]["denominator"]) == (4, 6)
    document = _document(saved)
    text = _all_text(document)
    assert "江城市人民代表大会民情民意分析报告" in text
    assert "（2026年7月）" in text
    for heading in (
        "（一）按来源",
        "（二）按类别",
        "（三）按区域",
        "三、热点问题",
        "四、办理情况",
        "五、转为代表建议的意见",
    ):
        assert heading in text
    assert "东湖区" in text and "网上提交" in text and "城建与物业" in text
    assert "按时答复率" in text and "4/6" in text and "66.7%" in text
    # Three charts (source, category, area) as PNG pictures.
    assert len(document.inline_shapes) == 3
    with saved.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as package:
        images = [name for name in package.namelist() if name.startswith("word/media/")]
        assert len(images) == 3
        assert all(package.read(name)[:8] == b"\x89PNG\r\n\x1a\n" for name in images)


def test_user_text_stays_literal_text(world: LoopWorld) -> None:
    _july(world)
    saved = report.monthly_report_generate(actor=world.staff, congress=world.city, month=JULY)
    text = _all_text(_document(saved))
    assert f"{SCRIPT}江城市某路路灯不亮" in text  # the cluster title, read back as text
    assert f"{SCRIPT}某路路灯不亮" in text  # the citizen's words
    with saved.file.open("rb") as handle, zipfile.ZipFile(io.BytesIO(handle.read())) as package:
        xml = package.read("word/document.xml").decode()
    assert "<script>" not in xml and "&lt;script&gt;" in xml


def test_control_characters_do_not_break_the_document(world: LoopWorld) -> None:
    moment = at(dt.date(2026, 7, 3))
    opinion = Opinion.objects.create(
        congress=world.city,
        source=Source.PORTAL,
        text="路灯\x0b不亮\x07了，请修复。",
        received_at=moment,
        status=Status.CONVERTED,
    )
    saved = report.monthly_report_generate(actor=world.staff, congress=world.city, month=JULY)
    assert opinion.tracking_code in _all_text(_document(saved))


def test_only_the_committee_staff_generate_and_not_the_future(world: LoopWorld) -> None:
    for user in (world.leader, world.officer, world.deputy.user, world.citizen):
        with pytest.raises(NotPermitted):
            report.monthly_report_generate(actor=user, congress=world.city, month=JULY)
    with pytest.raises(InvalidInput) as error:
        report.monthly_report_generate(actor=world.staff, congress=world.city, month=dt.date(2099, 1, 1))
    assert error.value.field == "month"
    assert not MonthlyReport.objects.exists()
    assert not AuditEvent.objects.filter(action="insight.report_generated").exists()


def test_generating_again_replaces_the_month(world: LoopWorld) -> None:
    _july(world)
    first = report.monthly_report_generate(actor=world.staff, congress=world.city, month=JULY)
    second = report.monthly_report_generate(actor=world.staff, congress=world.city, month=JULY)
    assert first.pk == second.pk and MonthlyReport.objects.count() == 1
    events = AuditEvent.objects.filter(action="insight.report_generated").order_by("pk")
    assert [event.summary["regenerated"] for event in events] == [False, True]


def test_the_job_makes_last_months_report_once(world: LoopWorld) -> None:
    _july(world)
    first_of_august = at(dt.date(2026, 8, 1), 1)
    assert report.generate_due_reports(first_of_august) == 1
    assert report.generate_due_reports(first_of_august + dt.timedelta(minutes=5)) == 0
    cache.clear()  # even without the cache mark, the month is not made twice
    assert report.generate_due_reports(first_of_august + dt.timedelta(hours=7)) == 0
    saved = MonthlyReport.objects.get()
    assert (saved.congress_id, saved.month) == (world.city.pk, JULY)
    event = AuditEvent.objects.get(action="insight.report_generated")
    assert event.actor_id is None


def test_the_scheduler_runs_the_job(world: LoopWorld) -> None:
    _july(world)
    job_report = run_periodic_jobs(at(dt.date(2026, 8, 1), 3))
    assert job_report.process_jobs["insight.monthly_reports"] == 1
    assert MonthlyReport.objects.filter(month=JULY).count() == 1


def test_a_congress_without_opinions_gets_no_empty_report(world: LoopWorld) -> None:
    assert report.generate_due_reports(at(dt.date(2026, 8, 1))) == 0
    assert not MonthlyReport.objects.exists()


# --- pages ---


def _client(user: Any) -> Client:
    return login_client(user, user.active_assignment)


def test_staff_generate_list_and_download(world: LoopWorld) -> None:
    _july(world)
    client = _client(world.staff)
    response = client.post(reverse("opinions:report_generate"), {"month": "2026-07"})
    assert response.status_code == 302
    saved = MonthlyReport.objects.get()
    listing = client.get(reverse("opinions:report_list")).content.decode()
    download = reverse("opinions:report_download", kwargs={"monthly_report_id": saved.pk})
    assert download in listing
    for user in (world.staff, world.leader):
        response = _client(user).get(download)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
        body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert "民情民意分析报告" in _all_text(Document(io.BytesIO(body)))


def test_a_bad_month_is_a_400_and_nothing_is_made(world: LoopWorld) -> None:
    client = _client(world.staff)
    response = client.post(reverse("opinions:report_generate"), {"month": "2099-01"})
    assert response.status_code == 400
    assert "不能生成未来月份的报告" in response.content.decode()
    response = client.post(reverse("opinions:report_generate"), {"month": "last month"})
    assert response.status_code == 400
    assert not MonthlyReport.objects.exists()


def test_leaders_read_but_do_not_generate(world: LoopWorld) -> None:
    client = _client(world.leader)
    assert client.post(reverse("opinions:report_generate"), {"month": "2026-07"}).status_code == 403
    assert "report-generate" not in client.get(reverse("opinions:report_list")).content.decode()


def test_other_roles_and_other_congresses_cannot_download(world: LoopWorld, other_city: Congress) -> None:
    _july(world)
    saved = report.monthly_report_generate(actor=world.staff, congress=world.city, month=JULY)
    download = reverse("opinions:report_download", kwargs={"monthly_report_id": saved.pk})
    for user in (world.officer, world.deputy.user, world.citizen, world.station_staff):
        assert _client(user).get(download).status_code == 403
        assert _client(user).post(reverse("opinions:report_generate"), {"month": "2026-07"}).status_code == 403
    from renda.opinions.tests.loop_world import person
    from renda.organizations.roles import Role

    other_office = factories.UnitFactory(congress=other_city, name="河州市办公厅", kind="general_office")
    other_staff = person(other_city, Role.COMMITTEE_STAFF, other_office)
    assert _client(other_staff).get(download).status_code == 404
    assert (
        _client(world.staff).get(reverse("opinions:report_download", kwargs={"monthly_report_id": 999999})).status_code
        == 404
    )
