"""Liaison stations (代表联络站) in the four-tier network, and their reception days (接待日).

A held reception logs a ``station_reception`` duty entry for each deputy on duty, in the file
of the nearest congress they serve in (idempotent: recording it again changes no entry).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from renda.core.checks import clean_text
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions._activity import (
    NAME_MAX,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    entry_congresses,
    record,
    require_date,
    today,
    unique_profiles,
)
from renda.deputies.feed import record_system_entry
from renda.deputies.models import DeputyProfile, EntryKind, ReceptionDay, Station, StationTier
from renda.organizations.models import Congress, Unit, UnitKind

if TYPE_CHECKING:
    from renda.accounts.models import User

# The citizen opinion form, addressed to a station or a deputy by public code (built by the opinions area);
# the QR codes of stations and deputies encode it.
OPINION_FORM_PATH = "/portal/opinions/new/"
PHONE_MAX = 30
HOURS_MAX = 200
RECEPTION_MAX_DEPUTIES = 30


def _clean_details(address: str, opening_hours: str, phone: str) -> tuple[str, str, str]:
    return (
        clean_text(address, field="address", label="地址", max_length=PLACE_MAX),
        clean_text(opening_hours, field="opening_hours", label="开放时间", max_length=HOURS_MAX, required=False),
        clean_text(phone, field="phone", label="联系电话", max_length=PHONE_MAX, required=False),
    )


def _check_tier(tier: int, parent: Station | None) -> int:
    if tier not in StationTier.values:
        raise InvalidInput("站点层级的取值无效", code="invalid_choice", field="tier")
    if tier == StationTier.HEADQUARTERS:
        if parent is not None:
            raise InvalidInput("联络总站不能有上级站点", code="tier", field="parent")
        return tier
    if parent is None:
        raise InvalidInput(f"{StationTier(tier).label}必须有上级站点", code="required", field="parent")
    if parent.tier != tier - 1:
        raise InvalidInput(
            f"{StationTier(tier).label}的上级必须是{StationTier(tier - 1).label}"
            f"（所选“{parent}”是{parent.get_tier_display()}）",
            code="tier",
            field="parent",
        )
    return tier


@transaction.atomic
def station_create(
    *,
    actor: User,
    tier: int,
    address: str,
    parent: Station | None = None,
    unit: Unit | None = None,
    congress: Congress | None = None,
    name: str = "",
    opening_hours: str = "",
    phone: str = "",
    is_public: bool = True,
) -> Station:
    """Register a station on an existing liaison-station unit, or on a new unit ``name`` in ``congress``.

    The parent must be exactly one tier above (总站 → 中心站 → 站 → 点).
    """
    target_congress = unit.congress if unit is not None else congress
    if target_congress is None:
        raise InvalidInput("请选择站点所属的人大", code="required", field="congress")
    if not permissions.can_create_station(actor, target_congress, parent):
        raise NotPermitted("无权在此设立联络站点")
    tier = _check_tier(int(tier), parent)
    address, opening_hours, phone = _clean_details(address, opening_hours, phone)
    if unit is not None and unit.kind != UnitKind.LIAISON_STATION:
        raise InvalidInput("所选单位不是代表联络站", code="wrong_kind", field="unit")
    if parent is not None and parent.unit.congress_id not in {target_congress.pk, *target_congress.ancestor_ids()}:
        raise InvalidInput("上级站点必须属于本级或上级人大", code="wrong_congress", field="parent")
    if unit is None:
        name = clean_text(name, field="name", label="站点名称", max_length=NAME_MAX)
        if Unit.objects.filter(congress=target_congress, name=name).exists():
            raise InvalidInput(f"{target_congress.name}已有名为“{name}”的单位", code="duplicate", field="name")
        unit = Unit.objects.create(
            congress=target_congress,
            kind=UnitKind.LIAISON_STATION,
            name=name,
            short_name=name[:40],
            parent=parent.unit if parent is not None and parent.unit.congress_id == target_congress.pk else None,
        )
    elif Station.objects.filter(unit=unit).exists():
        raise InvalidInput("该单位已登记为联络站点", code="duplicate", field="unit")
    station = Station.objects.create(
        unit=unit,
        tier=tier,
        parent=parent,
        address=address,
        opening_hours=opening_hours,
        phone=phone,
        is_public=bool(is_public),
    )
    record(actor, "station_created", station, target_congress, tier=tier, parent=parent.pk if parent else None)
    return station


@transaction.atomic
def station_update(
    *, actor: User, station: Station, address: str, opening_hours: str = "", phone: str = "", is_public: bool = True
) -> Station:
    if not permissions.can_manage_station(actor, station):
        raise NotPermitted("只有本站工作人员或人大工作机构可以修改站点信息")
    station = Station.objects.select_for_update(of=("self",)).select_related("unit__congress").get(pk=station.pk)
    station.address, station.opening_hours, station.phone = _clean_details(address, opening_hours, phone)
    station.is_public = bool(is_public)
    station.save(update_fields=["address", "opening_hours", "phone", "is_public"])
    record(actor, "station_updated", station, station.unit.congress, is_public=station.is_public)
    return station


@transaction.atomic
def reception_schedule(
    *,
    actor: User,
    station: Station,
    date: dt.date,
    start: dt.time,
    end: dt.time,
    deputies: Iterable[DeputyProfile],
    topic: str = "",
) -> ReceptionDay:
    """Put a reception day on the station's schedule with the deputies on duty."""
    if not permissions.can_manage_station(actor, station):
        raise NotPermitted("只有本站工作人员或人大工作机构可以安排接待日")
    date = require_date(date, field="date", label="接待日期")
    if not isinstance(start, dt.time):
        raise InvalidInput("请填写开始时间", code="required", field="start")
    if not isinstance(end, dt.time):
        raise InvalidInput("请填写结束时间", code="required", field="end")
    if end <= start:
        raise InvalidInput("结束时间须晚于开始时间", code="invalid", field="end")
    topic = clean_text(topic, field="topic", label="主题", max_length=TITLE_MAX, required=False)
    people = unique_profiles(deputies, field="deputies", label="值班代表")
    if len(people) > RECEPTION_MAX_DEPUTIES:
        raise InvalidInput(f"值班代表不能超过 {RECEPTION_MAX_DEPUTIES} 人", code="too_many", field="deputies")
    reception = ReceptionDay.objects.create(
        station=station, date=date, starts_at=start, ends_at=end, topic=topic, created_by=actor
    )
    reception.deputies.add(*people)
    record(
        actor,
        "reception_scheduled",
        reception,
        station.unit.congress,
        station=station.pk,
        date=date.isoformat(),
        deputies=[p.pk for p in people],
    )
    return reception


