"""Scores (履职积分): the scheme, the computation and what the rule makes of a year's grades (domain.md §2.2).

Staff of a congress write its schemes, compute the scores (the nightly job does the
same as the system) and derive the consequences of the year-end grades; a talk
(约谈) is then marked done with a note. Each action checks permission, then input,
then changes, then writes one audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from renda.core.audit import audit_record
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.deputies import permissions, scoring
from renda.deputies.models import DeputyScore, EntryKind, Grade, ScoreConsequence, ScoringItem, ScoringScheme

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress

NAME_MAX = 100
NOTE_MAX = 500
POINTS_LIMIT = Decimal(100)
YEAR_MIN, YEAR_MAX = 2000, 2100

ItemSpec = tuple[str, Any, Any]


def _require_staff(actor: User | None, congress: Congress) -> None:
    if not permissions.can_manage_scores(actor, congress):
        raise NotPermitted("只有本级人大的代表工作机构可以管理履职积分")


def _decimal(value: Any, *, field: str, label: str) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{label}必须是数字", code="invalid_number", field=field) from None
    if not number.is_finite():
        raise InvalidInput(f"{label}必须是数字", code="invalid_number", field=field)
    return number.quantize(Decimal("0.1"))


def _year(value: Any, *, field: str = "year", label: str = "年度") -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{label}无效", code="invalid_year", field=field) from None
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise InvalidInput(f"{label}应在 {YEAR_MIN} 至 {YEAR_MAX} 之间", code="invalid_year", field=field)
    return year


def _quarter(value: Any) -> int:
    try:
        quarter = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("季度无效", code="invalid_quarter", field="quarter") from None
    if quarter not in scoring.QUARTERS:
        raise InvalidInput("季度应为 1 至 4", code="invalid_quarter", field="quarter")
    return quarter


def _name(value: Any) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("办法名称不能为空", code="required", field="name")
    if len(text) > NAME_MAX:
        raise InvalidInput(f"办法名称不能超过 {NAME_MAX} 个字", code="too_long", field="name")
    return text


def clean_items(items: Iterable[ItemSpec]) -> list[tuple[str, Decimal, Decimal | None]]:
    """Check the items: a known kind once each, non-zero points, a positive cap or none."""
    cleaned: list[tuple[str, Decimal, Decimal | None]] = []
    seen: set[str] = set()
    for kind, points, cap in items:
        if kind not in EntryKind.values:
            raise InvalidInput(f"积分项目的履职类型“{str(kind)[:30]}”无效", code="invalid_kind", field="items")
        label = EntryKind(kind).label
        if kind in seen:
            raise InvalidInput(f"积分项目“{label}”重复", code="duplicate_kind", field="items")
        seen.add(kind)
        value = _decimal(points, field="items", label=f"“{label}”的每次分值")
        if value == 0 or abs(value) > POINTS_LIMIT:
            raise InvalidInput(
                f"“{label}”的每次分值应为非零且绝对值不超过 {POINTS_LIMIT}", code="invalid_points", field="items"
            )
        limit: Decimal | None = None
        if cap not in (None, ""):
            limit = _decimal(cap, field="items", label=f"“{label}”的年度上限")
            if limit <= 0:
                raise InvalidInput(
                    f"“{label}”的年度上限应大于 0，或留空表示不设上限", code="invalid_cap", field="items"
                )
        cleaned.append((str(kind), value, limit))
    if not cleaned:
        raise InvalidInput("积分办法至少要有一个积分项目", code="required", field="items")
    return cleaned


def _bands(max_total: Decimal, good: Decimal, fair: Decimal, poor_years: Any) -> int:
    if max_total <= 0:
        raise InvalidInput("满分应大于 0", code="invalid_max_total", field="max_total")
    if not Decimal(0) < fair < good <= max_total:
        raise InvalidInput(
            "等次分数线应满足 0 <“较好”的下限 <“好”的下限 ≤ 满分", code="invalid_bands", field="good_threshold"
        )
    try:
        years = int(poor_years)
    except (TypeError, ValueError):
        raise InvalidInput("连续“差”年数无效", code="invalid", field="poor_years_before_advice") from None
    if not 1 <= years <= 5:
        raise InvalidInput("连续“差”年数应为 1 至 5", code="invalid", field="poor_years_before_advice")
    return years


def _write_items(scheme: ScoringScheme, items: list[tuple[str, Decimal, Decimal | None]]) -> None:
    scheme.items.all().delete()
    ScoringItem.objects.bulk_create(
        ScoringItem(scheme=scheme, kind=kind, points=points, cap=cap) for kind, points, cap in items
    )


def _items_summary(items: list[tuple[str, Decimal, Decimal | None]]) -> list[list[Any]]:
    return [[kind, str(points), None if cap is None else str(cap)] for kind, points, cap in items]


@transaction.atomic
def scheme_create(
    *,
    actor: User,
    congress: Congress,
    name: str,
    effective_year: int,
    items: Sequence[ItemSpec] | None = None,
    max_total: Any = 100,
    good_threshold: Any = None,
    fair_threshold: Any = None,
    poor_years_before_advice: Any = None,
) -> ScoringScheme:
    """A new scheme, in force from ``effective_year``; items default to ``scoring.default_items()``,
    bands to the congress's settings (score_good_threshold, score_fair_threshold, score_poor_years_before_advice)."""
    _require_staff(actor, congress)
    clean_name = _name(name)
    year = _year(effective_year, field="effective_year", label="适用年度")
    cleaned = clean_items(scoring.default_items() if items is None else items)
    total = _decimal(max_total, field="max_total", label="满分")
    good = _decimal(
        congress.setting("score_good_threshold") if good_threshold in (None, "") else good_threshold,
        field="good_threshold",
        label="“好”的下限",
    )
    fair = _decimal(
        congress.setting("score_fair_threshold") if fair_threshold in (None, "") else fair_threshold,
        field="fair_threshold",
        label="“较好”的下限",
    )
    years = _bands(
        total,
        good,
        fair,
        congress.setting("score_poor_years_before_advice")
        if poor_years_before_advice in (None, "")
        else poor_years_before_advice,
    )
    if ScoringScheme.objects.filter(congress=congress, effective_year=year).exists():
        raise InvalidInput(f"{year} 年起适用的积分办法已经存在，请修改该办法", code="duplicate", field="effective_year")
    try:
        with transaction.atomic():
            scheme = ScoringScheme.objects.create(
                congress=congress,
                name=clean_name,
                effective_year=year,
                max_total=total,
                good_threshold=good,
                fair_threshold=fair,
                poor_years_before_advice=years,
                created_by=actor,
            )
    except IntegrityError:
        raise InvalidInput(
            f"{year} 年起适用的积分办法已经存在，请修改该办法", code="duplicate", field="effective_year"
        ) from None
    _write_items(scheme, cleaned)
    audit_record(
        actor=actor,
        action="deputies.scheme_created",
        target=scheme,
        congress=congress,
        summary={"effective_year": year, "items": _items_summary(cleaned), "bands": [str(good), str(fair)]},
    )
    return scheme


