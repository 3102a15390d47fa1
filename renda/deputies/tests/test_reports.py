"""Reports to electors (述职): schedule → hold (duty entry) → rating with one-time codes → close → verdict."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions as ballot_actions
from renda.ballots.models import Ballot, BallotSheet, VoterCode
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent
from renda.deputies import reports
from renda.deputies.actions import reports as report_actions
from renda.deputies.models import (
    DeputyProfile,
    DeputyTerm,
    DutyEntry,
    ElectorReport,
    ElectorReportStatus,
    EntryKind,
)
from renda.organizations.models import Congress
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _wired() -> Iterator[None]:
    reports.connect()
    cache.clear()
    yield
    cache.clear()


def acting(user: User) -> User:
    user.active_assignment = user.role_assignments.order_by("pk").first()
    return user


@pytest.fixture
def staff(make_person: Callable[..., User]) -> User:
    return acting(make_person(Role.COMMITTEE_STAFF))


@pytest.fixture
def make_deputy(make_person: Callable[..., User], city: Congress) -> Callable[..., DeputyProfile]:
    counter = iter(range(1, 1000))

    def make(*, name: str = "", term_number: int = 17, congress: Congress | None = None) -> DeputyProfile:
        number = next(counter)
        user = make_person(Role.DEPUTY, congress=congress or city)
        profile = DeputyProfile.objects.create(
            user=user,
            name=name or f"代表{number}",
            gender="female",
            birth_date=dt.date(1980, 1, 1),
            party="cpc",
            occupation="worker",
        )
        DeputyTerm.objects.create(
            profile=profile,
            congress=congress or city,
            term_number=term_number,
            starts_on=dt.date(2022, 1, 1),
            electoral_unit=f"第{number}选区",
        )
        return profile

    return make


def _held(staff: User, profile: DeputyProfile, *, audience: int = 60) -> ElectorReport:
    report = report_actions.report_schedule(actor=staff, profile=profile, date=timezone.localdate(), place="街道会议室")
    return report_actions.report_hold(
        actor=staff, report=report, audience_count=audience, report_text="一年来的履职情况……", questions="问：……答：……"
    )


def _vote(ballot: Ballot, code: str, level: int) -> None:
    question = ballot.questions.get()
    option = question.options.order_by("order")[level]
    ballot_actions.code_vote_cast(code=code, choices={question.pk: [option.pk]})


def test_the_whole_path(
    staff: User, make_deputy: Callable[..., DeputyProfile], django_capture_on_commit_callbacks: Any
) -> None:
    profile = make_deputy(name="王芳")
    report = report_actions.report_schedule(actor=staff, profile=profile, date=timezone.localdate(), place="街道会议室")
    assert report.status == ElectorReportStatus.SCHEDULED
    assert report.electoral_unit == "第1选区"  # from the term
    assert report.term is not None and report.term.term_number == 17

    report = report_actions.report_hold(
        actor=staff, report=report, audience_count=60, report_text="述职报告全文", questions="问答"
    )
    assert report.status == ElectorReportStatus.HELD
    entry = DutyEntry.objects.get(profile=profile, kind=EntryKind.REPORT_TO_ELECTORS)
    assert entry.linked_id == str(report.pk)
    assert entry.date == report.scheduled_on

    opening = report_actions.rating_open(actor=staff, report=report, voters=60)
    assert len(opening.codes) == 60
    ballot = opening.ballot
    assert ballot.purpose == "deputies.elector_report"
    assert ballot.code_voters == 60 and ballot.mode == "secret" and ballot.rule == "satisfaction"
    for code in opening.codes[:40]:
        _vote(ballot, code, 0)  # 满意
    for code in opening.codes[40:50]:
        _vote(ballot, code, 1)  # 基本满意
    _vote(ballot, opening.codes[50], 2)  # 不满意

    with django_capture_on_commit_callbacks(execute=True):
        ballot_actions.ballot_close(actor=staff, ballot=ballot, early=True)
    report.refresh_from_db()
    assert report.status == ElectorReportStatus.RATED
    assert report.verdict == "满意"  # 40 of 60 is more than half
    assert AuditEvent.objects.filter(action="deputies.report_rated").count() == 1
    for action in ("report_scheduled", "report_held", "report_rating_opened"):
        assert AuditEvent.objects.filter(action=f"deputies.{action}").count() == 1


def test_no_quorum_is_recorded_as_no_valid_result(
    staff: User, make_deputy: Callable[..., DeputyProfile], django_capture_on_commit_callbacks: Any
) -> None:
    report = _held(staff, make_deputy())
    opening = report_actions.rating_open(actor=staff, report=report, voters=50)
    for code in opening.codes[:25]:  # 25 of 50 is not more than half
        _vote(opening.ballot, code, 0)
    with django_capture_on_commit_callbacks(execute=True):
        closed = ballot_actions.ballot_close(actor=staff, ballot=opening.ballot, early=True)
    assert closed.valid is False
    report.refresh_from_db()
    assert report.status == ElectorReportStatus.RATED
    assert report.verdict == ""


def test_wrong_reused_and_late_codes_record_nothing(staff: User, make_deputy: Callable[..., DeputyProfile]) -> None:
    report = _held(staff, make_deputy())
    now = timezone.now()
    opening = report_actions.rating_open(actor=staff, report=report, voters=50, hours=1, now=now)
    _vote(opening.ballot, opening.codes[0], 0)
    with pytest.raises(InvalidTransition) as reused:
        _vote(opening.ballot, opening.codes[0], 2)
    assert reused.value.code == "code_used"
    with pytest.raises(InvalidInput) as wrong:
        _vote(opening.ballot, "ABCD-EFGH", 0)
    assert wrong.value.code == "invalid_code"
    question = opening.ballot.questions.get()
    with pytest.raises(InvalidTransition) as late:
        ballot_actions.code_vote_cast(
            code=opening.codes[1],
            choices={question.pk: [question.options.first().pk]},  # type: ignore[union-attr]
            now=now + dt.timedelta(hours=2),
        )
    assert late.value.code == "outside_window"
    assert BallotSheet.objects.filter(ballot=opening.ballot).count() == 1
    assert VoterCode.objects.filter(ballot=opening.ballot, used=True).count() == 1


def test_state_and_input_rules(staff: User, make_deputy: Callable[..., DeputyProfile], city: Congress) -> None:
    profile = make_deputy()
    future = report_actions.report_schedule(
        actor=staff, profile=profile, date=timezone.localdate() + dt.timedelta(days=10), place="社区"
    )
    with pytest.raises(InvalidTransition) as not_yet:
        report_actions.report_hold(actor=staff, report=future, audience_count=55, report_text="x")
    assert not_yet.value.code == "not_yet"
    with pytest.raises(InvalidTransition):
        report_actions.rating_open(actor=staff, report=future, voters=50)
    with pytest.raises(InvalidInput) as no_place:
        report_actions.report_schedule(actor=staff, profile=profile, date=timezone.localdate(), place=" ")
    assert no_place.value.field == "place"
    other = make_deputy(congress=Congress.objects.create(name="别的市人大", code="elsewhere", level=city.level))
    with pytest.raises(InvalidInput) as wrong_congress:
        report_actions.report_schedule(actor=staff, profile=other, date=timezone.localdate(), place="社区")
    assert wrong_congress.value.field == "profile"

    held = _held(staff, profile, audience=55)
    with pytest.raises(InvalidInput) as too_many:
        report_actions.rating_open(actor=staff, report=held, voters=56)
    assert too_many.value.field == "voters"
    report_actions.rating_open(actor=staff, report=held, voters=55)
    with pytest.raises(InvalidTransition):
        report_actions.rating_open(actor=staff, report=held, voters=55)
    assert Ballot.objects.filter(purpose="deputies.elector_report").count() == 1

    cancelled = report_actions.report_cancel(actor=staff, report=future, reason="代表出差")
    assert cancelled.status == ElectorReportStatus.CANCELLED
    with pytest.raises(InvalidTransition):
        report_actions.report_cancel(actor=staff, report=held)


def test_only_staff_of_the_congress_act(
    staff: User, make_deputy: Callable[..., DeputyProfile], make_person: Callable[..., User]
) -> None:
    profile = make_deputy()
    leader = acting(make_person(Role.LEADER))
    deputy = acting(profile.user)
    for actor in (leader, deputy):
        with pytest.raises(NotPermitted):
            report_actions.report_schedule(actor=actor, profile=profile, date=timezone.localdate(), place="社区")
    report = report_actions.report_schedule(actor=staff, profile=profile, date=timezone.localdate(), place="社区")
    for actor in (leader, deputy):
        with pytest.raises(NotPermitted):
            report_actions.report_hold(actor=actor, report=report, audience_count=60, report_text="x")
        with pytest.raises(NotPermitted):
            report_actions.report_cancel(actor=actor, report=report)
    held = report_actions.report_hold(actor=staff, report=report, audience_count=60, report_text="x")
    with pytest.raises(NotPermitted):
        report_actions.rating_open(actor=leader, report=held, voters=60)
    assert not Ballot.objects.exists()
    assert ElectorReport.objects.count() == 1


def test_deputies_without_report_this_term(
    staff: User, make_deputy: Callable[..., DeputyProfile], city: Congress
) -> None:
    reported = make_deputy(name="甲")
    scheduled_only = make_deputy(name="乙")
    never = make_deputy(name="丙")
    make_deputy(name="上届", term_number=16)
    _held(staff, reported)
    report_actions.report_schedule(actor=staff, profile=scheduled_only, date=timezone.localdate(), place="社区")
    assert reports.current_term_number(city) == 17
    missing = list(reports.deputies_without_report(city, 17))
    assert missing == [scheduled_only, never] or set(missing) == {scheduled_only, never}
    assert reported not in missing


# --- pages ---


def test_pages_walk_the_path(
    staff: User,
    make_deputy: Callable[..., DeputyProfile],
    client_for: Callable[[User], Client],
    make_person: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    profile = make_deputy(name="李强")
    client = client_for(staff)
    assert client.get("/deputies/reports/new/").status_code == 200
    created = client.post(
        "/deputies/reports/new/",
        {"profile": profile.pk, "date": timezone.localdate().isoformat(), "place": "社区礼堂"},
    )
    assert created.status_code == 302
    report = ElectorReport.objects.get()
    bad_hold = client.post(f"/deputies/reports/{report.pk}/hold/", {"audience_count": "", "report_text": ""})
    assert bad_hold.status_code == 400
    held = client.post(
        f"/deputies/reports/{report.pk}/hold/", {"audience_count": "52", "report_text": "述职", "questions": ""}
    )
    assert held.status_code == 302
    opened = client.post(f"/deputies/reports/{report.pk}/rating/", {"voters": "52", "hours": "2"})
    assert opened.status_code == 200
    assert opened.text.count('data-testid="voter-code"') == 52
    codes = re.findall(r'name="code" value="([A-Z0-9]+)"', opened.text)
    assert len(codes) == 52
    detail = client.get(f"/deputies/reports/{report.pk}/")
    assert detail.status_code == 200
    assert not any(code in detail.text for code in codes)  # shown once only
    assert 'data-testid="rating-counts"' in detail.text

    voter = Client()
    report.refresh_from_db()
    assert report.ballot is not None
    question = report.ballot.questions.get()
    satisfied = question.options.order_by("order").first()
    assert satisfied is not None
    for code in codes[:30]:
        response = voter.post("/ballots/vote/", {"code": code, f"q{question.pk}": str(satisfied.pk)})
        assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(f"/ballots/{report.ballot.pk}/close/", {"early": "1"})
    assert closed.status_code == 302
    detail = client.get(f"/deputies/reports/{report.pk}/")
    assert 'data-testid="report-verdict"' in detail.text
    assert "测评结果：满意" in detail.text

    # The deputy sees their own report; the list filters; another deputy does not see it.
    own = client_for(acting(profile.user))
    assert own.get(f"/deputies/reports/{report.pk}/").status_code == 200
    assert own.get("/deputies/reports/").status_code == 200
    other = client_for(make_deputy().user)
    assert other.get(f"/deputies/reports/{report.pk}/").status_code == 404
    assert other.post(f"/deputies/reports/{report.pk}/cancel/").status_code in (403, 404)
    listed = client.get("/deputies/reports/", {"status": "rated"})
    assert "李强" in listed.text
    missing = client.get("/deputies/reports/", {"show": "missing"})
    assert 'data-testid="missing-table"' in missing.text
    citizen = client_for(make_person(Role.CITIZEN))
    assert citizen.get("/deputies/reports/").status_code == 403


# --- API ---


def test_api_walks_the_path(
    staff: User,
    make_deputy: Callable[..., DeputyProfile],
    client_for: Callable[[User], Client],
    make_person: Callable[..., User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    profile = make_deputy()
    client = client_for(staff)
    created = client.post(
        "/api/v1/deputies/reports",
        {"profile_id": profile.pk, "date": timezone.localdate().isoformat(), "place": "社区"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    report_id = created.json()["id"]
    held = client.post(
        f"/api/v1/deputies/reports/{report_id}/hold",
        {"audience_count": 50, "report_text": "述职"},
        content_type="application/json",
    )
    assert held.status_code == 200
    assert held.json()["status"] == "held"
    opened = client.post(
        f"/api/v1/deputies/reports/{report_id}/rating", {"voters": 50}, content_type="application/json"
    )
    assert opened.status_code == 201
    codes = opened.json()["voter_codes"]
    ballot_id = opened.json()["ballot_id"]
    public = Client()
    question = public.get("/api/v1/voter-codes/ballot", {"code": codes[0]}).json()["questions"][0]
    for code in codes[:20]:
        body = {
            "code": code,
            "choices": [{"question_id": question["id"], "option_ids": [question["options"][1]["id"]]}],
        }
        assert public.post("/api/v1/voter-codes/vote", body, content_type="application/json").status_code == 201
    for code in codes[20:30]:
        body = {
            "code": code,
            "choices": [{"question_id": question["id"], "option_ids": [question["options"][2]["id"]]}],
        }
        assert public.post("/api/v1/voter-codes/vote", body, content_type="application/json").status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(f"/api/v1/ballots/{ballot_id}/close", {"early": True}, content_type="application/json")
    assert closed.status_code == 200
    report = client.get(f"/api/v1/deputies/reports/{report_id}").json()
    # 0 满意, 20 基本满意 of 50: not more than half either way.
    assert report["status"] == "rated"
    assert report["verdict"] == "不满意"
    assert report["rating"]["cast"] == 30
    missing = client.get("/api/v1/deputies/reports/missing").json()
    assert missing["term"] == 17
    assert profile.pk not in {row["id"] for row in missing["deputies"]}
    assert client_for(acting(profile.user)).get(f"/api/v1/deputies/reports/{report_id}").status_code == 200
    leader = client_for(make_person(Role.LEADER))
    assert leader.get("/api/v1/deputies/reports").status_code == 200
    refused = leader.post(f"/api/v1/deputies/reports/{report_id}/cancel", {}, content_type="application/json")
    assert refused.status_code == 403
