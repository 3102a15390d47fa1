"""Figures of the standing committee's work report on deputies (代表工作) for a congress and a year, domain.md §2.4.

Each figure carries its definition (口径) and, for a rate, its numerator and denominator;
``rows_for`` returns the rows behind a figure, so every number on the page can be opened.
Deputies "in office" are those with a term of the congress at some time in the year
(``scoring.profiles_in_office``). Stations count when they belong to the congress or a
congress below it (the four-tier network spans the levels).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.deputies.models import (
    ContactKind,
    ContactVisit,
    DeputyGroup,
    DutyEntry,
    EntryKind,
    EntryStatus,
    GroupActivity,
    ReceptionDay,
    TrainingAttendance,
)
from renda.deputies.scoring import profiles_in_office
from renda.organizations.models import Congress, congress_subtree_ids

# The row lists behind the figures: key → title.
ROW_SETS: dict[str, Any] = {
    "training": gettext_lazy("参加培训（出勤记录）"),
    "attend_sc": gettext_lazy("代表列席常委会会议"),
    "sc_visits": gettext_lazy("常委会组成人员联系代表"),
    "citizen_contacts": gettext_lazy("代表联系群众"),
    "receptions": gettext_lazy("联络站接待群众"),
    "group_activities": gettext_lazy("代表小组活动"),
}


@dataclass
class Figure:
    key: str
    label: str
    value: int | float | None
    unit: str
    definition: str
    rows: str
    numerator: int | None = None
    denominator: int | None = None

    @property
    def is_rate(self) -> bool:
        return self.denominator is not None


@dataclass
class GroupRow:
    group_id: int
    name: str
    kind: str
    activities: int
    person_times: int


@dataclass
class Figures:
    congress: Congress
    year: int
    deputies_in_office: int
    figures: list[Figure] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "congress_id": self.congress.pk,
            "year": self.year,
            "deputies_in_office": self.deputies_in_office,
            "figures": [
                {
                    "key": item.key,
                    "label": item.label,
                    "value": item.value,
                    "unit": item.unit,
                    "definition": item.definition,
                    "rows": item.rows,
                    "numerator": item.numerator,
                    "denominator": item.denominator,
                }
                for item in self.figures
            ],
            "groups": [
                {
                    "group_id": row.group_id,
                    "name": row.name,
                    "kind": row.kind,
                    "activities": row.activities,
                    "person_times": row.person_times,
                }
                for row in self.groups
            ],
        }


def rate(numerator: int, denominator: int) -> float | None:
    """A percentage with one decimal; None when the denominator is 0."""
    return None if denominator == 0 else round(numerator * 100 / denominator, 1)


def _year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def training_rows(congress: Congress, year: int) -> QuerySet[TrainingAttendance]:
    start, end = _year_range(year)
    return TrainingAttendance.objects.filter(
        session__congress=congress, session__starts_on__gte=start, session__starts_on__lte=end, attended=True
    )


def attend_sc_rows(congress: Congress, year: int) -> QuerySet[DutyEntry]:
    start, end = _year_range(year)
    return DutyEntry.objects.filter(
        congress=congress, kind=EntryKind.ATTEND_SC, status=EntryStatus.VERIFIED, date__gte=start, date__lte=end
    )


def visit_rows(congress: Congress, year: int, kind: str) -> QuerySet[ContactVisit]:
    start, end = _year_range(year)
    return ContactVisit.objects.filter(congress=congress, kind=kind, held_on__gte=start, held_on__lte=end)


def reception_rows(congress: Congress, year: int) -> QuerySet[ReceptionDay]:
    start, end = _year_range(year)
    return ReceptionDay.objects.filter(
        station__unit__congress_id__in=congress_subtree_ids([congress.pk]),
        status=ReceptionDay.Status.HELD,
        date__gte=start,
        date__lte=end,
    )


def group_activity_rows(congress: Congress, year: int) -> QuerySet[GroupActivity]:
    start, end = _year_range(year)
    return GroupActivity.objects.filter(group__congress=congress, held_on__gte=start, held_on__lte=end)


def compute(congress: Congress, year: int) -> Figures:
    in_office = profiles_in_office(congress, year).values("profile_id").distinct().count()
    result = Figures(congress=congress, year=year, deputies_in_office=in_office)

    training = training_rows(congress, year)
    trained_times = training.count()
    trained_people = training.values("profile_id").distinct().count()
    attend_sc = attend_sc_rows(congress, year).count()
    sc_visits = visit_rows(congress, year, ContactKind.SC_MEMBER_TO_DEPUTY)
    sc_visit_count = sc_visits.count()
    visited_deputies = sc_visits.values("deputy_id").distinct().count()
    contacts = visit_rows(congress, year, ContactKind.DEPUTY_TO_CITIZENS).aggregate(
        visits=Count("id"), people=Sum("people_count")
    )
    received = reception_rows(congress, year).aggregate(days=Count("id"), people=Sum("citizens_received"))

    result.figures = [
        Figure(
            "training_person_times",
            _("代表参加培训"),
            trained_times,
            _("人次"),
            _("本年度开始的本级培训中记录为出勤的人次（同一代表参加多次培训分别计算）。"),
            "training",
        ),
        Figure(
            "training_coverage",
            _("培训覆盖率"),
            rate(trained_people, in_office),
            "%",
            _("本年度至少出勤一次本级培训的代表人数 / 本年度在任代表人数。"),
            "training",
            numerator=trained_people,
            denominator=in_office,
        ),
        Figure(
            "sc_attendance",
            _("代表列席常委会会议"),
            attend_sc,
            _("人次"),
            _("本年度已核实的“列席常委会会议”履职记录条数（每位代表每次会议一条）。"),
            "attend_sc",
        ),
        Figure(
            "sc_member_visits",
            _("常委会组成人员联系代表"),
            sc_visit_count,
            _("次"),
            _("本年度“常委会组成人员联系代表”的联系活动次数。"),
            "sc_visits",
        ),
        Figure(
            "sc_visit_coverage",
            _("代表被联系覆盖率"),
            rate(visited_deputies, in_office),
            "%",
            _("本年度至少被常委会组成人员联系一次的代表人数 / 本年度在任代表人数。"),
            "sc_visits",
            numerator=visited_deputies,
            denominator=in_office,
        ),
        Figure(
            "citizen_contacts",
            _("代表联系群众"),
            contacts["visits"] or 0,
            _("次"),
            _("本年度“代表联系群众”的联系活动次数。"),
            "citizen_contacts",
        ),
        Figure(
            "citizen_contact_people",
            _("代表联系群众人次"),
            contacts["people"] or 0,
            _("人次"),
            _("本年度“代表联系群众”活动中登记的联系群众人次之和。"),
            "citizen_contacts",
        ),
        Figure(
            "station_receptions",
            _("联络站接待日"),
            received["days"] or 0,
            _("次"),
            _("本年度本级及下级人大所辖联络站已举行（状态为“已接待”）的接待日次数。"),
            "receptions",
        ),
        Figure(
            "station_citizens",
            _("联络站接待群众"),
            received["people"] or 0,
            _("人次"),
            _("本年度本级及下级人大所辖联络站已举行的接待日登记的接待群众人次之和。"),
            "receptions",
        ),
    ]

    activities = {
        row["group_id"]: row["n"]
        for row in group_activity_rows(congress, year).order_by().values("group_id").annotate(n=Count("id"))
    }
    # Person-times: one row of the participants table per deputy per activity.
    person_times: dict[int, int] = defaultdict(int)
    for group_id in group_activity_rows(congress, year).values_list("group_id", "participants"):
        if group_id[1] is not None:
            person_times[group_id[0]] += 1
    groups = DeputyGroup.objects.filter(Q(is_active=True) | Q(pk__in=list(activities)), congress=congress)
    result.groups = [
        GroupRow(
            group.pk, group.name, group.get_kind_display(), activities.get(group.pk, 0), person_times.get(group.pk, 0)
        )
        for group in groups.order_by("kind", "name")
    ]
    return result


@dataclass
class RowSet:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    count: int


def rows_for(congress: Congress, year: int, key: str, *, offset: int = 0, limit: int = 100) -> RowSet:
    """The rows behind a figure (``ROW_SETS``), newest first, one page at a time."""
    title = str(ROW_SETS[key])
    rows: list[list[Any]] = []
    if key == "training":
        training = (
            training_rows(congress, year).select_related("session", "profile").order_by("-session__starts_on", "pk")
        )
        columns = [_("日期"), _("代表"), _("培训"), _("学时")]
        count = training.count()
        for attendance in training[offset : offset + limit]:
            session = attendance.session
            rows.append([session.starts_on, attendance.profile.name, session.title, float(session.hours)])
    elif key == "attend_sc":
        entries = attend_sc_rows(congress, year).select_related("profile").order_by("-date", "-pk")
        columns = [_("日期"), _("代表"), _("会议"), _("时长（小时）")]
        count = entries.count()
        for entry in entries[offset : offset + limit]:
            rows.append(
                [entry.date, entry.profile.name, entry.title, None if entry.hours is None else float(entry.hours)]
            )
    elif key in ("sc_visits", "citizen_contacts"):
        kind = ContactKind.SC_MEMBER_TO_DEPUTY if key == "sc_visits" else ContactKind.DEPUTY_TO_CITIZENS
        visits = visit_rows(congress, year, kind).select_related("deputy", "visitor").order_by("-held_on", "-pk")
        columns = [_("日期"), _("代表"), _("联系人"), _("方式"), _("联系群众人次")]
        count = visits.count()
        for visit in visits[offset : offset + limit]:
            visitor = visit.visitor.full_name if visit.visitor else ""
            rows.append([visit.held_on, visit.deputy.name, visitor, visit.method, visit.people_count])
    elif key == "receptions":
        receptions = reception_rows(congress, year).select_related("station__unit").order_by("-date", "-pk")
        columns = [_("日期"), _("联络站"), _("主题"), _("接待群众人次")]
        count = receptions.count()
        for reception in receptions[offset : offset + limit]:
            rows.append([reception.date, reception.station.unit.name, reception.topic, reception.citizens_received])
    else:
        activities = (
            group_activity_rows(congress, year)
            .select_related("group")
            .annotate(people=Count("participants"))
            .order_by("-held_on", "-pk")
        )
        columns = [_("日期"), _("小组"), _("活动"), _("参加代表人次")]
        count = activities.count()
        for activity in activities[offset : offset + limit]:
            rows.append([activity.held_on, activity.group.name, activity.title, activity.people])  # type: ignore[attr-defined]
    return RowSet(key=key, title=title, columns=columns, rows=rows, count=count)
