"""Intake through the actions: opinion_submit (portal, QR, imports) and opinion_enter (代表点单)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from renda.core import crypto
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent, TodoItem, TodoStatus
from renda.opinions.actions import opinion_enter, opinion_submit
from renda.opinions.models import Opinion, OpinionAttachment, Source, Status
from renda.opinions.tests.loop_world import PHONE, TEXT, LoopWorld, build_world
from renda.organizations.models import Congress, Unit
from renda.tests_support import factories

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def w(city: Congress, unit: Unit, settings: Any, tmp_path: Path) -> LoopWorld:
    settings.MEDIA_ROOT = tmp_path
    return build_world(city, unit)


def _todos(opinion: Opinion) -> Any:
    return TodoItem.objects.filter(target_type="opinions.opinion", target_id=str(opinion.pk), kind="opinion.triage")


def test_anonymous_submission_is_encrypted_masked_audited_and_queued(w: LoopWorld) -> None:
    opinion = w.submit()
    assert opinion.status == Status.RECEIVED
    assert opinion.citizen_name_masked == "张**"
    assert opinion.citizen_phone_masked == "139****5678"
    assert crypto.decrypt(opinion.citizen_name_encrypted) == "张三丰"
    assert crypto.decrypt(opinion.citizen_phone_encrypted) == PHONE
    assert opinion.citizen_phone_digest == crypto.digest(PHONE)
    assert PHONE not in opinion.citizen_phone_encrypted
    assert opinion.phone_verified is True
    assert opinion.citizen_user is None and opinion.created_by is None
    assert len(opinion.tracking_code) == 10
    event = AuditEvent.objects.get(action="opinion.received", target_id=str(opinion.pk))
    assert event.summary["source"] == Source.PORTAL
    assert PHONE not in str(event.summary) and "张三丰" not in str(event.summary)
    todo = _todos(opinion).get()
    assert todo.assignee_unit_id == w.office.pk and todo.status == TodoStatus.OPEN


def test_without_contact_nothing_is_stored(w: LoopWorld) -> None:
    opinion = w.submit(citizen_name="", citizen_phone="", phone_verified=True)
    assert opinion.citizen_phone_encrypted == opinion.citizen_phone_masked == opinion.citizen_phone_digest == ""
    assert opinion.phone_verified is False


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"text": "   "}, "text", "required"),
        ({"text": "太短了"}, "text", "too_short"),
        ({"text": "长" * 2001}, "text", "too_long"),
        ({"citizen_phone": "12345"}, "citizen_phone", "invalid_phone"),
        ({"citizen_name": "名" * 31}, "citizen_name", "too_long"),
        ({"category": "nonsense"}, "category", "invalid_choice"),
        ({"source": "fax"}, "source", "invalid_choice"),
        ({"source": Source.STATION_QR}, "station", "required"),
        ({"source": Source.DEPUTY_QR}, "deputy", "required"),
    ],
)
def test_bad_input_saves_nothing(w: LoopWorld, fields: dict[str, Any], field: str, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.submit(**fields)
    assert (caught.value.field, caught.value.code) == (field, code)
    assert not Opinion.objects.exists()
    assert not AuditEvent.objects.filter(action="opinion.received").exists()


def test_text_is_stripped_and_ten_characters_suffice(w: LoopWorld) -> None:
    opinion = w.submit(text="  一二三四五六七八九十  ")
    assert opinion.text == "一二三四五六七八九十"


def test_area_outside_the_congress_tree_is_refused(w: LoopWorld, other_city: Congress) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.submit(area=other_city)
    assert caught.value.field == "area"


def test_area_below_the_city_is_accepted(w: LoopWorld, district: Congress) -> None:
    assert w.submit(area=district, address="东湖路 8 号").area_id == district.pk


def test_station_qr_goes_to_the_station(w: LoopWorld) -> None:
    opinion = w.submit(source=Source.STATION_QR, station=w.station)
    assert _todos(opinion).get().assignee_unit_id == w.station.unit_id


def test_deputy_qr_goes_to_the_deputy(w: LoopWorld) -> None:
    opinion = w.submit(source=Source.DEPUTY_QR, deputy=w.deputy)
    assert _todos(opinion).get().assignee_user_id == w.deputy.user_id


def test_a_station_of_another_city_is_refused(w: LoopWorld, other_city: Congress) -> None:
    from renda.deputies.models import Station

    foreign = Station.objects.create(
        unit=factories.UnitFactory(congress=other_city, kind="liaison_station"), tier=3, address="x"
    )
    with pytest.raises(InvalidInput) as caught:
        w.submit(source=Source.STATION_QR, station=foreign)
    assert caught.value.field == "station"


def test_logged_in_citizen_is_linked(w: LoopWorld) -> None:
    opinion = w.submit(actor=w.citizen)
    assert opinion.citizen_user_id == w.citizen.pk and opinion.created_by_id == w.citizen.pk


def test_photos_are_checked_and_saved(w: LoopWorld, tmp_path: Path) -> None:
    photo = SimpleUploadedFile("路灯.png", PNG, content_type="image/png")
    opinion = w.submit(uploads=[photo])
    attachment = OpinionAttachment.objects.get(opinion=opinion)
    assert attachment.name == "路灯.png" and attachment.size == len(PNG)
    assert Path(attachment.file.path).read_bytes() == PNG
    assert "路灯" not in attachment.file.name  # stored under a random name


@pytest.mark.parametrize(
    ("uploads", "code"),
    [
        ([SimpleUploadedFile("run.exe", b"MZ" + b"\x00" * 10)], "invalid_type"),
        ([SimpleUploadedFile("fake.jpg", b"<script>alert(1)</script>")], "invalid_type"),
        ([SimpleUploadedFile(f"p{n}.png", PNG) for n in range(7)], "too_many"),
    ],
)
def test_bad_uploads_save_nothing(w: LoopWorld, tmp_path: Path, uploads: list[Any], code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        w.submit(uploads=uploads)
    assert (caught.value.field, caught.value.code) == ("uploads", code)
    assert not Opinion.objects.exists() and not OpinionAttachment.objects.exists()
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_oversize_photo_is_refused(w: LoopWorld, tmp_path: Path) -> None:
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * (10 * 1024 * 1024))
    with pytest.raises(InvalidInput) as caught:
        w.submit(uploads=[big])
    assert caught.value.code == "too_large"
    assert not Opinion.objects.exists()


def test_imports_need_the_committee_staff_and_are_deduplicated(w: LoopWorld) -> None:
    with pytest.raises(NotPermitted):
        w.submit(source=Source.HOTLINE_12345, external_id="GD-1")
    with pytest.raises(NotPermitted):
        w.submit(actor=w.officer, source=Source.HOTLINE_12345, external_id="GD-1")
    first = w.submit(actor=w.staff, source=Source.HOTLINE_12345, external_id="GD-1")
    assert first.external_id == "GD-1" and first.created_by_id == w.staff.pk
    with pytest.raises(InvalidInput) as caught:
        w.submit(actor=w.staff, source=Source.HOTLINE_12345, external_id="GD-1")
    assert caught.value.code == "duplicate"
    assert Opinion.objects.count() == 1


def test_station_staff_enter_for_their_station(w: LoopWorld) -> None:
    opinion = opinion_enter(actor=w.station_staff, text=TEXT, citizen_name="李四", citizen_phone=PHONE)
    assert opinion.source == Source.RECEPTION
    assert opinion.station_id == w.station.pk and opinion.congress_id == w.city.pk
    assert opinion.created_by_id == w.station_staff.pk
    assert _todos(opinion).get().assignee_unit_id == w.station.unit_id
    with pytest.raises(NotPermitted):
        opinion_enter(actor=w.station_staff, text=TEXT, station=w.other_station)


def test_a_deputy_enters_what_they_heard(w: LoopWorld) -> None:
    opinion = opinion_enter(actor=w.deputy.user, text=TEXT)
    assert opinion.source == Source.DEPUTY_VISIT and opinion.deputy_id == w.deputy.pk
    assert _todos(opinion).get().assignee_user_id == w.deputy.user_id
    with pytest.raises(NotPermitted):
        opinion_enter(actor=w.deputy.user, text=TEXT, deputy=w.other_deputy)


@pytest.mark.parametrize("who", ["officer", "leader", "sc_member", "citizen"])
def test_others_may_not_enter(w: LoopWorld, who: str) -> None:
    with pytest.raises(NotPermitted):
        opinion_enter(actor=getattr(w, who), text=TEXT)
    with pytest.raises(NotPermitted):
        opinion_submit(actor=getattr(w, who), congress=w.city, text=TEXT, source=Source.RECEPTION, station=w.station)
    assert not Opinion.objects.exists()
