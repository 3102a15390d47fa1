"""Public portal pages of the deputies' area, served under /portal/ (namespace ``portal:``), no login.

The liaison-station network: the four-tier tree with address and opening hours (searchable),
and each station's page with its upcoming reception days and the deputies on duty, by name
only. No phone number is shown on the portal.
"""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from renda.deputies import permissions
from renda.deputies.models import Station

QUERY_MAX = 50


def station_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:QUERY_MAX]
    stations = list(permissions.public_stations())
    visible_ids = {station.pk for station in stations}
    if query:
        matched = {
            station.pk
            for station in permissions.public_stations().filter(
                Q(unit__name__icontains=query) | Q(address__icontains=query) | Q(unit__short_name__icontains=query)
            )
        }
        stations = [station for station in stations if station.pk in matched]
        visible_ids = matched
    children: dict[int | None, list[Station]] = {}
    for station in stations:
        parent = station.parent_id if station.parent_id in visible_ids else None
        children.setdefault(parent, []).append(station)
    rows: list[tuple[Station, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for station in sorted(children.get(parent, []), key=lambda s: (s.tier, s.unit.sort_order, s.unit.name)):
            rows.append((station, min(depth, 3)))
            walk(station.pk, depth + 1)

    walk(None, 0)
    return render(request, "deputies/stations_portal_list.html", {"rows": rows, "query": query})


def station_detail(request: HttpRequest, code: str) -> HttpResponse:
    station = permissions.get_public_station(code)
    context = {
        "station": station,
        "receptions": permissions.upcoming_receptions(station),
        "children": permissions.public_stations().filter(parent=station).order_by("unit__name"),
    }
    return render(request, "deputies/stations_portal_detail.html", context)


portal_urlpatterns: list[URLPattern] = [
    path("stations/", station_list, name="station_list"),
    path("stations/<str:code>/", station_detail, name="station_detail"),
]
