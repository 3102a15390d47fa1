"""The lists staff and units work from: the triage queue, the ledger with its filters, the unit's queue tabs.

Pages and API read the same lists here, always starting from ``permissions.opinions_visible_to``
(so nobody lists what they may not read), and add their filters and order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrPromise

from renda.core.errors import InvalidInput
from renda.opinions import permissions, stats
from renda.opinions.models import UNIT_STATES, Category, Dispatch, Opinion, Source, Status
from renda.organizations.models import congress_subtree_ids

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Unit


# --- triage ---


def analysis_of(opinion: Opinion) -> Any:
    try:
        return opinion.analysis  # type: ignore[attr-defined]
    except ObjectDoesNotExist:
        return None


def suggestion_text(analysis: Any) -> str:
    """ "建议：市住建局（L3，城建与物业）置信度 82% · 模型 v3" — what insight suggests, said plainly."""
    if analysis is None or not (analysis.suggested_unit_id or analysis.suggested_category):
        return ""
    parts = [label for label in (analysis.suggested_level, _category_label(analysis.suggested_category)) if label]
    unit = analysis.suggested_unit.name if analysis.suggested_unit is not None else gettext("（未给出单位）")
    model = (
        gettext("模型 v%(version)d") % {"version": analysis.model_version}
        if analysis.model_version
        else gettext("关键词规则")
    )
    return gettext("建议：%(unit)s（%(parts)s）置信度 %(confidence)d%% · %(model)s") % {
        "unit": unit,
        "parts": "，".join(parts),
        "confidence": round(analysis.confidence * 100),
        "model": model,
    }


def _category_label(value: str) -> str:
    return str(Category(value).label) if value in Category.values else value


def can_use_triage_queue(user: User | None) -> bool:
    """Committee staff (the congress's queue), station staff (their station's) and deputies (addressed to them)."""
    return (
        permissions.triage_congress_id(user) is not None
        or permissions.acting_station_unit_id(user) is not None
        or permissions.acting_deputy(user) is not None
    )


def triage_items(user: User | None, *, source: str = "") -> QuerySet[Opinion]:
    """The opinions waiting for this person's triage, oldest first (the one waiting longest is handled first)."""
    items = permissions.opinions_visible_to(user).filter(status=Status.RECEIVED)
    if source in Source.values:
        items = items.filter(source=source)
    return items.select_related(
        "station__unit", "deputy", "area", "analysis", "analysis__suggested_unit", "cluster"
    ).order_by("received_at", "pk")


# --- the ledger ---


def can_read_ledger(user: User | None) -> bool:
    """The whole ledger of the congress: its committee staff and leaders."""
    return permissions.reader_congress_id(user) is not None


def can_export(user: User | None) -> bool:
    """A (masked) export of what one may read: the ledger's readers, and a unit its own items."""
    return can_read_ledger(user) or permissions.acting_unit(user) is not None


@dataclass(frozen=True)
class LedgerFilters:
    status: str = ""
    source: str = ""
    category: str = ""
    area: int | None = None
    unit: int | None = None
    overdue: bool = False
    received_from: dt.date | None = None
    received_to: dt.date | None = None
    # A dashboard figure's items (a ``stats.FIGURES`` name): the dashboard links here with ``figure=``.
    figure: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (blank ones left out): for links, exports and the audit record."""
        query: dict[str, str] = {}
        for key, value in asdict(self).items():
            if value in (None, "", False):
                continue
            query[key] = "1" if value is True else str(value)
        return query


def _choice(value: str, choices: list[str], *, field: str, label: str) -> str:
    if value and value not in choices:
        raise InvalidInput(f"{label}的取值无效", code="invalid_choice", field=field)
    return value


def _id(value: str, *, field: str, label: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise InvalidInput(f"{label}无效", code="invalid", field=field)
    return int(value)


def _date(value: str, *, field: str, label: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}须写成 2026-01-31 的格式", code="invalid", field=field) from None


def parse_filters(query: Any) -> LedgerFilters:
    """Read the filters from a query string (``request.GET`` or a dict); a bad value is InvalidInput naming it."""

    def get(name: str) -> str:
        return str(query.get(name, "") or "").strip()

    filters = LedgerFilters(
        status=_choice(get("status"), Status.values, field="status", label="状态"),
        source=_choice(get("source"), Source.values, field="source", label="来源"),
        category=_choice(get("category"), Category.values, field="category", label="类别"),
        area=_id(get("area"), field="area", label="区域"),
        unit=_id(get("unit"), field="unit", label="承办单位"),
        overdue=get("overdue") in ("1", "true", "on", "yes"),
        received_from=_date(get("received_from"), field="received_from", label="开始日期"),
        received_to=_date(get("received_to"), field="received_to", label="结束日期"),
        figure=_choice(get("figure"), list(stats.FIGURES), field="figure", label="统计口径"),
    )
    if filters.received_from and filters.received_to and filters.received_from > filters.received_to:
        raise InvalidInput("开始日期不能晚于结束日期", code="invalid_range", field="received_to")
    return filters


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Held by a unit past its deadline."""
    return Q(status__in=list(UNIT_STATES), due_at__lt=now or timezone.now())


