"""Pages: the scoring scheme, the publication list of scores, a score's explanation, a deputy's own score,
the consequences (约谈名单 …), and the figures of the work report with the rows behind each.

Thin adapters: the congress comes from the acting role (staff and leaders read, staff change),
a score from ``permissions.get_score_for_view`` (404 for anyone else, a deputy sees only their own),
changes go through ``renda.deputies.actions.scoring``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import tempfile
from collections.abc import Callable
from decimal import Decimal
from typing import IO, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_stubs_ext import StrPromise
from openpyxl import Workbook

from renda.accounts.models import User
from renda.core.errors import DomainError, NotPermitted
from renda.deputies import figures as figures_module
from renda.deputies import permissions, scoring
from renda.deputies.actions import scoring as actions
from renda.deputies.models import (
    DeputyScore,
    DeputyTerm,
    EntryKind,
    Grade,
    ScoreConsequence,
    ScoringScheme,
)
from renda.organizations.models import Congress, Unit, UnitKind

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _reader_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.reader_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def _int_param(value: str | None, default: int, low: int, high: int) -> int:
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if low <= number <= high else default


def latest_period(congress: Congress) -> tuple[int, int]:
    """The most recent (year, quarter) with scores, else the current one."""
    latest = (
        DeputyScore.objects.filter(scheme__congress=congress).order_by("-year", "-quarter").values("year", "quarter")
    ).first()
    if latest is not None:
        return latest["year"], latest["quarter"]
    today = timezone.localdate()
    return today.year, scoring.quarter_of(today)


def _period(request: HttpRequest, congress: Congress) -> tuple[int, int]:
    year, quarter = latest_period(congress)
    year = _int_param(request.GET.get("year"), year, 2000, 2100)
    quarter = _int_param(request.GET.get("quarter"), quarter, 1, 4)
    return year, quarter


def _refused(request: HttpRequest, error: DomainError, *, back: str) -> HttpResponse:
    status = error.status_code if error.status_code < 500 else 400
    return render(request, "deputies/scores_error.html", {"error": error, "back": back}, status=status)


def _run(request: HttpRequest, action: Callable[[], object], *, success: str | StrPromise, back: str) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        return _refused(request, error, back=back)
    messages.success(request, success)
    return redirect(back)


def _delegations(congress: Congress) -> list[Unit]:
    return list(Unit.objects.filter(congress=congress, kind=UnitKind.DELEGATION).order_by("name"))


# --- the scheme ---


def _items_from_post(request: HttpRequest) -> list[tuple[str, Any, Any]]:
    """One row per entry kind: points blank = not scored; cap blank = no cap."""
    items = []
    for kind in EntryKind.values:
        points = (request.POST.get(f"points_{kind}") or "").strip()
        if points:
            items.append((kind, points, (request.POST.get(f"cap_{kind}") or "").strip() or None))
    return items


@login_required
def scheme(request: HttpRequest) -> HttpResponse:
    """View the schemes (staff and leaders); staff create one from the defaults or edit a scheme's items."""
    user = _user(request)
    congress = _reader_congress(request)
    schemes = list(ScoringScheme.objects.filter(congress=congress).order_by("-effective_year"))
    selected_id = _int_param(request.GET.get("id") or request.POST.get("scheme_id"), 0, 1, 2**31)
    selected = next((item for item in schemes if item.pk == selected_id), schemes[0] if schemes else None)
    can_manage = permissions.can_manage_scores(user, congress)
    back = reverse("deputies:scheme") + (f"?id={selected.pk}" if selected else "")
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if request.POST.get("op") == "create":

            def create() -> None:
                created = actions.scheme_create(
                    actor=user,
                    congress=congress,
                    name=request.POST.get("name", ""),
                    effective_year=request.POST.get("effective_year", ""),  # type: ignore[arg-type]
                )
                nonlocal back
                back = reverse("deputies:scheme") + f"?id={created.pk}"

            return _run(request, create, success=_("已按默认项目创建积分办法"), back=back)
        if selected is None:
            raise Http404
        return _run(
            request,
            lambda: actions.scheme_update(
                actor=user,
                scheme=selected,
                name=request.POST.get("name"),
                items=_items_from_post(request),
                max_total=request.POST.get("max_total"),
                good_threshold=request.POST.get("good_threshold"),
                fair_threshold=request.POST.get("fair_threshold"),
                poor_years_before_advice=request.POST.get("poor_years_before_advice"),
                is_active=request.POST.get("is_active") in ("1", "on", "true"),
            ),
            success=_("积分办法已保存。已算出的积分需重新计算才会按新办法变化。"),
            back=back,
        )
    rows = []
    if selected is not None:
        by_kind = {item.kind: item for item in selected.items.all()}
        rows = [{"kind": kind, "label": label, "item": by_kind.get(kind)} for kind, label in EntryKind.choices]
    return render(
        request,
        "deputies/scores_scheme.html",
        {
            "congress": congress,
            "schemes": schemes,
            "selected": selected,
            "rows": rows,
            "can_manage": can_manage,
            "next_year": timezone.localdate().year,
        },
    )


