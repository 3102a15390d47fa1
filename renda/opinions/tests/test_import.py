"""Bulk import of 12345 hotline exports: CSV (UTF-8 or GBK) or Excel, a row-level report, all-or-nothing,
"only the valid rows", and a file imported twice adds nothing."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent
from renda.opinions import importing
from renda.opinions.models import Opinion, Source, Status
from renda.opinions.tests.staff_support import LoopWorld, client_of, loop
from renda.tests_support import factories

__all__ = ["loop"]

pytestmark = pytest.mark.django_db

HEADER = "工单编号,来电时间,诉求内容,所属区域,诉求地址,联系人,联系电话,诉求类别\n"
GOOD = (
    "GD20260101001,2026-01-05 09:30:00,东湖路与新华路路口的路灯坏了一个多月，晚上出行很危险。,东湖区,东湖路 12 号,"
    "李四,13800001111,城市管理\n"
    "GD20260101002,2026/1/6 14:05,小区门口长期占道经营，噪音很大，影响居民休息，希望有关部门处理。,,,王五,,\n"
)
BAD = (
    "GD20260101003,2026-01-07 10:00,太短了,,,,,\n"  # text too short
    ",2026-01-07 11:00,工单编号缺失但内容足够长，应当报错并指出是哪一列。,,,,,\n"  # no ticket number
    "GD20260101005,明天,公交车班次太少，早高峰等车要半小时以上，请增加班次。,,,,12345,\n"  # bad time and phone
    "GD20260101006,2026-01-08 08:00,学校门口接送孩子的车辆乱停，交通拥堵严重。,火星区,,,,\n"  # unknown area
)


def _csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


@pytest.fixture
def donghu(loop: LoopWorld) -> Any:
    return factories.CongressFactory(
        name="东湖区人民代表大会", code="donghu-import", level="district", parent=loop.city
    )


def test_parse_reads_the_common_12345_columns(loop: LoopWorld, donghu: Any) -> None:
    report = importing.parse(_csv(HEADER + GOOD), congress=loop.city)
    assert (report.new, report.invalid, report.skipped, report.encoding) == (2, 0, 0, "UTF-8")
    first = report.opinion_rows[0]
    assert first.external_id == "GD20260101001"
    assert first.area == donghu
    assert first.citizen_phone == "13800001111"
    assert first.received_at is not None
    assert first.received_at.hour == 9 and first.received_at.minute == 30
    assert Opinion.objects.count() == 0  # parsing saves nothing


def test_gbk_csv_is_detected(loop: LoopWorld, donghu: Any) -> None:
    report = importing.parse(_csv(HEADER + GOOD, "gbk"), congress=loop.city)
    assert report.encoding == "GBK"
    assert report.new == 2
    assert report.opinion_rows[0].text.startswith("东湖路与新华路")


def test_other_header_names_and_xlsx(loop: LoopWorld) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["受理编号", "受理时间", "反映内容", "来电人", "来电号码"])
    import datetime as dt

    sheet.append(
        [
            "X-1",
            dt.datetime(2026, 1, 9, 8, 15),
            "菜市场周边垃圾清运不及时，气味很大，请尽快处理。",
            "赵六",
            "139****0000",
        ]
    )
    data = io.BytesIO()
    book.save(data)
    report = importing.parse(data.getvalue(), congress=loop.city)
    assert report.new == 1
    row = report.opinion_rows[0]
    assert (row.external_id, row.citizen_name, row.citizen_phone) == ("X-1", "赵六", "")  # a masked phone is dropped


def test_bad_rows_are_reported_by_row_and_column(loop: LoopWorld, donghu: Any) -> None:
    report = importing.parse(_csv(HEADER + GOOD + BAD), congress=loop.city)
    assert report.invalid == 4
    errors = {row.row: {error.column for error in row.errors} for row in report.invalid_rows}
    assert errors == {4: {"诉求内容"}, 5: {"工单编号"}, 6: {"来电时间", "联系电话"}, 7: {"所属区域"}}
    messages = [error.message for row in report.invalid_rows for error in row.errors]
    assert any("至少 10 个字" in message for message in messages)
    assert any("火星区" in message for message in messages)


def test_nothing_is_saved_if_a_row_is_bad_unless_valid_only(loop: LoopWorld, donghu: Any) -> None:
    report = importing.parse(_csv(HEADER + GOOD + BAD), congress=loop.city)
    with pytest.raises(InvalidInput) as refused:
        importing.opinions_import(actor=loop.staff, congress=loop.city, report=report, valid_only=False)
    assert "4 行存在错误" in refused.value.message
    assert Opinion.objects.count() == 0
    created = importing.opinions_import(actor=loop.staff, congress=loop.city, report=report, valid_only=True)
    assert len(created) == 2
    opinion = Opinion.objects.get(external_id="GD20260101001")
    assert (opinion.source, opinion.status, opinion.area) == (Source.HOTLINE_12345, Status.RECEIVED, donghu)
    assert opinion.citizen_phone_masked == "138****1111"
    assert opinion.received_at.date().isoformat() == "2026-01-05"
    assert AuditEvent.objects.filter(action="opinion.received").count() == 2
    finished = AuditEvent.objects.get(action="opinion.import_finished")
    assert finished.summary["imported"] == 2
    assert finished.summary["skipped_rows"] == [4, 5, 6, 7]


def test_a_file_imported_twice_adds_nothing(loop: LoopWorld, donghu: Any) -> None:
    data = _csv(HEADER + GOOD)
    report = importing.parse(data, congress=loop.city)
    importing.opinions_import(actor=loop.staff, congress=loop.city, report=report, valid_only=False)
    again = importing.parse(data, congress=loop.city)
    assert (again.new, again.skipped, again.invalid) == (0, 2, 0)
    assert importing.opinions_import(actor=loop.staff, congress=loop.city, report=again, valid_only=False) == []
    assert Opinion.objects.count() == 2


def test_a_ticket_twice_in_one_file_is_an_error(loop: LoopWorld) -> None:
    line = "T-1,2026-01-05 09:30,同一工单在文件里出现了两次，第二次应当报错。,,,,,\n"
    report = importing.parse(_csv(HEADER + line + line), congress=loop.city)
    assert report.invalid == 1
    assert "与第 2 行工单编号重复" in report.invalid_rows[0].errors[0].message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "请选择要导入的文件"),
        (_csv("姓名,电话\n张三,13900000000\n"), "缺少“工单编号”列"),
        (_csv(HEADER), "没有数据行"),
        (b"PK\x03\x04 broken zip", "不是有效的 Excel 文件"),
    ],
)
def test_unreadable_files(loop: LoopWorld, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        importing.parse(data, congress=loop.city)
    assert message in refused.value.message
    assert refused.value.field == "file"


def test_only_the_committee_staff_import(loop: LoopWorld) -> None:
    report = importing.parse(_csv(HEADER + GOOD.splitlines(keepends=True)[1]), congress=loop.city)
    for person in (loop.station_staff, loop.officer, loop.leader):
        with pytest.raises(NotPermitted):
            importing.opinions_import(actor=person, congress=loop.city, report=report, valid_only=False)
    assert Opinion.objects.count() == 0


def test_the_page_checks_then_imports(loop: LoopWorld, donghu: Any) -> None:
    client = client_of(loop.staff)
    url = reverse("opinions:import")
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("12345.csv", _csv(HEADER + GOOD + BAD, "gbk"), "text/csv")
    response = client.post(url, {"step": "check", "file": upload, "source": "hotline_12345"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "有错误 4 行" in page
    assert "“所属区域”列：本级人大辖区内没有名为“火星区”的区域" in page
    token = response.context["token"]
    assert Opinion.objects.count() == 0
    refused = client.post(url, {"step": "import", "token": token})
    assert refused.status_code == 400
    assert Opinion.objects.count() == 0
    done = client.post(url, {"step": "import_valid", "token": token})
    assert done.status_code == 302
    assert Opinion.objects.count() == 2
    # The token is spent.
    assert client.post(url, {"step": "import_valid", "token": token}).status_code == 400
    assert client_of(loop.officer).get(url).status_code == 403
    assert client_of(loop.leader).get(url).status_code == 403


def test_the_api_imports_multipart_with_a_report(loop: LoopWorld, donghu: Any) -> None:
    client = client_of(loop.staff)
    dry = client.post(
        "/api/v1/opinions/import",
        {"file": SimpleUploadedFile("a.csv", _csv(HEADER + GOOD + BAD), "text/csv")},
    )
    assert dry.status_code == 200, dry.content
    body = dry.json()
    assert (body["new"], body["invalid"], body["imported"]) == (2, 4, [])
    assert Opinion.objects.count() == 0
    refused = client.post(
        "/api/v1/opinions/import",
        {"file": SimpleUploadedFile("a.csv", _csv(HEADER + GOOD + BAD), "text/csv"), "dry_run": "false"},
    )
    assert refused.status_code == 400
    assert Opinion.objects.count() == 0
    done = client.post(
        "/api/v1/opinions/import",
        {
            "file": SimpleUploadedFile("a.csv", _csv(HEADER + GOOD + BAD), "text/csv"),
            "dry_run": "false",
            "valid_only": "true",
        },
    )
    assert done.status_code == 200
    assert len(done.json()["imported"]) == 2
    denied = client_of(loop.officer).post(
        "/api/v1/opinions/import", {"file": SimpleUploadedFile("a.csv", _csv(HEADER + GOOD), "text/csv")}
    )
    assert denied.status_code == 403
    assert Opinion.objects.count() == 2