def filtered(items: QuerySet[Opinion], filters: LedgerFilters) -> QuerySet[Opinion]:
    if filters.status:
        items = items.filter(status=filters.status)
    if filters.source:
        items = items.filter(source=filters.source)
    if filters.category:
        items = items.filter(category=filters.category)
    if filters.area is not None:
        # A district's figure counts its towns' and communities' opinions too (``dashboard.district_of``).
        items = items.filter(area_id__in=congress_subtree_ids([filters.area]))
    if filters.unit is not None:
        items = items.filter(unit_id=filters.unit)
    if filters.overdue:
        items = items.filter(overdue_q())
    if filters.received_from is not None:
        start = timezone.make_aware(dt.datetime.combine(filters.received_from, dt.time.min))
        items = items.filter(received_at__gte=start)
    if filters.received_to is not None:
        end = timezone.make_aware(dt.datetime.combine(filters.received_to + dt.timedelta(days=1), dt.time.min))
        items = items.filter(received_at__lt=end)
    if filters.figure:
        items = items.filter(stats.figure_q(filters.figure))
    return items


def ledger_items(user: User | None, filters: LedgerFilters) -> QuerySet[Opinion]:
    """Every opinion the person may read, filtered, newest first."""
    return filtered(permissions.opinions_visible_to(user), filters).order_by("-received_at", "-pk")


# --- the unit's queue ---

UNIT_TABS: dict[str, StrPromise] = {
    "pending": _("待接单"),
    "handling": _("办理中"),
    "replied": _("已答复"),
    "overdue": _("已逾期"),
}


def _unit_tab_filters(now: dt.datetime) -> dict[str, Q]:
    live = Q(state__in=[Dispatch.State.PENDING, Dispatch.State.ACCEPTED])
    return {
        "pending": Q(state=Dispatch.State.PENDING),
        "handling": Q(state=Dispatch.State.ACCEPTED),
        "replied": Q(state=Dispatch.State.REPLIED),
        "overdue": live & Q(due_at__lt=now),
    }


def unit_counts(unit: Unit, now: dt.datetime) -> dict[str, int]:
    """Every tab's count in one aggregate query."""
    filters = _unit_tab_filters(now)
    counts = Dispatch.objects.filter(unit=unit).aggregate(**{key: Count("pk", filter=q) for key, q in filters.items()})
    return {key: int(counts[key] or 0) for key in filters}


def unit_dispatches(unit: Unit, tab: str, now: dt.datetime) -> QuerySet[Dispatch]:
    """The unit's dispatches of one tab: the nearest deadline first (the replied ones, the latest reply first)."""
    order = ["-replied_at", "-pk"] if tab == "replied" else ["due_at", "pk"]
    return (
        Dispatch.objects.filter(unit=unit)
        .filter(_unit_tab_filters(now)[tab])
        .select_related("opinion", "opinion__area")
        .order_by(*order)
    )