@transaction.atomic
def scheme_update(
    *,
    actor: User,
    scheme: ScoringScheme,
    name: str | None = None,
    items: Sequence[ItemSpec] | None = None,
    max_total: Any = None,
    good_threshold: Any = None,
    fair_threshold: Any = None,
    poor_years_before_advice: Any = None,
    is_active: bool | None = None,
) -> ScoringScheme:
    """Change a scheme; what is not given stays. Scores already computed change only when computed again."""
    _require_staff(actor, scheme.congress)
    scheme = ScoringScheme.objects.select_for_update().get(pk=scheme.pk)
    clean_name = scheme.name if name is None else _name(name)
    cleaned = None if items is None else clean_items(items)
    total = scheme.max_total if max_total in (None, "") else _decimal(max_total, field="max_total", label="满分")
    good = (
        scheme.good_threshold
        if good_threshold in (None, "")
        else _decimal(good_threshold, field="good_threshold", label="“好”的下限")
    )
    fair = (
        scheme.fair_threshold
        if fair_threshold in (None, "")
        else _decimal(fair_threshold, field="fair_threshold", label="“较好”的下限")
    )
    years = _bands(
        total,
        good,
        fair,
        scheme.poor_years_before_advice if poor_years_before_advice in (None, "") else poor_years_before_advice,
    )
    scheme.name = clean_name
    scheme.max_total = total
    scheme.good_threshold = good
    scheme.fair_threshold = fair
    scheme.poor_years_before_advice = years
    if is_active is not None:
        scheme.is_active = is_active
    scheme.save(
        update_fields=["name", "max_total", "good_threshold", "fair_threshold", "poor_years_before_advice", "is_active"]
    )
    if cleaned is not None:
        _write_items(scheme, cleaned)
    audit_record(
        actor=actor,
        action="deputies.scheme_updated",
        target=scheme,
        congress=scheme.congress,
        summary={
            "items": None if cleaned is None else _items_summary(cleaned),
            "bands": [str(good), str(fair)],
            "max_total": str(total),
            "is_active": scheme.is_active,
        },
    )
    return scheme


@transaction.atomic
def scores_compute(
    *, actor: User | None = None, congress: Congress, year: int, quarter: int, now: dt.datetime | None = None
) -> scoring.ComputeResult:
    """Compute every in-office deputy's score for ``year`` up to the end of ``quarter`` under the scheme in force.

    ``actor=None`` is the system (the nightly job); a person must be staff of the congress.
    """
    if actor is not None:
        _require_staff(actor, congress)
    year = _year(year)
    quarter = _quarter(quarter)
    scheme = scoring.scheme_for(congress, year)
    if scheme is None:
        raise InvalidInput(f"{year} 年没有适用的履职积分办法，请先制定办法", code="no_scheme", field="year")
    result = scoring.compute_scores(scheme, year, quarter, now=now)
    audit_record(
        actor=actor,
        action="deputies.scores_computed",
        target=scheme,
        congress=congress,
        acting_role="system" if actor is None else None,
        summary=result.summary(),
    )
    return result