# --- the publication list ---


def _filtered_scores(request: HttpRequest, congress: Congress) -> tuple[dict[str, Any], Any]:
    year, quarter = _period(request, congress)
    grade = request.GET.get("grade", "")
    grade = grade if grade in Grade.values else ""
    delegations = _delegations(congress)
    delegation_id = _int_param(request.GET.get("delegation"), 0, 1, 2**31)
    if delegation_id not in {unit.pk for unit in delegations}:
        delegation_id = 0
    items = scoring.score_rows(congress, year, quarter)
    totals = sorted(float(value) for value in items.values_list("total", flat=True))
    if grade:
        items = items.filter(grade=grade)
    if delegation_id:
        items = items.filter(
            profile_id__in=DeputyTerm.objects.filter(congress=congress, delegation_id=delegation_id).values(
                "profile_id"
            )
        )
    query = {"year": year, "quarter": quarter, "grade": grade, "delegation": delegation_id or ""}
    context = {
        "congress": congress,
        "year": year,
        "quarter": quarter,
        "grade": grade,
        "delegation_id": delegation_id,
        "delegations": delegations,
        "grades": Grade.choices,
        "quarters": scoring.QUARTERS,
        "query_string": urlencode(query),
        "totals": totals,
        "scheme": scoring.scheme_for(congress, year),
    }
    return context, items


def _rank(totals: list[float], total: Decimal) -> int:
    """Competition ranking (1, 2, 2, 4) over every score of the period, whatever the filter."""
    return len(totals) - bisect.bisect_right(totals, float(total)) + 1


@login_required
def scores(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress = _reader_congress(request)
    context, items = _filtered_scores(request, congress)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    names = scoring.delegations_of(congress, [score.profile_id for score in page])
    context.update(
        {
            "page": page,
            "rows": [(_rank(context["totals"], score.total), score, names.get(score.profile_id, "")) for score in page],
            "can_manage": permissions.can_manage_scores(user, congress),
        }
    )
    context["by_grade"] = [
        (label, scoring.score_rows(congress, context["year"], context["quarter"]).filter(grade=value).count())
        for value, label in Grade.choices
    ]
    return render(request, "deputies/scores_list.html", context)


@login_required
def scores_export(request: HttpRequest) -> FileResponse:
    congress = _reader_congress(request)
    context, items = _filtered_scores(request, congress)
    scheme = context["scheme"]
    kinds = [item.kind for item in scheme.items.order_by("pk")] if scheme else []
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("履职积分"))
    sheet.append(
        [_("名次"), _("姓名"), _("代表团"), _("总分"), _("等次")] + [str(EntryKind(kind).label) for kind in kinds]
    )
    grade_labels = dict(Grade.choices)
    chunk: list[DeputyScore] = []

    def flush() -> None:
        names = scoring.delegations_of(congress, [score.profile_id for score in chunk])
        for score in chunk:
            by_kind = {line["kind"]: line["score"] for line in score.breakdown}
            sheet.append(
                [
                    _rank(context["totals"], score.total),
                    score.profile.name,
                    names.get(score.profile_id, ""),
                    float(score.total),
                    str(grade_labels.get(score.grade, score.grade)),
                    *[by_kind.get(kind) for kind in kinds],
                ]
            )
        chunk.clear()

    for score in items.iterator(chunk_size=2000):
        chunk.append(score)
        if len(chunk) >= 2000:
            flush()
    flush()
    handle: IO[bytes] = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    filename = f"{_('履职积分')}-{context['year']}Q{context['quarter']}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


@login_required
def score_detail(request: HttpRequest, score_id: int) -> HttpResponse:
    score = permissions.get_score_for_view(_user(request), score_id)
    return render(
        request,
        "deputies/scores_detail.html",
        {"score": score, "profile": score.profile, "scheme": score.scheme, "period_end": _period_end(score)},
    )


def _period_end(score: DeputyScore) -> dt.date:
    return scoring.quarter_end(score.year, score.quarter)


