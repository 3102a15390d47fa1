"""The ledger's Excel export: masked by default; with names and phones only for the triage staff, audited."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from renda.core.models import AuditEvent
from renda.opinions.tests.loop_world import PHONE
from renda.opinions.tests.staff_support import LoopWorld, client_of, dispatched, loop

__all__ = ["loop"]

pytestmark = pytest.mark.django_db


def _cells(response: object) -> list[list[object]]:
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    sheet = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _flat(rows: list[list[object]]) -> str:
    return "|".join(str(cell) for row in rows for cell in row if cell is not None)


def test_export_is_masked_and_not_audited(loop: LoopWorld) -> None:
    opinion = loop.submit(text='=HYPERLINK("http://x") 小区门口的路灯坏了三个月，请尽快修复。')
    response = client_of(loop.staff).get(reverse("opinions:export"))
    assert response.status_code == 200
    rows = _cells(response)
    assert rows[0][0] == "序号"
    text = _flat(rows)
    assert "139****5678" in text
    assert PHONE not in text
    assert "张**" in text
    assert opinion.tracking_code not in text
    assert "'=HYPERLINK" in text  # a formula is written as text
    assert not AuditEvent.objects.filter(action="opinion.export_unmasked").exists()


def test_unmasked_export_is_for_triage_staff_and_audited(loop: LoopWorld) -> None:
    opinion = loop.submit()
    response = client_of(loop.staff).post(reverse("opinions:export_unmasked"), {"status": "received"})
    assert response.status_code == 200
    text = _flat(_cells(response))
    assert PHONE in text
    assert "张三丰" in text
    assert opinion.tracking_code in text
    event = AuditEvent.objects.get(action="opinion.export_unmasked")
    assert event.summary == {"filters": {"status": "received"}, "rows": 1}


@pytest.mark.parametrize("who", ["officer", "head", "leader", "station_staff"])
def test_unmasked_export_is_refused_to_everyone_else(loop: LoopWorld, who: str) -> None:
    dispatched(loop)
    response = client_of(getattr(loop, who)).post(reverse("opinions:export_unmasked"))
    assert response.status_code == 403
    api = client_of(getattr(loop, who)).post("/api/v1/opinions/ledger-unmasked.xlsx")
    assert api.status_code == 403
    assert not AuditEvent.objects.filter(action="opinion.export_unmasked").exists()


def test_a_unit_exports_only_its_own_items_masked(loop: LoopWorld) -> None:
    own = dispatched(loop, text="本单位承办的意见：小区路灯坏了很久，请尽快修复。")
    dispatched(loop, unit=loop.other_unit, text="别的单位承办的意见：公交班次太少，请增加班次。")
    rows = _cells(client_of(loop.officer).get(reverse("opinions:export")))
    assert len(rows) == 2
    text = _flat(rows)
    assert own.text in text
    assert "别的单位" not in text
    assert PHONE not in text


def test_export_follows_the_ledger_filters(loop: LoopWorld) -> None:
    loop.submit()
    dispatched(loop)
    rows = _cells(client_of(loop.staff).get(reverse("opinions:export") + "?status=dispatched"))
    assert len(rows) == 2
    assert rows[1][11] == "已派单"


def test_the_api_exports(loop: LoopWorld) -> None:
    loop.submit()
    masked = client_of(loop.leader).get("/api/v1/opinions/ledger.xlsx")
    assert masked.status_code == 200
    assert PHONE not in _flat(_cells(masked))
    clear = client_of(loop.staff).post("/api/v1/opinions/ledger-unmasked.xlsx")
    assert clear.status_code == 200
    assert PHONE in _flat(_cells(clear))
    assert AuditEvent.objects.filter(action="opinion.export_unmasked").count() == 1
    assert client_of(loop.citizen).get("/api/v1/opinions/ledger.xlsx").status_code == 403