def _year_end_grades(congress: Congress, years: Iterable[int]) -> dict[int, dict[int, DeputyScore]]:
    """{year: {profile id: the year-end (quarter 4) score}} under each year's scheme."""
    found: dict[int, dict[int, DeputyScore]] = {}
    for year in years:
        scheme = scoring.scheme_for(congress, year)
        rows = (
            DeputyScore.objects.filter(scheme=scheme, year=year, quarter=4).only(
                "pk", "profile_id", "total", "grade", "year"
            )
            if scheme is not None
            else DeputyScore.objects.none()
        )
        found[year] = {row.profile_id: row for row in rows}
    return found


@transaction.atomic
def consequences_derive(*, actor: User, congress: Congress, year: int) -> dict[str, Any]:
    """From the year-end grades: POOR → a talk (约谈); N consecutive POOR years → advice to resign or recall;
    GOOD → commendation. Idempotent: rows already there stay (a done one is never touched); rows no longer
    supported by the grades, and not yet done, are removed."""
    _require_staff(actor, congress)
    year = _year(year)
    scheme = scoring.scheme_for(congress, year)
    if scheme is None:
        raise InvalidInput(f"{year} 年没有适用的履职积分办法", code="no_scheme", field="year")
    if not DeputyScore.objects.filter(scheme=scheme, year=year, quarter=4).exists():
        raise InvalidTransition(f"{year} 年的年度积分（截至第四季度）尚未计算", code="not_computed", field="year")
    needed = scheme.poor_years_before_advice
    grades = _year_end_grades(congress, range(year - needed + 1, year + 1))
    wanted: dict[tuple[int, str], str] = {}
    for profile_id, score in grades[year].items():
        total = f"{score.total:.1f}"
        if score.grade == Grade.GOOD:
            wanted[(profile_id, ScoreConsequence.Kind.COMMEND)] = f"{year} 年度履职积分 {total} 分，等次“好”"
        elif score.grade == Grade.POOR:
            wanted[(profile_id, ScoreConsequence.Kind.TALK)] = f"{year} 年度履职积分 {total} 分，等次“差”"
            poor_years = [y for y in grades if grades[y].get(profile_id) and grades[y][profile_id].grade == Grade.POOR]
            if len(poor_years) >= needed:
                wanted[(profile_id, ScoreConsequence.Kind.ADVISE_RESIGN)] = (
                    f"连续 {needed} 年（{year - needed + 1}—{year}）履职积分等次为“差”"
                )
    existing = {
        (row.profile_id, row.kind): row for row in ScoreConsequence.objects.filter(congress=congress, year=year)
    }
    created = [
        ScoreConsequence(congress=congress, profile_id=profile_id, year=year, kind=kind, reason=reason)
        for (profile_id, kind), reason in sorted(wanted.items())
        if (profile_id, kind) not in existing
    ]
    ScoreConsequence.objects.bulk_create(created, batch_size=500)
    obsolete = [row.pk for key, row in existing.items() if key not in wanted and row.done_at is None]
    for start in range(0, len(obsolete), 500):
        ScoreConsequence.objects.filter(pk__in=obsolete[start : start + 500]).delete()
    counts = {kind: 0 for kind in ScoreConsequence.Kind.values}
    for _profile_id, kind in wanted:
        counts[kind] += 1
    summary = {"year": year, "created": len(created), "removed": len(obsolete), "by_kind": counts}
    audit_record(actor=actor, action="deputies.consequences_derived", target=scheme, congress=congress, summary=summary)
    return summary


@transaction.atomic
def consequence_done(*, actor: User, consequence: ScoreConsequence, note: str) -> ScoreConsequence:
    """Record that the talk took place (or the advice was sent, the commendation made), with what came of it."""
    _require_staff(actor, consequence.congress)
    consequence = ScoreConsequence.objects.select_for_update().get(pk=consequence.pk)
    if consequence.done_at is not None:
        raise InvalidTransition("该事项已记录为办理完毕", code="already_done", field="note")
    text = str(note or "").strip()
    if not text:
        raise InvalidInput("请填写办理情况", code="required", field="note")
    if len(text) > NOTE_MAX:
        raise InvalidInput(f"办理情况不能超过 {NOTE_MAX} 个字", code="too_long", field="note")
    consequence.done_at = timezone.now()
    consequence.note = text
    consequence.save(update_fields=["done_at", "note"])
    audit_record(
        actor=actor,
        action="deputies.consequence_done",
        target=consequence,
        congress=consequence.congress,
        summary={"kind": consequence.kind, "year": consequence.year, "profile_id": consequence.profile_id},
    )
    return consequence