@transaction.atomic
def reception_record(*, actor: User, reception: ReceptionDay, citizens_received: int, notes: str = "") -> ReceptionDay:
    """Record a reception as held; each deputy on duty gets a ``station_reception`` entry (once)."""
    if not permissions.can_manage_station(actor, reception.station):
        raise NotPermitted("只有本站工作人员或人大工作机构可以登记接待情况")
    # The congress and its ancestors come along: the entries are filed by walking up from the station's congress.
    reception = (
        ReceptionDay.objects.select_for_update(of=("self",))
        .select_related("station__unit__congress__parent__parent")
        .get(pk=reception.pk)
    )
    if reception.status == ReceptionDay.Status.CANCELLED:
        raise InvalidTransition("接待日已取消，不能登记接待情况", code="invalid_state", field="status")
    if reception.date > today():
        raise InvalidTransition("接待日尚未到来，不能登记接待情况", code="not_yet", field="status")
    if isinstance(citizens_received, bool) or not isinstance(citizens_received, int) or citizens_received < 0:
        raise InvalidInput("接待群众人次须为不小于 0 的整数", code="invalid", field="citizens_received")
    notes = clean_text(notes, field="notes", label="接待情况", max_length=TEXT_MAX, required=False)
    was_held = reception.status == ReceptionDay.Status.HELD
    reception.status = ReceptionDay.Status.HELD
    reception.citizens_received = citizens_received
    reception.notes = notes
    reception.save(update_fields=["status", "citizens_received", "notes"])
    station = reception.station
    on_duty = list(reception.deputies.all())
    files = entry_congresses(on_duty, station.unit.congress)
    for profile in on_duty:
        record_system_entry(
            profile=profile,
            congress=files[profile.pk],
            kind=EntryKind.STATION_RECEPTION,
            date=reception.date,
            title=f"{station.unit.name}接待群众" + (f"：{reception.topic}" if reception.topic else ""),
            linked=reception,
            detail=f"接待群众 {citizens_received} 人次",
            actor=actor,
        )
    record(
        actor,
        "reception_corrected" if was_held else "reception_held",
        reception,
        station.unit.congress,
        citizens_received=citizens_received,
    )
    return reception


@transaction.atomic
def reception_cancel(*, actor: User, reception: ReceptionDay, reason: str = "") -> ReceptionDay:
    if not permissions.can_manage_station(actor, reception.station):
        raise NotPermitted("只有本站工作人员或人大工作机构可以取消接待日")
    reception = (
        ReceptionDay.objects.select_for_update(of=("self",))
        .select_related("station__unit__congress")
        .get(pk=reception.pk)
    )
    if reception.status != ReceptionDay.Status.PLANNED:
        raise InvalidTransition(
            f"接待日当前状态为“{reception.get_status_display()}”，不能取消", code="invalid_state", field="status"
        )
    reason = clean_text(reason, field="reason", label="取消原因", max_length=TEXT_MAX, required=False)
    reception.status = ReceptionDay.Status.CANCELLED
    reception.notes = reason
    reception.save(update_fields=["status", "notes"])
    record(actor, "reception_cancelled", reception, reception.station.unit.congress, reason=reason)
    return reception
