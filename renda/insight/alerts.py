"""Spike alerts and watches: staff watch an area and/or a topic and are told when its volume jumps.

``spike_scan`` runs daily from ``renda.core.jobs.run_periodic_jobs`` (once per day per process via the
cache) over the current ISO week so far: for each (category, area) of a congress whose count this
week is at least ``max(SPIKE_MIN_COUNT, previous week x SPIKE_FACTOR)``, it creates one
``SpikeAlert`` (unique per congress, week, category and area: a later run the same week adds nothing)
and notifies the users whose ``Watch`` matches (same congress; the watch's category blank or equal;
its area blank or equal) and who still read that congress (committee staff or leader).

Watches are named actions (``watch_add`` / ``watch_remove``), open to the congress's committee staff
and leaders (``can_watch``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.notify import notify_send, register_templates
from renda.insight.models import SpikeAlert, Watch
from renda.insight.topics import iso_week, week_start, weekly_counts
from renda.opinions.models import Category, Opinion
from renda.opinions.permissions import reader_congress_id
from renda.organizations.models import Congress, RoleAssignment, congress_subtree_ids
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

# A (category, area) spikes when its count this week reaches both: at least this many opinions…
SPIKE_MIN_COUNT = 10
# …and at least this multiple of the previous week's count.
SPIKE_FACTOR = 2.0
READER_ROLES = (Role.COMMITTEE_STAFF, Role.LEADER)

NOTIFY_TEMPLATES = {
    "insight.spike": (
        "【民情激增】{area}「{topic}」本周 {count} 件",
        "{week}：{area}的「{topic}」类群众意见已有 {count} 件，上周 {previous} 件。查看：{link}",
    ),
}
register_templates(NOTIFY_TEMPLATES)


# --- permissions ---


def insight_congress_id(user: User | None) -> int | None:
    """The congress whose hot topics, clusters, watches and alerts the user reads: committee staff, leaders."""
    return reader_congress_id(user)


def can_watch(user: User | None) -> bool:
    return insight_congress_id(user) is not None


def require_insight_congress(user: User | None) -> Congress:
    congress_id = insight_congress_id(user)
    if congress_id is None:
        raise NotPermitted("只有人大工作机构人员和领导可以查看民情分析。")
    return Congress.objects.get(pk=congress_id)


# --- watches ---


def watches_of(user: User) -> list[Watch]:
    congress_id = insight_congress_id(user)
    if congress_id is None:
        return []
    return list(Watch.objects.filter(user=user, congress_id=congress_id).select_related("area").order_by("pk"))


@transaction.atomic
def watch_add(*, actor: User, category: str = "", area_id: int | None = None) -> Watch:
    """Watch an area and/or a topic of the congress the actor reads."""
    congress = require_insight_congress(actor)
    category = (category or "").strip()
    if category and category not in Category.values:
        raise InvalidInput("类别不存在。", code="invalid_choice", field="category")
    area = None
    if area_id is not None:
        if area_id not in congress_subtree_ids([congress.pk]):
            raise InvalidInput("区域须为本级或下级人大的行政区域。", code="invalid_choice", field="area")
        area = Congress.objects.get(pk=area_id)
    if not category and area is None:
        raise InvalidInput("请至少选择关注的区域或类别。", code="required", field="category")
    if Watch.objects.filter(user=actor, congress=congress, category=category, area=area).exists():
        raise InvalidInput("已经关注过了。", code="duplicate", field="category")
    try:
        with transaction.atomic():
            watch = Watch.objects.create(user=actor, congress=congress, category=category, area=area)
    except IntegrityError as error:
        raise InvalidInput("已经关注过了。", code="duplicate", field="category") from error
    audit_record(
        actor=actor,
        action="insight.watch_added",
        target=watch,
        congress=congress,
        summary={"category": category, "area": area.pk if area else None},
    )
    return watch


@transaction.atomic
def watch_remove(*, actor: User, watch_id: int) -> None:
    watch = Watch.objects.filter(pk=watch_id, user=actor).select_related("congress").first()
    if watch is None:
        raise NotPermitted("只能取消自己的关注。")
    congress = watch.congress
    summary = {"category": watch.category, "area": watch.area_id}
    audit_record(actor=actor, action="insight.watch_removed", target=watch, congress=congress, summary=summary)
    watch.delete()


# --- alerts ---


def ledger_link(*, category: str = "", area_id: int | None = None, week: dt.date | None = None) -> str:
    """The opinions ledger (``opinions:ledger``) filtered by topic, area and ISO week."""
    try:
        base = reverse("opinions:ledger")
    except NoReverseMatch:  # the ledger is another module's page; keep links working without it
        base = "/opinions/"
    query = {"category": category, "area": area_id or "", "week": iso_week(week) if week else ""}
    return f"{base}?{urlencode({key: value for key, value in query.items() if value != ''})}"


def alerts_for(user: User, *, limit: int = 200) -> list[SpikeAlert]:
    congress_id = insight_congress_id(user)
    if congress_id is None:
        return []
    return list(SpikeAlert.objects.filter(congress_id=congress_id).select_related("area")[:limit])


def is_spike(count: int, previous: int) -> bool:
    return count >= max(SPIKE_MIN_COUNT, math.ceil(previous * SPIKE_FACTOR))


def _watchers(congress: Congress, category: str, area_id: int | None) -> list[User]:
    readers = set(
        RoleAssignment.objects.filter(congress=congress, role__in=READER_ROLES, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    watches = Watch.objects.filter(congress=congress).select_related("user")
    people: dict[int, User] = {}
    for watch in watches:
        if watch.category and watch.category != category:
            continue
        if watch.area_id is not None and watch.area_id != area_id:
            continue
        if watch.user_id in readers and watch.user.is_active:
            people[watch.user_id] = watch.user
    return list(people.values())


@transaction.atomic
def spike_scan(*, congress: Congress, week: dt.date | None = None) -> list[SpikeAlert]:
    """Create (once) and notify the spike alerts of ``week`` (default: this week so far)."""
    week = week_start(week or timezone.localdate())
    this, before = weekly_counts(congress, week)
    categories = dict(Category.choices)
    created: list[SpikeAlert] = []
    for (category, area_id), count in sorted(this.items(), key=lambda item: -item[1]):
        previous = before.get((category, area_id), 0)
        if not is_spike(count, previous):
            continue
        alert, new = SpikeAlert.objects.get_or_create(
            congress=congress,
            week_start=week,
            category=category,
            area_id=area_id,
            defaults={"count": count, "previous_count": previous},
        )
        if not new:
            if count > alert.count:
                SpikeAlert.objects.filter(pk=alert.pk).update(count=count)
            continue
        created.append(alert)
        area_name = alert.area.name if alert.area is not None else congress.name
        topic = str(categories.get(category, category))
        link = ledger_link(category=category, area_id=area_id, week=week)
        for person in _watchers(congress, category, area_id):
            notify_send(
                recipient=person,
                event="insight.spike",
                context={
                    "area": area_name,
                    "topic": topic,
                    "count": count,
                    "previous": previous,
                    "week": iso_week(week),
                    "link": link,
                },
                congress=congress,
            )
        audit_record(
            actor=None,
            action="insight.spike_alert",
            target=alert,
            congress=congress,
            summary={"category": category, "area": area_id, "count": count, "previous": previous},
        )
    return created


def spike_scan_all(now: dt.datetime | None = None) -> int:
    """The periodic job: every congress with opinions this week, at most once a day per cache."""
    today = timezone.localdate(now) if now else timezone.localdate()
    if not cache.add(f"insight.spike_scan:{today.isoformat()}", 1, 26 * 3600):
        return 0
    week = week_start(today)
    since = timezone.make_aware(dt.datetime.combine(week, dt.time.min))
    congress_ids = set(Opinion.objects.filter(received_at__gte=since).values_list("congress_id", flat=True).distinct())
    total = 0
    for congress in Congress.objects.filter(pk__in=congress_ids):
        total += len(spike_scan(congress=congress, week=week))
    return total
