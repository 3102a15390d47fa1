"""API: hot topics, near-duplicate clusters, watches and spike alerts.

Committee staff and leaders of the congress (``alerts.insight_congress_id``); the same functions as
the pages. 403 for any other role, 400 naming the field for bad input.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from renda.accounts.models import User
from renda.core.errors import InvalidInput
from renda.insight import alerts, topics
from renda.insight.models import Cluster, SpikeAlert, Watch
from renda.opinions.models import Category

router = Router(tags=["民情分析"])
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


class TrendOut(Schema):
    key: str = Field(description="类别代码、区域 id 或来源代码（空表示未分类/未填）")
    label: str
    counts: list[int] = Field(description="每周数量，从早到晚，与 weeks 对应")
    this_week: int
    last_week: int
    change: int = Field(description="环比变化（件）")
    change_pct: float | None = Field(description="环比变化（%），上周为 0 时为空")


class ClusterOut(Schema):
    id: int
    title: str
    size: int
    category: str
    area_id: int | None
    representative_id: int | None
    first_received_at: dt.datetime
    last_received_at: dt.datetime
    handled_as_one: bool


class HotTopicsOut(Schema):
    weeks: list[str] = Field(description="ISO 周，如 2025-W10")
    total: TrendOut
    by_category: list[TrendOut]
    by_area: list[TrendOut]
    by_source: list[TrendOut]
    top_clusters: list[ClusterOut]


def _trend(trend: topics.Trend) -> dict[str, Any]:
    return {
        "key": trend.key,
        "label": trend.label,
        "counts": trend.counts,
        "this_week": trend.this_week,
        "last_week": trend.last_week,
        "change": trend.change,
        "change_pct": trend.change_pct,
    }


def _cluster(cluster: Cluster) -> dict[str, Any]:
    return {
        "id": cluster.pk,
        "title": cluster.title,
        "size": cluster.size,
        "category": cluster.category,
        "area_id": cluster.area_id,
        "representative_id": cluster.representative_id,
        "first_received_at": cluster.first_received_at,
        "last_received_at": cluster.last_received_at,
        "handled_as_one": cluster.handled_as_one,
    }


@router.get("/insight/topics", response=HotTopicsOut, summary="热点话题：按类别、区域、来源和周统计，含环比")
def hot_topics(request: HttpRequest, weeks: int = topics.DEFAULT_WEEKS, week: str = "") -> dict[str, Any]:
    congress = alerts.require_insight_congress(_user(request))
    until = None
    if week:
        until = topics.parse_week(week)
        if until is None:
            raise InvalidInput("周的格式应为 2025-W10 或日期。", code="invalid", field="week")
    report = topics.hot_topics(congress, weeks=weeks, until=until)
    return {
        "weeks": report.week_labels,
        "total": _trend(report.total),
        "by_category": [_trend(t) for t in report.by_category],
        "by_area": [_trend(t) for t in report.by_area],
        "by_source": [_trend(t) for t in report.by_source],
        "top_clusters": [_cluster(c) for c in report.top_clusters],
    }


@router.get("/insight/clusters", response=list[ClusterOut], summary="相似意见组（至少两件）")
def cluster_list(
    request: HttpRequest, category: str = "", handled: bool | None = None, page: int = 1
) -> list[dict[str, Any]]:
    congress = alerts.require_insight_congress(_user(request))
    queryset = Cluster.objects.filter(congress=congress, size__gte=2)
    if category:
        if category not in Category.values:
            raise InvalidInput("类别不存在。", code="invalid_choice", field="category")
        queryset = queryset.filter(category=category)
    if handled is not None:
        queryset = queryset.filter(handled_as_one=handled)
    start = max(0, page - 1) * PAGE_SIZE
    return [_cluster(c) for c in queryset.order_by("-size", "-last_received_at")[start : start + PAGE_SIZE]]


class WatchIn(Schema):
    category: str = Field("", description="关注的类别（空表示全部类别）")
    area_id: int | None = Field(None, description="关注的区域（人大 id，空表示全部区域）")


class WatchOut(Schema):
    id: int
    category: str
    area_id: int | None


def _watch(watch: Watch) -> dict[str, Any]:
    return {"id": watch.pk, "category": watch.category, "area_id": watch.area_id}


@router.get("/insight/watches", response=list[WatchOut], summary="我的关注")
def watch_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    alerts.require_insight_congress(user)
    return [_watch(w) for w in alerts.watches_of(user)]


@router.post("/insight/watches", response={201: WatchOut}, summary="关注区域和/或类别（激增时通知）")
def watch_create(request: HttpRequest, payload: WatchIn) -> Status[dict[str, Any]]:
    watch = alerts.watch_add(actor=_user(request), category=payload.category, area_id=payload.area_id)
    return Status(201, _watch(watch))


@router.delete("/insight/watches/{int:watch_id}", response={204: None}, summary="取消关注")
def watch_delete(request: HttpRequest, watch_id: int) -> Status[None]:
    user = _user(request)
    alerts.require_insight_congress(user)
    alerts.watch_remove(actor=user, watch_id=watch_id)
    return Status(204, None)


class AlertOut(Schema):
    id: int
    week: str = Field(description="ISO 周")
    category: str
    area_id: int | None
    count: int
    previous_count: int
    created_at: dt.datetime


def _alert(alert: SpikeAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "week": topics.iso_week(alert.week_start),
        "category": alert.category,
        "area_id": alert.area_id,
        "count": alert.count,
        "previous_count": alert.previous_count,
        "created_at": alert.created_at,
    }


@router.get("/insight/alerts", response=list[AlertOut], summary="激增预警")
def alert_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = _user(request)
    alerts.require_insight_congress(user)
    return [_alert(a) for a in alerts.alerts_for(user)]
