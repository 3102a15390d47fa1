"""Importing suggestions from the secretariat's Excel sheet: the report, all-or-nothing, valid rows only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from renda.conftest import login_client
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent
from renda.organizations.models import RoleAssignment
from renda.organizations.roles import Role
from renda.suggestions import importing
from renda.suggestions.models import Cosigner, CosignerStatus, SearchEntry, Status, Suggestion
from renda.suggestions.tests.conftest import SuggestionWorld, acting
from renda.tests_support import factories

COLUMNS = list(importing.TEMPLATE_COLUMNS)


def sheet(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    columns = columns or COLUMNS
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(columns)
    for row in rows:
        worksheet.append([row.get(column, "") for column in columns])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def good_row(sw: SuggestionWorld, **changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "标题": "关于增设公交线路的建议",
        "内容": "新建小区居民出行不便，建议增设公交线路。",
        "类别": "城乡建设",
        "提出时间": "会议期间",
        "会议": sw.session.name,
        "领衔代表": "王建国",
        "联名代表": "李红、张伟",
        "提交日期": "2026-01-12",
    }
    row.update(changes)
    return row


def upload(data: bytes, name: str = "建议.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def errors_of(report: importing.ImportReport, row: int) -> list[tuple[str, str]]:
    return [(error.column, error.message) for found in report.rows if found.row == row for error in found.errors]


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


# --- parse and the action ---


@pytest.mark.django_db
def test_valid_sheet_imports_every_row_submitted_with_confirmed_cosigners(sw: SuggestionWorld) -> None:
    data = sheet(
        [
            good_row(sw),
            good_row(sw, 标题="关于学校周边交通安全的建议", 类别="教科文卫", 联名代表="李红"),
            good_row(
                sw, 标题="关于农村饮水的建议", 提出时间="闭会期间", 会议="", 领衔代表="赵敏", 联名代表="", 提交日期=""
            ),
        ]
    )
    report = importing.parse(data, congress=sw.city)
    assert [row.ok for row in report.rows] == [True, True, True], [row.errors for row in report.rows]
    events_before = AuditEvent.objects.count()

    created = importing.suggestions_import(actor=sw.staff, congress=sw.city, report=report, valid_only=False)

    assert len(created) == 3
    first = Suggestion.objects.get(title="关于增设公交线路的建议")
    assert first.status == Status.SUBMITTED
    assert first.lead_deputy == sw.deputy
    assert first.delegation == sw.delegation
    assert first.session == sw.session and first.year == 2026
    assert first.category == "urban" and first.phase == "session"
    assert first.submitted_at is not None and first.submitted_at.date().isoformat() == "2026-01-12"
    assert set(first.cosigners.values_list("deputy_id", "status")) == {
        (sw.cosigners[0].pk, CosignerStatus.CONFIRMED),
        (sw.cosigners[1].pk, CosignerStatus.CONFIRMED),
    }
    recess = Suggestion.objects.get(title="关于农村饮水的建议")
    assert recess.session is None and recess.phase == "recess" and recess.lead_deputy == sw.outsider_deputy
    assert SearchEntry.objects.filter(suggestion__in=created).count() == 3
    # One event per item (its timeline starts there) and one for the batch.
    assert AuditEvent.objects.count() == events_before + 4
    assert AuditEvent.objects.filter(action="suggestion.imported").count() == 3
    assert AuditEvent.objects.filter(action="suggestion.import_finished").count() == 1
    # The staff's review queue now holds them: they can be registered as usual.
    from renda.suggestions import actions

    actions.suggestion_register(actor=sw.staff, suggestion=first)


@pytest.mark.django_db
def test_one_bad_row_imports_nothing_and_names_row_and_column(sw: SuggestionWorld) -> None:
    data = sheet([good_row(sw), good_row(sw, 标题="关于路灯的建议", 类别="环保", 内容="")])
    report = importing.parse(data, congress=sw.city)
    assert report.valid == 1 and report.invalid == 1
    errors = errors_of(report, 3)
    assert ("类别", "类别“环保”无效，应为：财政经济、城乡建设、农业农村、教科文卫、社会建设、监察司法、其他") in errors
    assert ("内容", "内容不能为空") in errors

    with pytest.raises(InvalidInput) as refused:
        importing.suggestions_import(actor=sw.staff, congress=sw.city, report=report, valid_only=False)
    assert refused.value.field == "file"
    assert "有 1 行存在错误，未导入任何数据" in refused.value.message
    assert not Suggestion.objects.exists()
    assert not Cosigner.objects.exists()


@pytest.mark.django_db
def test_valid_only_imports_the_good_rows(sw: SuggestionWorld) -> None:
    data = sheet(
        [
            good_row(sw),
            good_row(sw, 标题="没有会议的会议期间建议", 会议=""),
            good_row(sw, 标题="不存在的代表", 领衔代表="查无此人"),
            good_row(sw, 标题="x" * 101),
        ]
    )
    report = importing.parse(data, congress=sw.city)
    assert errors_of(report, 3) == [("会议", "会议期间提出的建议须填写会议名称")]
    assert errors_of(report, 4) == [("领衔代表", "没有找到名为“查无此人”的本级人大代表")]
    assert errors_of(report, 5) == [("标题", "标题不能超过 100 个字（现为 101 个字）")]

    created = importing.suggestions_import(actor=sw.staff, congress=sw.city, report=report, valid_only=True)

    assert [item.title for item in created] == ["关于增设公交线路的建议"]
    assert Suggestion.objects.count() == 1
    summary = AuditEvent.objects.get(action="suggestion.import_finished")
    assert summary.summary["skipped_rows"] == [3, 4, 5]


@pytest.mark.django_db
def test_ambiguous_names_ask_for_the_phone(sw: SuggestionWorld) -> None:
    namesake = factories.UserFactory(full_name="李红", phone="13900001111")
    RoleAssignment.objects.create(user=namesake, congress=sw.city, role=Role.DEPUTY, unit=sw.delegation)
    sw.cosigners[0].phone = "13900002222"
    sw.cosigners[0].save()
    data = sheet(
        [
            good_row(sw, 标题="甲", 领衔代表="李红", 联名代表="张伟"),
            good_row(sw, 标题="乙", 联名代表="李红"),
            good_row(sw, 标题="丙", 领衔代表="李红", 领衔代表手机号=13900001111, 联名代表="李红（13900002222）、张伟"),
            good_row(sw, 标题="丁", 领衔代表="李红", 领衔代表手机号="13900009999", 联名代表=""),
        ]
    )
    report = importing.parse(data, congress=sw.city)
    assert errors_of(report, 2) == [("领衔代表", "有 2 位本级代表同名“李红”，请在“领衔代表手机号”列填写手机号以区分")]
    assert errors_of(report, 3) == [("联名代表", "有 2 位本级代表同名“李红”，请写成“李红（手机号）”以区分")]
    assert errors_of(report, 4) == []
    assert errors_of(report, 5) == [("领衔代表手机号", "没有找到姓名为“李红”、手机号为 13900009999 的本级人大代表")]
    third = report.rows[2]
    assert third.lead == namesake and third.cosigners == [sw.cosigners[0], sw.cosigners[1]]


@pytest.mark.django_db
def test_cosigners_duplicates_and_other_congress_are_reported(sw: SuggestionWorld, other_city: Any) -> None:
    foreign = factories.UserFactory(full_name="外市代表")
    RoleAssignment.objects.create(user=foreign, congress=other_city, role=Role.DEPUTY)
    retired = factories.UserFactory(full_name="卸任代表")
    RoleAssignment.objects.create(user=retired, congress=sw.city, role=Role.DEPUTY, is_active=False)
    data = sheet(
        [
            good_row(sw, 联名代表="王建国，李红,李红"),
            good_row(sw, 标题="二", 联名代表="外市代表、卸任代表", 会议="另一次会议", 提交日期="明天"),
            good_row(sw, 标题="二", 联名代表="", 提出时间="随时"),
        ]
    )
    report = importing.parse(data, congress=sw.city)
    assert errors_of(report, 2) == [
        ("联名代表", "领衔代表“王建国”不能同时作为联名代表"),
        ("联名代表", "联名代表“李红”重复"),
    ]
    assert errors_of(report, 3) == [
        ("会议", "本级人大没有名为“另一次会议”的会议"),
        ("联名代表", "没有找到名为“外市代表”的本级人大代表"),
        ("联名代表", "没有找到名为“卸任代表”的本级人大代表"),
        ("提交日期", "提交日期“明天”无效，请写成 2026-01-12 的格式"),
    ]
    assert errors_of(report, 4) == [
        ("提出时间", "提出时间“随时”无效，应为“会议期间”或“闭会期间”"),
        ("标题", "与第 3 行重复（标题和领衔代表相同）"),
    ]


@pytest.mark.django_db
def test_importing_the_same_sheet_twice_is_flagged(sw: SuggestionWorld) -> None:
    data = sheet([good_row(sw)])
    importing.suggestions_import(
        actor=sw.staff, congress=sw.city, report=importing.parse(data, congress=sw.city), valid_only=False
    )
    again = importing.parse(data, congress=sw.city)
    assert errors_of(again, 2) == [("标题", "系统中已有该代表领衔的同名建议（可能已经导入过）")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"title,body\n1,2\n", "文件不是有效的 Excel 文件"),
        (b"PK\x03\x04broken", "文件不是有效的 Excel 文件"),
        (b"", "请选择要导入的 Excel 文件"),
        (sheet([{"标题": "甲"}], columns=["标题", "内容", "类别", "提出时间"]), "表格缺少“领衔代表”列"),
        (sheet([]), "表格中没有数据行"),
    ],
)
def test_unreadable_files_are_refused_naming_file(sw: SuggestionWorld, data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        importing.parse(data, congress=sw.city)
    assert refused.value.field == "file"
    assert message in refused.value.message


@pytest.mark.django_db
def test_size_and_row_limits(sw: SuggestionWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 2)
    with pytest.raises(InvalidInput, match="一次最多导入 2 行"):
        importing.parse(sheet([good_row(sw, 标题=str(n)) for n in range(3)]), congress=sw.city)
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 100)
    with pytest.raises(InvalidInput, match="文件超过"):
        importing.parse(sheet([good_row(sw)]), congress=sw.city)


@pytest.mark.django_db
def test_only_the_congress_staff_may_import(sw: SuggestionWorld) -> None:
    report = importing.parse(sheet([good_row(sw)]), congress=sw.city)
    for actor in (sw.deputy, sw.lead_officer, sw.leader, sw.other_staff):
        with pytest.raises(NotPermitted):
            importing.suggestions_import(actor=actor, congress=sw.city, report=report, valid_only=False)
    assert not Suggestion.objects.exists()


@pytest.mark.django_db
def test_template_reparses_without_errors_once_the_example_names_a_deputy(sw: SuggestionWorld) -> None:
    data = importing.template_workbook()
    worksheet = load_workbook(io.BytesIO(data)).active
    assert [cell.value for cell in worksheet[1]] == COLUMNS
    assert len(worksheet.data_validations.dataValidation) == 2
    # The example row names a placeholder deputy; with a real name it is valid as it stands.
    workbook = load_workbook(io.BytesIO(data))
    workbook.active.cell(row=2, column=COLUMNS.index("领衔代表") + 1).value = "王建国"
    workbook.active.cell(row=2, column=COLUMNS.index("联名代表") + 1).value = "李红、张伟"
    output = io.BytesIO()
    workbook.save(output)
    report = importing.parse(output.getvalue(), congress=sw.city)
    assert report.valid == 1 and report.invalid == 0


# --- pages ---


@pytest.mark.django_db
def test_pages_check_then_import(sw: SuggestionWorld, settings: Any) -> None:
    client = login_client(sw.staff)
    page = client.get(reverse("suggestions:import"))
    assert page.status_code == 200
    assert reverse("suggestions:import_template") in page.content.decode()

    response = client.post(reverse("suggestions:import"), {"step": "check", "file": upload(sheet([good_row(sw)]))})
    assert response.status_code == 200
    token = response.context["token"]
    assert (Path(settings.MEDIA_ROOT) / "imports" / f"{token}.xlsx").is_file()
    assert not Suggestion.objects.exists()

    # Nobody else can use the token, not even another member of the same staff.
    colleague = factories.UserFactory(full_name="另一位书记员")
    RoleAssignment.objects.create(user=colleague, congress=sw.city, role=Role.COMMITTEE_STAFF, unit=sw.office)
    stolen = login_client(colleague).post(reverse("suggestions:import"), {"step": "import", "token": token})
    assert stolen.status_code == 400
    assert not Suggestion.objects.exists()

    done = client.post(reverse("suggestions:import"), {"step": "import", "token": token})
    assert done.status_code == 302
    assert Suggestion.objects.get().status == Status.SUBMITTED
    assert not (Path(settings.MEDIA_ROOT) / "imports" / f"{token}.xlsx").exists()
    messages = [str(message) for message in done.wsgi_request._messages]  # type: ignore[attr-defined]
    assert messages == ["已导入 1 件建议"]
    # The file is gone: a second click imports nothing.
    assert client.post(reverse("suggestions:import"), {"step": "import", "token": token}).status_code == 400
    assert Suggestion.objects.count() == 1


@pytest.mark.django_db
def test_page_report_with_errors_then_valid_only(sw: SuggestionWorld) -> None:
    client = login_client(sw.staff)
    data = sheet([good_row(sw), good_row(sw, 标题="坏行", 领衔代表="")])
    response = client.post(reverse("suggestions:import"), {"step": "check", "file": upload(data)})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-row="3" data-error="1"' in html
    assert "“领衔代表”列：领衔代表不能为空" in html
    assert "只导入有效行" in html
    token = response.context["token"]

    refused = client.post(reverse("suggestions:import"), {"step": "import", "token": token})
    assert refused.status_code == 400
    assert "有 1 行存在错误，未导入任何数据" in refused.content.decode()
    assert not Suggestion.objects.exists()

    done = client.post(reverse("suggestions:import"), {"step": "import_valid", "token": token})
    assert done.status_code == 302
    assert list(Suggestion.objects.values_list("title", flat=True)) == ["关于增设公交线路的建议"]


@pytest.mark.django_db
def test_page_wrong_file_type_is_400_naming_file(sw: SuggestionWorld) -> None:
    client = login_client(sw.staff)
    response = client.post(
        reverse("suggestions:import"), {"step": "check", "file": upload(b"%PDF-1.4 not a sheet", "a.pdf")}
    )
    assert response.status_code == 400
    assert response.context["error"].field == "file"
    assert "文件不是有效的 Excel 文件" in response.content.decode()
    missing = client.post(reverse("suggestions:import"), {"step": "check"})
    assert missing.status_code == 400
    assert "请选择要导入的 Excel 文件" in missing.content.decode()


@pytest.mark.django_db
def test_pages_refuse_units_and_deputies(sw: SuggestionWorld) -> None:
    data = sheet([good_row(sw)])
    for person in (sw.lead_officer, sw.deputy, sw.leader):
        client = login_client(person)
        assert client.get(reverse("suggestions:import")).status_code in (403, 404)
        assert client.get(reverse("suggestions:import_template")).status_code in (403, 404)
        response = client.post(reverse("suggestions:import"), {"step": "check", "file": upload(data)})
        assert response.status_code in (403, 404)
    assert not Suggestion.objects.exists()


@pytest.mark.django_db
def test_template_downloads(sw: SuggestionWorld) -> None:
    response = login_client(sw.staff).get(reverse("suggestions:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert [cell.value for cell in load_workbook(io.BytesIO(response.content)).active[1]] == COLUMNS


# --- API ---


@pytest.mark.django_db
def test_api_dry_run_then_import(sw: SuggestionWorld) -> None:
    client = login_client(sw.staff)
    data = sheet([good_row(sw), good_row(sw, 标题="坏行", 类别="")])
    report = client.post("/api/v1/suggestions/import", {"congress_id": sw.city.pk, "file": upload(data)})
    assert report.status_code == 200, report.content
    body = report.json()
    assert body["valid"] == 1 and body["invalid"] == 1 and body["imported"] == []
    assert body["rows"][1] == {"row": 3, "ok": False, "errors": [{"column": "类别", "message": "类别不能为空"}]}
    assert not Suggestion.objects.exists()

    refused = client.post("/api/v1/suggestions/import", {"dry_run": "false", "file": upload(data)})
    assert refused.status_code == 400
    assert refused.json()["field"] == "file"
    assert not Suggestion.objects.exists()

    done = client.post("/api/v1/suggestions/import", {"dry_run": "false", "valid_only": "true", "file": upload(data)})
    assert done.status_code == 200
    assert done.json()["imported"] == [Suggestion.objects.get().pk]


@pytest.mark.django_db
def test_api_wrong_file_and_wrong_congress(sw: SuggestionWorld, other_city: Any) -> None:
    client = login_client(sw.staff)
    wrong = client.post("/api/v1/suggestions/import", {"file": upload(b"hello", "a.txt")})
    assert wrong.status_code == 400
    assert wrong.json()["field"] == "file"
    missing = client.post("/api/v1/suggestions/import", {})
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    other = client.post("/api/v1/suggestions/import", {"congress_id": other_city.pk, "file": upload(sheet([]))})
    assert other.status_code == 404


@pytest.mark.django_db
def test_api_refuses_units_and_deputies(sw: SuggestionWorld) -> None:
    data = sheet([good_row(sw)])
    for person in (sw.lead_officer, sw.lead_head, sw.deputy, sw.citizen):
        client = login_client(person)
        response = client.post(
            "/api/v1/suggestions/import", {"dry_run": "false", "congress_id": sw.city.pk, "file": upload(data)}
        )
        assert response.status_code in (403, 404), person
        assert set(response.json()) == {"code", "message", "field"}
        assert client.get("/api/v1/suggestions/import/template.xlsx").status_code in (403, 404)
    assert not Suggestion.objects.exists()
    template = login_client(acting(sw.staff)).get("/api/v1/suggestions/import/template.xlsx")
    assert template.status_code == 200
    assert template.content.startswith(b"PK")
