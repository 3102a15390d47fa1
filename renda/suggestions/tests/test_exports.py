"""Excel exports of the ledger and the statistics: they open in openpyxl with the right header and rows."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from renda.conftest import login_client
from renda.suggestions import exports, stats
from renda.suggestions.tests import test_stats
from renda.suggestions.tests.conftest import SuggestionWorld, drive
from renda.suggestions.tests.test_stats import YEAR, Items

items = test_stats.items  # the same handful of items in known states

HEADER = [
    "编号",
    "标题",
    "类别",
    "提出时间(会议/闭会)",
    "领衔代表",
    "代表团",
    "联名人数",
    "状态",
    "主办单位",
    "交办时间",
    "答复期限",
    "答复时间",
    "是否按时",
    "办理结果分类",
    "过程评价",
    "结果评价",
    "二次办理",
    "重点督办",
    "公开",
]


def _workbook(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == exports.XLSX
    assert "attachment" in response["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(workbook: Any, sheet: str) -> list[tuple[Any, ...]]:
    return list(workbook[sheet].iter_rows(values_only=True))


def test_ledger_export_has_the_header_and_one_row_per_item(sw: SuggestionWorld, items: Items) -> None:
    response = login_client(sw.staff).get(reverse("suggestions:ledger_export"), {"year": YEAR})
    rows = _rows(_workbook(response), "建议台账")
    assert list(rows[0]) == HEADER
    by_title = {row[1]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert len(rows) == 1 + 6  # the draft is not in the ledger
    assert set(by_title) == {item.title for name, item in vars(items).items() if name != "draft"}
    late = by_title["逾期答复的建议"]
    assert late["编号"] == items.late.number
    assert late["类别"] == "城乡建设"
    assert late["提出时间(会议/闭会)"] == "会议期间"
    assert late["领衔代表"] == "王建国"
    assert late["代表团"] == "东湖区代表团"
    assert late["联名人数"] == 2
    assert late["状态"] == "已办结"
    assert late["主办单位"] == sw.lead_unit.name  # the co-handling unit is not a lead unit
    assert late["是否按时"] == "否"
    assert late["办理结果分类"] == "B"
    assert late["结果评价"] == "基本满意"
    assert late["交办时间"] is not None and late["答复时间"] is not None
    rehandled = by_title["二次办理的建议"]
    assert rehandled["二次办理"] == "是" and rehandled["结果评价"] == "不满意"
    assert by_title["未答复的重点建议"]["重点督办"] == "是"
    assert by_title["未答复的重点建议"]["提出时间(会议/闭会)"] == "闭会期间"
    assert by_title["待审核的建议"]["是否按时"] is None


def test_ledger_export_keeps_the_filters(sw: SuggestionWorld, items: Items) -> None:
    response = login_client(sw.leader).get(reverse("suggestions:ledger_export"), {"figure": "replied_on_time"})
    rows = _rows(_workbook(response), "建议台账")
    assert {row[1] for row in rows[1:]} == {items.closed.title, items.rehandled.title}


def test_ledger_export_streams_in_chunks(
    sw: SuggestionWorld, monkeypatch: pytest.MonkeyPatch, django_assert_max_num_queries: Any
) -> None:
    for number in range(5):
        drive(sw, "assigned", title=f"建议{number}")
    monkeypatch.setattr(exports, "CHUNK", 2)
    items_ = stats.ledger_items(stats.Scope(congress=sw.city))
    # One query for the rows, and one for the units of each chunk of two: no query per row.
    with django_assert_max_num_queries(1 + 3):
        rows = list(exports.ledger_rows(items_))
    assert len(rows) == 5
    assert all(row[8] == sw.lead_unit.name for row in rows)


def test_stats_export_has_figures_rates_and_breakdowns(sw: SuggestionWorld, items: Items) -> None:
    response = login_client(sw.staff).get(reverse("suggestions:stats_export"), {"year": YEAR})
    workbook = _workbook(response)
    assert workbook.sheetnames == ["统计", "按承办单位", "按类别"]
    summary = _rows(workbook, "统计")
    figures = {row[0]: row[1] for row in summary if row and row[0] and isinstance(row[1], int)}
    assert figures["收到建议"] == 6
    assert figures["按时答复"] == 2
    labels = {str(label) for label, _numerator, _denominator in stats.RATES.values()}
    rates = {row[0]: row[1:4] for row in summary if row and row[0] in labels}
    assert rates["满意率"] == (1, 3, 33.3)
    assert rates["满意率（含基本满意）"] == (2, 3, 66.7)
    assert rates["按时办结率"] == (2, 4, 50.0)
    by_unit = _rows(workbook, "按承办单位")
    header = list(by_unit[0])
    assert header[0] == "承办单位"
    assert "办结率 分子" in header and "办结率 分母" in header and "办结率（%）" in header
    lead = next(row for row in by_unit[1:] if row[0] == sw.lead_unit.name)
    assert lead[header.index("按时办结率 分子")] == 2
    assert lead[header.index("按时办结率 分母")] == 3
    by_category = _rows(workbook, "按类别")
    assert {row[0] for row in by_category[1:]} == {"城乡建设", "教科文卫", "财政经济"}


@pytest.mark.parametrize("name", ["suggestions:ledger_export", "suggestions:stats_export"])
def test_exports_refuse_other_roles(sw: SuggestionWorld, items: Items, name: str) -> None:
    for person in (sw.deputy, sw.lead_officer, sw.citizen):
        assert login_client(person).get(reverse(name)).status_code in (403, 404)
    # Another city's staff export their own congress: none of these items.
    response = login_client(sw.other_staff).get(reverse(name), {"year": YEAR})
    workbook = _workbook(response)
    assert all("已办结满意的建议" not in str(row) for sheet in workbook.sheetnames for row in _rows(workbook, sheet))


def test_api_ledger_export(sw: SuggestionWorld, items: Items) -> None:
    response = login_client(sw.staff).get(
        "/api/v1/suggestions/ledger.xlsx", {"congress_id": sw.city.pk, "figure": "rehandled"}
    )
    rows = _rows(_workbook(response), "建议台账")
    assert list(rows[0]) == HEADER
    assert [row[1] for row in rows[1:]] == [items.rehandled.title]
    response = login_client(sw.leader).get("/api/v1/suggestions/stats.xlsx", {"congress_id": sw.city.pk})
    assert _workbook(response).sheetnames == ["统计", "按承办单位", "按类别"]
    response = login_client(sw.staff).get(
        "/api/v1/suggestions/ledger.xlsx", {"congress_id": sw.city.pk, "state": "overdue"}
    )
    assert response.status_code == 400
    assert response.json()["field"] == "unit"
