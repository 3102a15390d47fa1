"""Intake: an opinion comes in from the portal, a QR code, a reception day or an import (domain.md §3.1 step 1)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from renda.core import crypto
from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.uploads import IMAGE_SUFFIXES, CheckedUpload, check_upload
from renda.deputies.actions.roster import mask_phone, validate_phone
from renda.opinions import permissions
from renda.opinions.actions._common import (
    ADDRESS_MAX,
    MAX_UPLOADS,
    NAME_MAX,
    TEXT_MAX,
    TEXT_MIN,
    TODO_TRIAGE,
    UPLOAD_MAX_BYTES,
    mask_name,
    open_triage_side_todo,
    record,
    short,
)
from renda.opinions.models import Category, Opinion, OpinionAttachment, Source
from renda.organizations.models import congress_subtree_ids

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.deputies.models import DeputyProfile, Station
    from renda.organizations.models import Congress

# Anyone may use the public form (with or without the QR addressing).
PUBLIC_SOURCES = frozenset({Source.PORTAL, Source.STATION_QR, Source.DEPUTY_QR})
# Station staff or a deputy write down what they heard (代表点单).
ENTERED_SOURCES = frozenset({Source.RECEPTION, Source.DEPUTY_VISIT})
# Bulk imports from other platforms, by the committee staff.
IMPORTED_SOURCES = frozenset({Source.HOTLINE_12345, Source.OTHER_PLATFORM})
EXTERNAL_ID_MAX = 60


def _check_permission(
    actor: User | None, *, congress: Congress, source: str, station: Station | None, deputy: DeputyProfile | None
) -> None:
    if source in PUBLIC_SOURCES:
        return
    # The committee staff of the congress may enter or import anything for it.
    if permissions.triage_congress_id(actor) == congress.pk:
        return
    if source in ENTERED_SOURCES:
        station_unit_id = permissions.acting_station_unit_id(actor)
        if station_unit_id is not None and station is not None and station.unit_id == station_unit_id:
            return
        profile = permissions.acting_deputy(actor)
        if profile is not None and deputy is not None and deputy.pk == profile.pk:
            return
        raise NotPermitted("只有本站工作人员或该代表可以登记群众意见")
    raise NotPermitted("只有本级人大工作机构人员可以导入群众意见")


def _check_uploads(uploads: Sequence[UploadedFile[bytes]]) -> list[CheckedUpload]:
    if len(uploads) > MAX_UPLOADS:
        raise InvalidInput(f"照片最多 {MAX_UPLOADS} 张（现为 {len(uploads)} 张）", code="too_many", field="uploads")
    return [
        check_upload(upload, allowed=IMAGE_SUFFIXES, max_bytes=UPLOAD_MAX_BYTES, field="uploads", label="照片")
        for upload in uploads
    ]


def _clean_phone(value: str) -> str:
    if not str(value or "").strip():
        return ""
    try:
        return validate_phone(value)
    except InvalidInput as error:
        raise InvalidInput(
            "联系电话须为 11 位手机号码，如 13912345678", code=error.code, field="citizen_phone"
        ) from None


@transaction.atomic
def opinion_submit(
    *,
    actor: User | None,
    congress: Congress,
    text: str,
    source: str,
    station: Station | None = None,
    deputy: DeputyProfile | None = None,
    area: Congress | None = None,
    address: str = "",
    citizen_name: str = "",
    citizen_phone: str = "",
    phone_verified: bool = False,
    uploads: Sequence[UploadedFile[bytes]] = (),
    ip_hash: str = "",
    category: str = "",
    received_at: dt.datetime | None = None,
    external_id: str = "",
) -> Opinion:
    """An opinion is received: checked, the contact encrypted and masked, the triage duty opened.

    ``actor`` is None for an anonymous citizen. Everything is checked before anything is written,
    so a refused submission leaves no row and no file behind.
    """
    source = clean_choice(source, Source.values, field="source", label="来源")
    _check_permission(actor, congress=congress, source=source, station=station, deputy=deputy)
    text = clean_text(text, field="text", label="意见内容", max_length=TEXT_MAX, min_length=TEXT_MIN)
    if source == Source.STATION_QR and station is None:
        raise InvalidInput("请选择联络站", code="required", field="station")
    if source == Source.DEPUTY_QR and deputy is None:
        raise InvalidInput("请选择代表", code="required", field="deputy")
    tree = congress_subtree_ids([congress.pk])
    if station is not None and station.unit.congress_id not in tree:
        raise InvalidInput("该联络站不属于本级人大", code="wrong_congress", field="station")
    if area is not None and area.pk not in tree:
        raise InvalidInput("所选区域不在本级人大范围内", code="wrong_congress", field="area")
    address = clean_text(address, field="address", label="地点", max_length=ADDRESS_MAX, required=False)
    name = clean_text(citizen_name, field="citizen_name", label="群众姓名", max_length=NAME_MAX, required=False)
    phone = _clean_phone(citizen_phone)
    category = clean_choice(category, ["", *Category.values], field="category", label="类别")
    external_id = clean_text(
        external_id, field="external_id", label="外部编号", max_length=EXTERNAL_ID_MAX, required=False
    )
    if received_at is None:
        received_at = timezone.now()
    elif timezone.is_naive(received_at):
        raise InvalidInput("收到时间必须带时区", code="invalid", field="received_at")
    if external_id and Opinion.objects.filter(congress=congress, source=source, external_id=external_id).exists():
        raise InvalidInput(f"外部编号 {external_id} 已经导入过", code="duplicate", field="external_id")
    checked = _check_uploads(uploads)

    opinion = Opinion.objects.create(
        congress=congress,
        source=source,
        station=station,
        deputy=deputy,
        text=text,
        area=area,
        address=address,
        category=category,
        citizen_name_encrypted=crypto.encrypt(name) if name else "",
        citizen_name_masked=mask_name(name),
        citizen_phone_encrypted=crypto.encrypt(phone) if phone else "",
        citizen_phone_digest=crypto.digest(phone) if phone else "",
        citizen_phone_masked=mask_phone(phone),
        phone_verified=bool(phone) and phone_verified,
        citizen_user=actor if permissions.is_citizen(actor) else None,
        external_id=external_id,
        submitted_ip_hash=ip_hash[:64],
        received_at=received_at,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    for upload, check in zip(uploads, checked, strict=True):
        attachment = OpinionAttachment(
            opinion=opinion, name=check.name, size=check.size, content_type=check.content_type, sha256=check.sha256
        )
        attachment.file.save(f"{uuid.uuid4().hex}{check.suffix}", upload, save=False)
        attachment.save()
    _open_triage_todo(opinion)
    # Insight listens to this event (renda.opinions.hooks) to route and cluster the new opinion.
    record(
        actor,
        "received",
        opinion,
        source=source,
        station=station.pk if station is not None else None,
        deputy=deputy.pk if deputy is not None else None,
        attachments=len(checked),
    )
    return opinion


def _open_triage_todo(opinion: Opinion) -> None:
    """The triage duty goes to the station it came to, the deputy it was addressed to, or the congress's staff."""
    open_triage_side_todo(opinion, kind=TODO_TRIAGE, title=f"分流群众意见：{short(opinion.text)}")