@login_required
def my_score(request: HttpRequest) -> HttpResponse:
    own = permissions.own_profile(_user(request))
    if own is None:
        raise Http404
    mine = list(
        DeputyScore.objects.filter(profile=own).select_related("scheme__congress").order_by("-year", "-quarter")
    )
    latest = mine[0] if mine else None
    return render(
        request,
        "deputies/scores_mine.html",
        {
            "profile": own,
            "scores": mine,
            "score": latest,
            "period_end": _period_end(latest) if latest else None,
            "consequences": ScoreConsequence.objects.filter(profile=own).order_by("-year", "kind"),
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress = _reader_congress(request)
    year = request.POST.get("year", "")
    quarter = request.POST.get("quarter", "")
    back = reverse("deputies:scores") + "?" + urlencode({"year": year, "quarter": quarter})
    if not permissions.can_manage_scores(user, congress):
        raise PermissionDenied

    def act() -> None:
        result = actions.scores_compute(actor=user, congress=congress, year=year, quarter=quarter)  # type: ignore[arg-type]
        messages.info(request, _("已计算 %(count)s 名代表的积分") % {"count": result.deputies})

    return _run(request, act, success=_("积分已重新计算"), back=back)


# --- consequences ---


@login_required
def consequences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress = _reader_congress(request)
    default_year, _quarter = latest_period(congress)
    year = _int_param(request.GET.get("year"), default_year, 2000, 2100)
    kind = request.GET.get("kind", "")
    kind = kind if kind in ScoreConsequence.Kind.values else ""
    rows = ScoreConsequence.objects.filter(congress=congress, year=year).select_related("profile")
    if kind:
        rows = rows.filter(kind=kind)
    page = Paginator(rows.order_by("kind", "profile__name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "deputies/scores_consequences.html",
        {
            "congress": congress,
            "year": year,
            "kind": kind,
            "kinds": ScoreConsequence.Kind.choices,
            "page": page,
            "query_string": urlencode({"year": year, "kind": kind}),
            "can_manage": permissions.can_manage_scores(user, congress),
        },
    )


@login_required
@require_POST
def consequences_derive(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    congress = _reader_congress(request)
    if not permissions.can_manage_scores(user, congress):
        raise PermissionDenied
    year = request.POST.get("year", "")
    back = reverse("deputies:consequences") + "?" + urlencode({"year": year})
    return _run(
        request,
        lambda: actions.consequences_derive(actor=user, congress=congress, year=year),  # type: ignore[arg-type]
        success=_("已根据年度积分生成结果运用名单"),
        back=back,
    )


@login_required
@require_POST
def consequence_done(request: HttpRequest, consequence_id: int) -> HttpResponse:
    user = _user(request)
    try:
        consequence = permissions.get_consequence_for_manage(user, consequence_id)
    except NotPermitted as error:  # a leader reads the list but records nothing
        return _refused(request, error, back=reverse("deputies:consequences"))
    back = reverse("deputies:consequences") + "?" + urlencode({"year": consequence.year})
    return _run(
        request,
        lambda: actions.consequence_done(actor=user, consequence=consequence, note=request.POST.get("note", "")),
        success=_("已记录办理情况"),
        back=back,
    )


# --- the work-report figures ---


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    congress = _reader_congress(request)
    year = _int_param(request.GET.get("year"), timezone.localdate().year, 2000, 2100)
    return render(
        request,
        "deputies/scores_figures.html",
        {"congress": congress, "year": year, "result": figures_module.compute(congress, year)},
    )


@login_required
def figure_rows(request: HttpRequest) -> HttpResponse:
    congress = _reader_congress(request)
    year = _int_param(request.GET.get("year"), timezone.localdate().year, 2000, 2100)
    key = request.GET.get("rows", "")
    if key not in figures_module.ROW_SETS:
        key = next(iter(figures_module.ROW_SETS))
    page_number = _int_param(request.GET.get("page"), 1, 1, 10**6)
    result = figures_module.rows_for(congress, year, key, offset=(page_number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    if result.count and (page_number - 1) * PAGE_SIZE >= result.count:
        raise Http404
    return render(
        request,
        "deputies/scores_figure_rows.html",
        {
            "congress": congress,
            "year": year,
            "result": result,
            "row_sets": figures_module.ROW_SETS,
            "page_number": page_number,
            "previous_page": page_number - 1 if page_number > 1 else None,
            "next_page": page_number + 1 if page_number * PAGE_SIZE < result.count else None,
            "query_string": urlencode({"year": year, "rows": key}),
        },
    )


urlpatterns: list[URLPattern] = [
    path("scores/scheme/", scheme, name="scheme"),
    path("scores/", scores, name="scores"),
    path("scores/export.xlsx", scores_export, name="scores_export"),
    path("scores/mine/", my_score, name="my_score"),
    path("scores/compute/", compute, name="compute"),
    path("scores/<int:score_id>/", score_detail, name="score_detail"),
    path("scores/consequences/", consequences, name="consequences"),
    path("scores/consequences/derive/", consequences_derive, name="consequences_derive"),
    path("scores/consequences/<int:consequence_id>/done/", consequence_done, name="consequence_done"),
    path("figures/", figures, name="figures"),
    path("figures/rows/", figure_rows, name="figure_rows"),
]
