"""The score engine and the score actions: points × count with caps, verified only, deductions, clamping, bands,
the quarter cut-off, the explanation, the consequences, the nightly job, and who may do what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from renda.accounts.models import User
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.deputies import jobs, scoring
from renda.deputies.actions import scoring as actions
from renda.deputies.models import (
    DeputyScore,
    DeputyTerm,
    DutyEntry,
    ScoreConsequence,
    ScoringItem,
    ScoringScheme,
)
from renda.deputies.tests._scores_world import ScoreWorld, sw

__all__ = ["sw"]

pytestmark = pytest.mark.django_db

D = dt.date


def _score(sw: ScoreWorld, profile: object, year: int = 2026, quarter: int = 4) -> DeputyScore:
    return DeputyScore.objects.get(profile=profile, year=year, quarter=quarter)


def _line(score: DeputyScore, kind: str) -> dict[str, object]:
    return next(line for line in score.breakdown if line["kind"] == kind)


def test_default_scheme_items_and_bands_from_congress_settings(sw: ScoreWorld) -> None:
    sw.city.settings = {"score_good_threshold": 85, "score_fair_threshold": 65}
    sw.city.save(update_fields=["settings"])
    scheme = sw.scheme()
    items = {item.kind: (item.points, item.cap) for item in scheme.items.all()}
    assert items["attend_session"] == (Decimal(10), Decimal(10))
    assert items["suggestion"] == (Decimal(4), Decimal(12))
    assert items["absent"] == (Decimal(-5), None)
    assert items["suggestion_cosigned"] == (Decimal(1), Decimal(3))
    assert len(items) == len(scoring.DEFAULT_ITEMS)
    assert (scheme.good_threshold, scheme.fair_threshold, scheme.poor_years_before_advice) == (85, 65, 2)
    event = AuditEvent.objects.get(action="deputies.scheme_created")
    assert event.target_id == str(scheme.pk)


def test_points_times_count_with_caps_only_verified(sw: ScoreWorld) -> None:
    sw.scheme()
    sw.entry(sw.alice, "suggestion", D(2026, 3, 1), count=5)  # 5 × 4 = 20, capped at 12
    sw.entry(sw.alice, "suggestion", D(2026, 3, 2), status="pending", count=3)
    sw.entry(sw.alice, "suggestion", D(2026, 3, 3), status="rejected", count=2)
    sw.entry(sw.alice, "attend_session", D(2026, 1, 10))  # 10
    sw.entry(sw.alice, "contact_citizens", D(2026, 5, 1), count=3)  # 3 × 1 = 3
    result = actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=4)
    assert result.deputies == 3
    score = _score(sw, sw.alice)
    assert score.total == Decimal("25.0")
    assert _line(score, "suggestion") == {
        "kind": "suggestion",
        "label": "提出建议",
        "count": 5,
        "points": 4.0,
        "raw": 20.0,
        "cap": 12.0,
        "score": 12.0,
    }
    assert _line(score, "attend_session")["score"] == 10.0
    assert _line(score, "contact_citizens")["score"] == 3.0
    assert score.grade == "poor"
    assert _score(sw, sw.bob).total == 0  # nobody else's entries leak in


def test_negative_items_and_clamping(sw: ScoreWorld) -> None:
    sw.scheme(
        items=[("training", 2, 8), ("absent", -5, None), ("attend_sc", 4, None)], good_threshold=30, fair_threshold=10
    )
    sw.entry(sw.alice, "training", D(2026, 2, 1))  # +2
    sw.entry(sw.alice, "absent", D(2026, 2, 2), count=3)  # -15 → total -13, clamped to 0
    sw.entry(sw.bob, "attend_sc", D(2026, 2, 1), count=40)  # 160, no cap → clamped to 100
    sw.entry(sw.carol, "attend_sc", D(2026, 2, 1), count=5)  # 20
    sw.entry(sw.carol, "absent", D(2026, 2, 1))  # -5 → 15
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=4)
    alice, bob, carol = _score(sw, sw.alice), _score(sw, sw.bob), _score(sw, sw.carol)
    assert alice.total == 0 and _line(alice, "absent")["score"] == -15.0
    assert bob.total == 100 and bob.grade == "good"
    assert carol.total == 15 and carol.grade == "fair"
    assert alice.grade == "poor"


def test_cap_on_a_deduction_bounds_it(sw: ScoreWorld) -> None:
    sw.scheme(items=[("attend_sc", 10, None), ("absent", -5, 6)])
    sw.entry(sw.alice, "attend_sc", D(2026, 2, 1), count=5)
    sw.entry(sw.alice, "absent", D(2026, 2, 1), count=4)  # -20, bounded to -6
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=4)
    score = _score(sw, sw.alice)
    assert _line(score, "absent") == {
        "kind": "absent",
        "label": "缺席会议",
        "count": 4,
        "points": -5.0,
        "raw": -20.0,
        "cap": 6.0,
        "score": -6.0,
    }
    assert score.total == 44


def test_a_deduction_counted_zero_times_shows_zero_not_minus_zero() -> None:
    items = [
        ScoringItem(kind="absent", points=Decimal(-5), cap=None),
        ScoringItem(kind="training", points=Decimal(2), cap=Decimal(8)),
    ]
    total, lines = scoring.explain(items, {"training": 1}, Decimal(100))
    absent = next(line for line in lines if line["kind"] == "absent")
    assert total == 2
    assert str(absent["raw"]) == "0.0" and str(absent["score"]) == "0.0"


def test_bands_come_from_the_scheme(sw: ScoreWorld) -> None:
    sw.scheme(items=[("attend_sc", 10, None)], good_threshold=50, fair_threshold=20)
    sw.entry(sw.alice, "attend_sc", D(2026, 2, 1), count=5)  # 50 = good (the lower bound is included)
    sw.entry(sw.bob, "attend_sc", D(2026, 2, 1), count=2)  # 20 = fair
    sw.entry(sw.carol, "attend_sc", D(2026, 2, 1), count=1)  # 10 = poor
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=4)
    assert [_score(sw, p).grade for p in (sw.alice, sw.bob, sw.carol)] == ["good", "fair", "poor"]


def test_explanation_lists_every_item_and_sums_to_the_total(sw: ScoreWorld) -> None:
    scheme = sw.scheme()
    for kind, count in [("suggestion", 2), ("motion", 3), ("inspection", 9), ("absent", 1), ("training", 1)]:
        sw.entry(sw.alice, kind, D(2026, 4, 5), count=count)
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=4)
    score = _score(sw, sw.alice)
    assert [line["kind"] for line in score.breakdown] == [item.kind for item in scheme.items.order_by("pk")]
    assert Decimal(str(sum(line["score"] for line in score.breakdown))) == score.total
    assert score.total == Decimal(8 + 12 + 15 - 5 + 2)


def test_quarter_cut_off(sw: ScoreWorld) -> None:
    sw.scheme(items=[("attend_sc", 1, None)])
    sw.entry(sw.alice, "attend_sc", D(2025, 12, 31))  # last year: never counted in 2026
    sw.entry(sw.alice, "attend_sc", D(2026, 1, 1))
    sw.entry(sw.alice, "attend_sc", D(2026, 3, 31))
    sw.entry(sw.alice, "attend_sc", D(2026, 4, 1))
    sw.entry(sw.alice, "attend_sc", D(2026, 12, 31))
    for quarter in (1, 2, 3, 4):
        actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=quarter)
    totals = [_score(sw, sw.alice, 2026, quarter).total for quarter in (1, 2, 3, 4)]
    assert totals == [2, 3, 3, 4]
    assert scoring.quarter_end(2026, 2) == D(2026, 6, 30)


def test_only_deputies_in_office_that_year_and_stable_ids(sw: ScoreWorld) -> None:
    sw.scheme()
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=1)
    first = _score(sw, sw.alice, 2026, 1).pk
    carol_term = DeputyTerm.objects.get(profile=sw.carol)
    carol_term.ends_on = D(2025, 6, 30)
    carol_term.save(update_fields=["ends_on"])
    sw.entry(sw.alice, "motion", D(2026, 2, 1))
    result = actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=1)
    assert result.deputies == 2 and result.removed == 1
    again = _score(sw, sw.alice, 2026, 1)
    assert again.pk == first and again.total == 6  # the same row, updated: links to it still work
    assert not DeputyScore.objects.filter(profile=sw.carol).exists()
    # A deputy whose term started after the year is not scored for it.
    DeputyTerm.objects.filter(profile=sw.bob).update(starts_on=D(2027, 1, 1))
    assert actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=1).deputies == 1


def test_compute_writes_one_audit_event_with_counts(sw: ScoreWorld) -> None:
    sw.scheme()
    sw.entry(sw.alice, "motion", D(2026, 2, 1), count=2)
    before = AuditEvent.objects.count()
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=1)
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(action="deputies.scores_computed")
    assert event.summary["deputies"] == 3 and event.summary["entries"] == 2
    assert event.summary["by_grade"] == {"good": 0, "fair": 0, "poor": 3}


def test_compute_refusals(sw: ScoreWorld) -> None:
    with pytest.raises(InvalidInput) as no_scheme:
        actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=1)
    assert no_scheme.value.field == "year"
    sw.scheme(effective_year=2026)
    with pytest.raises(InvalidInput):
        actions.scores_compute(actor=sw.staff, congress=sw.city, year=2025, quarter=4)  # before the scheme
    with pytest.raises(InvalidInput) as bad_quarter:
        actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=5)
    assert bad_quarter.value.field == "quarter"
    for outsider in (sw.leader, sw.alice_user, sw.other_staff):
        with pytest.raises(NotPermitted):
            actions.scores_compute(actor=outsider, congress=sw.city, year=2026, quarter=1)
    assert not DeputyScore.objects.exists()
    assert not AuditEvent.objects.filter(action="deputies.scores_computed").exists()


def test_scheme_validation(sw: ScoreWorld) -> None:
    cases = [
        ({"items": [("nonsense", 1, None)]}, "items"),
        ({"items": [("motion", 1, None), ("motion", 2, None)]}, "items"),
        ({"items": [("motion", 0, None)]}, "items"),
        ({"items": [("motion", "abc", None)]}, "items"),
        ({"items": [("motion", 1, -3)]}, "items"),
        ({"items": []}, "items"),
        ({"good_threshold": 50, "fair_threshold": 60}, "good_threshold"),
        ({"good_threshold": 120}, "good_threshold"),
        ({"effective_year": 1900}, "effective_year"),
        ({"name": " "}, "name"),
        ({"poor_years_before_advice": 9}, "poor_years_before_advice"),
    ]
    for options, field in cases:
        with pytest.raises(InvalidInput) as error:
            sw.scheme(**options)
        assert error.value.field == field, options
    assert not ScoringScheme.objects.exists()
    sw.scheme()
    with pytest.raises(InvalidInput) as duplicate:
        sw.scheme()
    assert duplicate.value.field == "effective_year"
    with pytest.raises(NotPermitted):
        actions.scheme_create(actor=sw.leader, congress=sw.city, name="x", effective_year=2027)


def test_scheme_update_replaces_items_and_bands(sw: ScoreWorld) -> None:
    scheme = sw.scheme()
    actions.scheme_update(
        actor=sw.staff, scheme=scheme, items=[("motion", "7.5", "15")], good_threshold=70, fair_threshold=50
    )
    scheme.refresh_from_db()
    assert [(i.kind, i.points, i.cap) for i in scheme.items.all()] == [("motion", Decimal("7.5"), Decimal(15))]
    assert (scheme.good_threshold, scheme.fair_threshold) == (70, 50)
    with pytest.raises(InvalidInput):
        actions.scheme_update(actor=sw.staff, scheme=scheme, fair_threshold=80)
    with pytest.raises(NotPermitted):
        actions.scheme_update(actor=sw.other_staff, scheme=scheme, name="改名")
    scheme.refresh_from_db()
    assert scheme.fair_threshold == 50 and scheme.items.count() == 1


def _year_end(sw: ScoreWorld, year: int) -> None:
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=year, quarter=4)


def test_consequences_from_year_end_grades(sw: ScoreWorld) -> None:
    sw.scheme(items=[("attend_sc", 10, None)])
    # 2025: Alice poor, Bob good, Carol poor; 2026: Alice poor again (→ advice), Bob good, Carol fair.
    sw.entry(sw.bob, "attend_sc", D(2025, 5, 1), count=9)
    sw.entry(sw.bob, "attend_sc", D(2026, 5, 1), count=8)
    sw.entry(sw.carol, "attend_sc", D(2026, 5, 1), count=7)
    _year_end(sw, 2025)
    _year_end(sw, 2026)
    summary = actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2026)
    rows = {(row.profile_id, row.kind) for row in ScoreConsequence.objects.filter(year=2026)}
    assert rows == {(sw.alice.pk, "talk"), (sw.alice.pk, "advise_resign"), (sw.bob.pk, "commend")}
    assert summary["created"] == 3
    advice = ScoreConsequence.objects.get(kind="advise_resign")
    assert "连续 2 年" in advice.reason
    # Idempotent: nothing new the second time.
    again = actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2026)
    assert again["created"] == 0 and ScoreConsequence.objects.filter(year=2026).count() == 3
    # 2025 alone: both poor deputies are talked to, nobody is advised (no 2024 score).
    actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2025)
    assert set(ScoreConsequence.objects.filter(year=2025).values_list("kind", flat=True)) == {"talk", "commend"}
    assert ScoreConsequence.objects.filter(year=2025, kind="talk").count() == 2


def test_consequences_follow_a_recomputation_but_keep_done_rows(sw: ScoreWorld) -> None:
    sw.scheme(items=[("attend_sc", 10, None)])
    _year_end(sw, 2026)
    actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2026)
    talk_alice = ScoreConsequence.objects.get(profile=sw.alice, kind="talk")
    actions.consequence_done(actor=sw.staff, consequence=talk_alice, note="已于 3 月 2 日约谈")
    # Late verified entries lift Alice and Bob out of "poor".
    sw.entry(sw.alice, "attend_sc", D(2026, 11, 1), count=9)
    sw.entry(sw.bob, "attend_sc", D(2026, 11, 1), count=9)
    _year_end(sw, 2026)
    summary = actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2026)
    assert summary["removed"] == 1  # Bob's pending talk; Alice's done talk stays
    kinds = set(ScoreConsequence.objects.filter(year=2026).values_list("profile__name", "kind"))
    assert kinds == {("张丽", "talk"), ("张丽", "commend"), ("李强", "commend"), ("王芳", "talk")}


def test_consequence_refusals_and_done(sw: ScoreWorld) -> None:
    sw.scheme(items=[("attend_sc", 10, None)])
    with pytest.raises(InvalidTransition):
        actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2026)
    _year_end(sw, 2026)
    with pytest.raises(NotPermitted):
        actions.consequences_derive(actor=sw.leader, congress=sw.city, year=2026)
    actions.consequences_derive(actor=sw.staff, congress=sw.city, year=2026)
    talk = ScoreConsequence.objects.filter(kind="talk").first()
    assert talk is not None
    with pytest.raises(InvalidInput) as empty:
        actions.consequence_done(actor=sw.staff, consequence=talk, note=" ")
    assert empty.value.field == "note"
    with pytest.raises(NotPermitted):
        actions.consequence_done(actor=sw.other_staff, consequence=talk, note="越权")
    done = actions.consequence_done(actor=sw.staff, consequence=talk, note="已约谈")
    assert done.done_at is not None and done.note == "已约谈"
    with pytest.raises(InvalidTransition):
        actions.consequence_done(actor=sw.staff, consequence=talk, note="再次")
    assert AuditEvent.objects.filter(action="deputies.consequence_done").count() == 1


def test_nightly_job_runs_once_a_day(sw: ScoreWorld) -> None:
    sw.scheme(effective_year=2026)
    now = timezone.make_aware(dt.datetime(2026, 5, 20, 2, 0))
    assert jobs.recompute_current_scores(now) == 1  # Q2; mid-quarter, so not the previous one
    assert DeputyScore.objects.filter(year=2026, quarter=2).count() == 3
    assert jobs.recompute_current_scores(now + dt.timedelta(minutes=5)) == 0
    assert jobs.recompute_current_scores(now + dt.timedelta(days=1)) == 1
    # Early in a quarter the previous one is recomputed too (entries verified late).
    early = timezone.make_aware(dt.datetime(2026, 7, 3, 2, 0))
    assert jobs.recompute_current_scores(early) == 2
    assert DeputyScore.objects.filter(year=2026, quarter=3).count() == 3
    event = AuditEvent.objects.filter(action="deputies.scores_computed").last()
    assert event is not None and event.actor_id is None and event.acting_role == "system"


def test_demo_step_fires_the_two_poor_years_rule(sw: ScoreWorld) -> None:
    from renda.deputies.demo import scores as demo
    from renda.organizations.models import RoleAssignment

    clerk = User.objects.create(username="clerk", full_name="书记员")
    RoleAssignment.objects.create(
        user=clerk, congress=sw.city, role="committee_staff", unit=sw.staff.active_assignment.unit
    )
    demo.build(city=sw.city, seed=2026)
    assert DeputyScore.objects.filter(year=2026).count() == 12  # 3 deputies × Q1–Q4
    assert DeputyScore.objects.filter(year=2025, quarter=4).count() == 3

    def poor(year: int) -> set[int]:
        return set(DeputyScore.objects.filter(year=year, quarter=4, grade="poor").values_list("profile_id", flat=True))

    advised = set(ScoreConsequence.objects.filter(year=2026, kind="advise_resign").values_list("profile_id", flat=True))
    assert advised == poor(2025) & poor(2026)
    if poor(2026):  # the demo keeps some of the 2026 "poor" deputies poor in 2025 too
        assert advised
    assert ScoreConsequence.objects.filter(year=2025, done_at__isnull=False).count() == (1 if poor(2025) else 0)
    assert DutyEntry.objects.filter(date__year=2025, status="verified").count() > 0
