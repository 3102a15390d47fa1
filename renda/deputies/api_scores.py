"""API: scoring schemes, the computation, scores (list, one, my own), consequences and the work-report figures.

Same rules as the pages: staff of a congress write schemes, compute and derive; its leaders
read; a deputy reads their own scores only (another's is 404). The congress named in a query
must be the caller's (403 otherwise, 404 when it does not exist).
"""

from __future__ import annotations

import bisect
import datetime as dt
import tempfile
from typing import IO, Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import figures, permissions, scoring
from renda.deputies.actions import scoring as actions
from renda.deputies.models import (
    DeputyScore,
    DeputyTerm,
    EntryKind,
    Grade,
    ScoreConsequence,
    ScoringScheme,
)
from renda.organizations.models import Congress

router = Router(tags=["人大代表"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _congress(user: User, congress_id: int) -> Congress:
    congress = Congress.objects.filter(pk=congress_id).first()
    if congress is None:
        raise Http404
    if not permissions.can_read_scores(user, congress):
        raise NotPermitted("只有本级人大的工作人员和领导可以查看履职积分")
    return congress


# --- schemes ---


class ItemIn(Schema):
    kind: str = Field(..., max_length=30, description="履职类型（EntryKind）")
    points: float = Field(..., description="每次分值；负数为扣分")
    cap: float | None = Field(None, description="年度上限；空为不设上限（扣分项则限制扣分总数）")


class ItemOut(Schema):
    kind: str
    label: str
    points: float
    cap: float | None


class SchemeOut(Schema):
    id: int
    congress_id: int
    name: str
    effective_year: int = Field(description="自该年度起适用，直到更晚的办法")
    max_total: float
    good_threshold: float = Field(description="“好”的下限")
    fair_threshold: float = Field(description="“较好”的下限")
    poor_years_before_advice: int = Field(description="连续几年“差”建议辞职或罢免")
    is_active: bool
    items: list[ItemOut]


class SchemeIn(Schema):
    congress_id: int
    name: str = Field(..., max_length=100)
    effective_year: int
    items: list[ItemIn] | None = Field(None, description="省略时使用默认的 100 分制项目")
    max_total: float = 100
    good_threshold: float | None = Field(None, description="省略时取本级人大配置 score_good_threshold")
    fair_threshold: float | None = Field(None, description="省略时取本级人大配置 score_fair_threshold")
    poor_years_before_advice: int | None = None


class SchemePatch(Schema):
    name: str | None = Field(None, max_length=100)
    items: list[ItemIn] | None = Field(None, description="给出时整体替换积分项目")
    max_total: float | None = None
    good_threshold: float | None = None
    fair_threshold: float | None = None
    poor_years_before_advice: int | None = None
    is_active: bool | None = None


def _scheme_out(scheme: ScoringScheme) -> dict[str, Any]:
    return {
        "id": scheme.pk,
        "congress_id": scheme.congress_id,
        "name": scheme.name,
        "effective_year": scheme.effective_year,
        "max_total": float(scheme.max_total),
        "good_threshold": float(scheme.good_threshold),
        "fair_threshold": float(scheme.fair_threshold),
        "poor_years_before_advice": scheme.poor_years_before_advice,
        "is_active": scheme.is_active,
        "items": [
            {
                "kind": item.kind,
                "label": str(EntryKind(item.kind).label),
                "points": float(item.points),
                "cap": None if item.cap is None else float(item.cap),
            }
            for item in scheme.items.order_by("pk")
        ],
    }


def _items(items: list[ItemIn] | None) -> list[tuple[str, Any, Any]] | None:
    return None if items is None else [(item.kind, item.points, item.cap) for item in items]


@router.get("/deputies/scoring-schemes", response=list[SchemeOut], summary="履职积分办法（本级工作人员和领导）")
def list_schemes(request: HttpRequest, congress_id: int) -> list[dict[str, Any]]:
    congress = _congress(_user(request), congress_id)
    return [_scheme_out(item) for item in ScoringScheme.objects.filter(congress=congress).order_by("-effective_year")]


@router.post("/deputies/scoring-schemes", response={201: SchemeOut}, summary="制定履职积分办法（本级工作人员）")
def create_scheme(request: HttpRequest, payload: SchemeIn) -> Status[dict[str, Any]]:
    actor = _user(request)
    congress = _congress(actor, payload.congress_id)
    scheme = actions.scheme_create(
        actor=actor,
        congress=congress,
        name=payload.name,
        effective_year=payload.effective_year,
        items=_items(payload.items),
        max_total=payload.max_total,
        good_threshold=payload.good_threshold,
        fair_threshold=payload.fair_threshold,
        poor_years_before_advice=payload.poor_years_before_advice,
    )
    return Status(201, _scheme_out(scheme))


@router.get("/deputies/scoring-schemes/{int:scheme_id}", response=SchemeOut, summary="一项积分办法")
def get_scheme(request: HttpRequest, scheme_id: int) -> dict[str, Any]:
    return _scheme_out(permissions.get_scheme_for_view(_user(request), scheme_id))


@router.patch("/deputies/scoring-schemes/{int:scheme_id}", response=SchemeOut, summary="修改积分办法（本级工作人员）")
def update_scheme(request: HttpRequest, scheme_id: int, payload: SchemePatch) -> dict[str, Any]:
    actor = _user(request)
    scheme = permissions.get_scheme_for_view(actor, scheme_id)
    scheme = actions.scheme_update(
        actor=actor,
        scheme=scheme,
        name=payload.name,
        items=_items(payload.items),
        max_total=payload.max_total,
        good_threshold=payload.good_threshold,
        fair_threshold=payload.fair_threshold,
        poor_years_before_advice=payload.poor_years_before_advice,
        is_active=payload.is_active,
    )
    return _scheme_out(scheme)


# --- computing and reading scores ---


class ComputeIn(Schema):
    congress_id: int
    year: int
    quarter: int = Field(..., description="1–4；积分计算 1 月 1 日至该季度末已核实的履职记录")


class ComputeOut(Schema):
    scheme_id: int
    year: int
    quarter: int
    deputies: int
    entries: int
    removed: int
    by_grade: dict[str, int]


@router.post("/deputies/scores/compute", response=ComputeOut, summary="计算履职积分（本级工作人员）")
def compute_scores(request: HttpRequest, payload: ComputeIn) -> dict[str, Any]:
    actor = _user(request)
    congress = _congress(actor, payload.congress_id)
    result = actions.scores_compute(actor=actor, congress=congress, year=payload.year, quarter=payload.quarter)
    return result.summary()


class BreakdownLine(Schema):
    kind: str
    label: str
    count: int
    points: float
    raw: float = Field(description="次数 × 每次分值")
    cap: float | None
    score: float = Field(description="计入总分的得分（按上限封顶）")


class ScoreOut(Schema):
    id: int
    profile_id: int
    name: str
    delegation: str
    year: int
    quarter: int
    total: float
    grade: str
    grade_label: str
    rank: int | None = Field(None, description="在本期全部代表中的名次（并列同名次）")


class ScoreDetailOut(ScoreOut):
    scheme_id: int
    scheme_name: str
    good_threshold: float
    fair_threshold: float
    max_total: float
    period_start: dt.date
    period_end: dt.date
    computed_at: dt.datetime
    breakdown: list[BreakdownLine]


class ScoreListOut(Schema):
    count: int
    items: list[ScoreOut]


class ScoreQuery(Schema):
    congress_id: int
    year: int
    quarter: int = Field(4, ge=1, le=4)
    grade: str = Field("", max_length=10)
    delegation_id: int | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


def _score_out(score: DeputyScore, delegation: str, rank: int | None = None) -> dict[str, Any]:
    return {
        "id": score.pk,
        "profile_id": score.profile_id,
        "name": score.profile.name,
        "delegation": delegation,
        "year": score.year,
        "quarter": score.quarter,
        "total": float(score.total),
        "grade": score.grade,
        "grade_label": str(Grade(score.grade).label),
        "rank": rank,
    }


def _detail_out(score: DeputyScore) -> dict[str, Any]:
    congress = score.scheme.congress
    delegation = scoring.delegations_of(congress, [score.profile_id]).get(score.profile_id, "")
    higher = DeputyScore.objects.filter(
        scheme=score.scheme, year=score.year, quarter=score.quarter, total__gt=score.total
    ).count()
    return {
        **_score_out(score, delegation, higher + 1),
        "scheme_id": score.scheme_id,
        "scheme_name": score.scheme.name,
        "good_threshold": float(score.scheme.good_threshold),
        "fair_threshold": float(score.scheme.fair_threshold),
        "max_total": float(score.scheme.max_total),
        "period_start": dt.date(score.year, 1, 1),
        "period_end": scoring.quarter_end(score.year, score.quarter),
        "computed_at": score.computed_at,
        "breakdown": score.breakdown,
    }


def _filtered(congress: Congress, query: ScoreQuery) -> tuple[Any, list[float]]:
    items = scoring.score_rows(congress, query.year, query.quarter)
    totals = sorted(float(value) for value in items.values_list("total", flat=True))
    if query.grade in Grade.values:
        items = items.filter(grade=query.grade)
    if query.delegation_id:
        items = items.filter(
            profile_id__in=DeputyTerm.objects.filter(congress=congress, delegation_id=query.delegation_id).values(
                "profile_id"
            )
        )
    return items, totals


def _rank(totals: list[float], total: float) -> int:
    """Competition ranking (1, 2, 2, 4) over every score of the period, whatever the filter."""
    return len(totals) - bisect.bisect_right(totals, total) + 1


@router.get(
    "/deputies/scores",
    response=ScoreListOut,
    summary="履职积分公示名单（本级工作人员和领导）",
    description="按总分从高到低；名次在本期全部代表中计算（并列同名次），可按等次和代表团筛选。",
)
def list_scores(request: HttpRequest, query: Query[ScoreQuery]) -> dict[str, Any]:
    congress = _congress(_user(request), query.congress_id)
    items, totals = _filtered(congress, query)
    page = list(items[query.offset : query.offset + query.limit])
    names = scoring.delegations_of(congress, [score.profile_id for score in page])
    return {
        "count": items.count(),
        "items": [
            _score_out(score, names.get(score.profile_id, ""), _rank(totals, float(score.total))) for score in page
        ],
    }


@router.get(
    "/deputies/scores.xlsx",
    summary="导出履职积分公示名单（Excel；本级工作人员和领导）",
    openapi_extra={
        "responses": {
            "200": {"description": "Excel 文件", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}
        }
    },
)
def export_scores(request: HttpRequest, query: Query[ScoreQuery]) -> FileResponse:
    from openpyxl import Workbook

    congress = _congress(_user(request), query.congress_id)
    items, totals = _filtered(congress, query)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("履职积分")
    sheet.append(["名次", "姓名", "代表团", "总分", "等次"])
    rows = list(items)
    names = scoring.delegations_of(congress, [score.profile_id for score in rows])
    for score in rows:
        sheet.append(
            [
                _rank(totals, float(score.total)),
                score.profile.name,
                names.get(score.profile_id, ""),
                float(score.total),
                str(Grade(score.grade).label),
            ]
        )
    handle: IO[bytes] = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"scores-{query.year}Q{query.quarter}.xlsx", content_type=XLSX
    )


@router.get("/deputies/scores/mine", response=list[ScoreDetailOut], summary="我的履职积分及明细（代表本人）")
def my_scores(request: HttpRequest) -> list[dict[str, Any]]:
    own = permissions.own_profile(_user(request))
    if own is None:
        raise NotPermitted("只有代表本人可以查看自己的履职积分")
    scores = DeputyScore.objects.filter(profile=own).select_related("scheme__congress", "profile")
    return [_detail_out(score) for score in scores.order_by("-year", "-quarter")]


@router.get(
    "/deputies/scores/{int:score_id}",
    response=ScoreDetailOut,
    summary="一项履职积分及逐项说明",
    description="本级工作人员和领导，或代表本人；明细中各项得分之和（限定在 0 至满分之间）即总分。",
)
def get_score(request: HttpRequest, score_id: int) -> dict[str, Any]:
    return _detail_out(permissions.get_score_for_view(_user(request), score_id))


# --- consequences ---


class ConsequenceOut(Schema):
    id: int
    profile_id: int
    name: str
    year: int
    kind: str
    kind_label: str
    reason: str
    done_at: dt.datetime | None
    note: str


def _consequence_out(item: ScoreConsequence) -> dict[str, Any]:
    return {
        "id": item.pk,
        "profile_id": item.profile_id,
        "name": item.profile.name,
        "year": item.year,
        "kind": item.kind,
        "kind_label": str(ScoreConsequence.Kind(item.kind).label),
        "reason": item.reason,
        "done_at": item.done_at,
        "note": item.note,
    }


class ConsequenceQuery(Schema):
    congress_id: int
    year: int
    kind: str = Field("", max_length=20, description="talk / advise_resign / commend；空为全部")


@router.get(
    "/deputies/score-consequences",
    response=list[ConsequenceOut],
    summary="履职积分结果运用名单（约谈、建议辞职或罢免、表彰；本级工作人员和领导）",
)
def list_consequences(request: HttpRequest, query: Query[ConsequenceQuery]) -> list[dict[str, Any]]:
    congress = _congress(_user(request), query.congress_id)
    rows = ScoreConsequence.objects.filter(congress=congress, year=query.year).select_related("profile")
    if query.kind:
        rows = rows.filter(kind=query.kind)
    return [_consequence_out(item) for item in rows.order_by("kind", "profile__name", "pk")]


class DeriveIn(Schema):
    congress_id: int
    year: int


class DeriveOut(Schema):
    year: int
    created: int
    removed: int
    by_kind: dict[str, int]


@router.post(
    "/deputies/score-consequences/derive",
    response=DeriveOut,
    summary="按年度积分生成结果运用名单（本级工作人员）",
    description="依据截至第四季度的积分：“差”→约谈；连续多年“差”→建议辞职或罢免；“好”→表彰。可重复调用。",
)
def derive_consequences(request: HttpRequest, payload: DeriveIn) -> dict[str, Any]:
    actor = _user(request)
    congress = _congress(actor, payload.congress_id)
    return actions.consequences_derive(actor=actor, congress=congress, year=payload.year)


class DoneIn(Schema):
    note: str = Field(..., max_length=500, description="办理情况，如约谈时间和结果")


@router.post(
    "/deputies/score-consequences/{int:consequence_id}/done",
    response=ConsequenceOut,
    summary="记录结果运用已办理（本级工作人员）",
)
def consequence_done(request: HttpRequest, consequence_id: int, payload: DoneIn) -> dict[str, Any]:
    actor = _user(request)
    consequence = permissions.get_consequence_for_manage(actor, consequence_id)
    return _consequence_out(actions.consequence_done(actor=actor, consequence=consequence, note=payload.note))


# --- figures ---


class FigureOut(Schema):
    key: str
    label: str
    value: float | None = Field(description="数值；比率为百分比（保留一位小数），分母为 0 时为 null")
    unit: str
    definition: str = Field(description="口径")
    rows: str = Field(description="明细的 rows 参数，见 /deputies/figures/rows")
    numerator: int | None
    denominator: int | None


class GroupRowOut(Schema):
    group_id: int
    name: str
    kind: str
    activities: int
    person_times: int


class FiguresOut(Schema):
    congress_id: int
    year: int
    deputies_in_office: int
    figures: list[FigureOut]
    groups: list[GroupRowOut]


@router.get(
    "/deputies/figures",
    response=FiguresOut,
    summary="代表工作数据（工作报告用；本级工作人员和领导）",
    description="培训人次与覆盖率、列席常委会人次、常委会组成人员联系代表、代表联系群众、联络站接待群众、小组活动。",
)
def get_figures(request: HttpRequest, congress_id: int, year: int) -> dict[str, Any]:
    congress = _congress(_user(request), congress_id)
    return figures.compute(congress, year).as_json()


class FigureRowsOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    count: int


class FigureRowsQuery(Schema):
    congress_id: int
    year: int
    rows: str = Field("training", max_length=30, description="明细类型：" + "、".join(figures.ROW_SETS))
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


@router.get("/deputies/figures/rows", response=FigureRowsOut, summary="代表工作数据的明细")
def get_figure_rows(request: HttpRequest, query: Query[FigureRowsQuery]) -> dict[str, Any]:
    congress = _congress(_user(request), query.congress_id)
    if query.rows not in figures.ROW_SETS:
        raise InvalidInput("明细类型无效", code="invalid_rows", field="rows")
    result = figures.rows_for(congress, query.year, query.rows, offset=query.offset, limit=query.limit)
    return {
        "key": result.key,
        "title": result.title,
        "columns": result.columns,
        "rows": [[cell.isoformat() if isinstance(cell, dt.date) else cell for cell in row] for row in result.rows],
        "count": result.count,
    }