@transaction.atomic
def opinion_enter(
    *,
    actor: User,
    text: str,
    station: Station | None = None,
    deputy: DeputyProfile | None = None,
    congress: Congress | None = None,
    source: str = "",
    area: Congress | None = None,
    address: str = "",
    citizen_name: str = "",
    citizen_phone: str = "",
    uploads: Sequence[UploadedFile[bytes]] = (),
    category: str = "",
    received_at: dt.datetime | None = None,
) -> Opinion:
    """Station staff or a deputy enter what they heard at a reception or a visit (代表点单).

    Station staff enter for their station (source RECEPTION), a deputy for themselves (source
    DEPUTY_VISIT unless told RECEPTION). The opinion is addressed to them, so they triage it.
    """
    own_station = permissions.acting_station(actor)
    own_profile = permissions.acting_deputy(actor)
    if own_station is not None:
        station = station or own_station
        if station.pk != own_station.pk:
            raise NotPermitted("只能为本站登记群众意见")
        source = source or Source.RECEPTION
    elif own_profile is not None:
        deputy = deputy or own_profile
        if deputy.pk != own_profile.pk:
            raise NotPermitted("代表只能登记自己收集的群众意见")
        source = source or Source.DEPUTY_VISIT
    elif permissions.triage_congress_id(actor) is None:
        raise NotPermitted("只有联络站工作人员或人大代表可以登记群众意见")
    else:
        source = source or Source.RECEPTION
    source = clean_choice(source, ENTERED_SOURCES, field="source", label="来源")
    if congress is None:
        assignment = getattr(actor, "active_assignment", None)
        if station is not None:
            congress = station.unit.congress
        elif assignment is not None:
            congress = assignment.congress
    if congress is None:
        raise InvalidInput("请选择人大", code="required", field="congress")
    return opinion_submit(
        actor=actor,
        congress=congress,
        text=text,
        source=source,
        station=station,
        deputy=deputy,
        area=area,
        address=address,
        citizen_name=citizen_name,
        citizen_phone=citizen_phone,
        uploads=uploads,
        category=category,
        received_at=received_at,
    )
