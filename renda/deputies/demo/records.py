"""Demo step: a year (2026) of duty records for the demo city, made by the real actions.

- about 1,500 self-reported acts (inspections, research, law-enforcement inspections, contacting
  voters, practical deeds) spread over the year and the deputies, loaded by the clerk through
  ``entries_import`` (same rules as a self-report): most verified, some rejected, about 20 still
  pending (each with its verification to-do);
- the demo account "deputy" gets a rich file, including two pending reports with photos made by
  ``entry_self_report`` itself;
- the 2026 session's attendance (about 95 % attended, the rest absent) and five Standing
  Committee meetings attended by a few deputies as guests (列席), by ``attendance_record``.

Deterministic for a seed; dates never fall after today.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models, transaction
from django.utils import timezone

from renda.accounts.models import User
from renda.deputies.actions import record
from renda.deputies.models import DeputyProfile, DeputyTerm, EntryKind, EntryStatus
from renda.organizations.models import Congress, CongressSession
from renda.organizations.roles import Role

YEAR = 2026
TARGET_ENTRIES = 1500
PENDING = 20
REJECTED_SHARE = 0.05
SC_MEETINGS = [(dt.date(YEAR, 2, 27), 31), (dt.date(YEAR, 4, 24), 32), (dt.date(YEAR, 6, 26), 33)]
SC_MEETINGS += [(dt.date(YEAR, 8, 28), 34), (dt.date(YEAR, 10, 29), 35)]

TOPICS = ["养老服务", "义务教育", "老旧小区改造", "农村饮水安全", "营商环境", "生态环境保护", "公共交通", "食品安全"]
LAWS = ["中华人民共和国食品安全法", "中华人民共和国大气污染防治法", "中华人民共和国安全生产法", "江城市物业管理条例"]
PLACES = ["东湖街道", "城南社区", "青山镇", "滨江村", "工业园区", "西城街道", "北关社区", "柳河镇"]
ISSUES = ["路灯损坏", "积水内涝", "停车难", "噪声扰民", "垃圾清运不及时", "学校周边交通拥堵"]
EVENTS = ["市人大常委会立法座谈会", "代表小组学习交流", "法院庭审旁听", "预算草案审查座谈"]

SELF_KINDS = [
    (EntryKind.INSPECTION, 30),
    (EntryKind.RESEARCH, 22),
    (EntryKind.LAW_INSPECTION, 10),
    (EntryKind.CONTACT_CITIZENS, 23),
    (EntryKind.PRACTICAL_DEED, 10),
    (EntryKind.OTHER, 5),
]
REJECT_REASONS = ["佐证材料不足，请补充活动照片", "与已登记的活动重复", "该活动不属于代表履职活动"]


def _title(kind: str, rng: random.Random) -> tuple[str, str]:
    topic, place = rng.choice(TOPICS), rng.choice(PLACES)
    if kind == EntryKind.INSPECTION:
        return f"参加市人大常委会{topic}工作视察", f"随视察组实地查看{place}{topic}工作情况并提出意见。"
    if kind == EntryKind.RESEARCH:
        return f"就{topic}开展专题调研", f"到{place}召开座谈会，走访相关单位，形成调研报告。"
    if kind == EntryKind.LAW_INSPECTION:
        return f"参加《{rng.choice(LAWS)}》执法检查", "参加执法检查组听取汇报、实地检查。"
    if kind == EntryKind.CONTACT_CITIZENS:
        return f"走访{place}听取群众意见", f"与{rng.randint(5, 40)}名群众面对面交流，收集意见建议。"
    if kind == EntryKind.PRACTICAL_DEED:
        return f"协调解决{place}{rng.choice(ISSUES)}问题", "联系有关部门现场办公，问题已解决。"
    return f"参加{rng.choice(EVENTS)}", ""


def _tiny_png(red: int, green: int, blue: int) -> bytes:
    """A small solid-colour PNG (48×36), standing in for a photo taken on the spot."""
    width, height = 48, 36
    raw = b"".join(b"\x00" + bytes((red, green, blue)) * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _acting(username: str, role: str, city: Congress) -> User | None:
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    user.active_assignment = (
        user.role_assignments.filter(role=role, congress=city, is_active=True)
        .select_related("congress", "unit")
        .first()
    )
    return user if user.active_assignment is not None else None


def _in_office(city: Congress, day: dt.date) -> list[DeputyProfile]:
    terms = DeputyTerm.objects.filter(congress=city, starts_on__lte=day).filter(
        models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
    )
    return list(DeputyProfile.objects.filter(pk__in=terms.values("profile_id")).select_related("user").order_by("pk"))


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return first + dt.timedelta(days=rng.randrange((last - first).days + 1))


def _rows(
    profiles: list[DeputyProfile], demo: DeputyProfile | None, rng: random.Random, last: dt.date
) -> list[record.EntryRow]:
    first = dt.date(YEAR, 1, 1)
    kinds = [kind for kind, weight in SELF_KINDS for _ in range(weight)]
    recent = max(first, last - dt.timedelta(days=30))
    rows: list[record.EntryRow] = []
    demo_count = 30 if demo is not None else 0
    others = [profile for profile in profiles if demo is None or profile.pk != demo.pk]
    for index in range(TARGET_ENTRIES):
        profile = demo if index < demo_count and demo is not None else rng.choice(others)
        kind = rng.choice(kinds)
        title, detail = _title(kind, rng)
        if index >= TARGET_ENTRIES - PENDING:
            status, day, reason = EntryStatus.PENDING, _day(rng, recent, last), ""
        elif rng.random() < REJECTED_SHARE:
            status, day, reason = EntryStatus.REJECTED, _day(rng, first, last), rng.choice(REJECT_REASONS)
        else:
            status, day, reason = EntryStatus.VERIFIED, _day(rng, first, last), ""
        rows.append(
            record.EntryRow(
                profile=profile,
                kind=kind,
                date=day,
                title=title,
                detail=detail,
                hours=Decimal(rng.choice([1, 2, 2, 3, 4, 6])),
                status=status,
                reject_reason=reason,
            )
        )
    return rows


def _attendance(clerk: User, city: Congress, rng: random.Random, demo: DeputyProfile | None, last: dt.date) -> None:
    session = CongressSession.objects.filter(congress=city, opens_on__year=YEAR).order_by("opens_on").first()
    if session is not None and session.opens_on <= last:
        everyone = _in_office(city, session.opens_on)
        absent = set(rng.sample([p.pk for p in everyone if demo is None or p.pk != demo.pk], len(everyone) // 20))
        record.attendance_record(
            actor=clerk,
            congress=city,
            kind=EntryKind.ATTEND_SESSION,
            title=session.name,
            date=session.opens_on,
            attended=[p for p in everyone if p.pk not in absent],
            absent=[p for p in everyone if p.pk in absent],
            linked_key=f"session-{session.pk}",
        )
    for number, (day, meeting) in enumerate(SC_MEETINGS):
        if day > last:
            continue
        everyone = _in_office(city, day)
        if not everyone:
            continue
        guests = rng.sample(everyone, min(len(everyone), rng.randint(8, 15)))
        if demo is not None and number in (1, 3) and demo not in guests:
            guests.append(demo)
        record.attendance_record(
            actor=clerk,
            congress=city,
            kind=EntryKind.ATTEND_SC,
            title=f"江城市第十七届人大常委会第{meeting}次会议",
            date=day,
            attended=guests,
            absent=[],
            linked_key=f"sc-{YEAR}-{meeting}",
        )


def _demo_photos(demo_user: User | None, last: dt.date) -> None:
    """Two pending reports with photos, through the deputy's own action (as from the phone)."""
    if demo_user is None:
        return
    for offset, (title, colour) in enumerate(
        [("走访城南社区听取加装电梯意见", (196, 30, 58)), ("协调解决青山镇路灯损坏问题", (30, 110, 196))]
    ):
        photo = SimpleUploadedFile(f"现场照片{offset + 1}.png", _tiny_png(*colour), "image/png")
        record.entry_self_report(
            actor=demo_user,
            kind=EntryKind.CONTACT_CITIZENS if offset == 0 else EntryKind.PRACTICAL_DEED,
            date=max(dt.date(YEAR, 1, 1), last - dt.timedelta(days=3 + offset)),
            title=title,
            detail="现场照片见附件。",
            hours="2",
            uploads=[photo],
        )


@transaction.atomic
def build(*, city: Congress, seed: int = 2026) -> None:
    """Fill the demo city's records by the real actions (nothing to do before the roster exists)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    if today.year < YEAR:
        return
    last = min(today, dt.date(YEAR, 12, 31))
    clerk = _acting("clerk", Role.COMMITTEE_STAFF, city)
    profiles = _in_office(city, dt.date(YEAR, 1, 1))
    if clerk is None or not profiles:
        return
    demo_user = _acting("deputy", Role.DEPUTY, city)
    demo = next((profile for profile in profiles if demo_user is not None and profile.user_id == demo_user.pk), None)
    record.entries_import(actor=clerk, congress=city, rows=_rows(profiles, demo, rng, last))
    _attendance(clerk, city, rng, demo, last)
    if demo is not None:
        _demo_photos(demo_user, last)
