"""The cycle's pages and API: the same actions, the same permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.ballots import actions as ballot_actions
from renda.livelihood.models import Cycle, CycleStatus, Project, ProjectStatus, Proposal
from renda.livelihood.tests.test_cycle import (
    CycleWorld,
    add_candidate,
    approved,
    deliberating,
    make_world,
    open_cycle,
    open_vote,
    options,
    screening,
)
from renda.organizations.models import Congress

pytestmark = pytest.mark.django_db


@pytest.fixture
def cw(city: Congress, other_city: Congress) -> CycleWorld:
    return make_world(city, other_city)


def detail(cycle: Cycle) -> str:
    return reverse("livelihood:cycle_detail", kwargs={"cycle_id": cycle.pk})


def test_staff_create_a_cycle_through_the_page(cw: CycleWorld, client_for: Callable[[User], Client]) -> None:
    client = client_for(cw.staff)
    assert client.get(reverse("livelihood:cycle_new")).status_code == 200
    today = timezone.localdate()
    short = client.post(
        reverse("livelihood:cycle_new"),
        {
            "year": 2030,
            "solicit_opens_on": today.isoformat(),
            "solicit_closes_on": (today + dt.timedelta(5)).isoformat(),
        },
    )
    assert short.status_code == 400
    assert "公开征集时间不得少于 30 天" in short.content.decode()
    response = client.post(
        reverse("livelihood:cycle_new"),
        {
            "year": 2030,
            "solicit_opens_on": today.isoformat(),
            "solicit_closes_on": (today + dt.timedelta(40)).isoformat(),
        },
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302 and response.url == detail(cycle)
    page = client.get(detail(cycle)).content.decode()
    assert "征集" in page and 'aria-current="step"' in page
    assert client_for(cw.deputies[0]).get(reverse("livelihood:cycle_new")).status_code == 403


def test_deputy_proposes_inside_and_cannot_screen(cw: CycleWorld, client_for: Callable[[User], Client]) -> None:
    cycle = open_cycle(cw, days_left=3)
    client = client_for(cw.deputies[0])
    url = reverse("livelihood:proposal_new", kwargs={"cycle_id": cycle.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "加装电梯", "content": "为老旧小区加装电梯。", "field": "elderly"})
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.source == "deputy" and proposal.proposer == cw.deputies[0]
    assert client.get(reverse("livelihood:candidate_new", kwargs={"cycle_id": cycle.pk})).status_code == 403
    assert client.get(reverse("livelihood:list_approve", kwargs={"cycle_id": cycle.pk})).status_code == 403
    # Another congress: the cycle does not exist for them.
    assert client_for(cw.other_deputy).get(detail(cycle)).status_code == 404
    assert client_for(cw.other_staff).get(detail(cycle)).status_code == 404


def test_office_screens_through_the_pages(cw: CycleWorld, client_for: Callable[[User], Client]) -> None:
    cycle = open_cycle(cw)
    proposal = Proposal.objects.create(cycle=cycle, source="public", title="社区食堂", content="建设社区食堂。")
    client = client_for(cw.office)
    assert client.post(reverse("livelihood:screening_start", kwargs={"cycle_id": cycle.pk})).status_code == 409
    cycle = screening(cw) if False else cycle
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.SCREENING)
    url = reverse("livelihood:candidate_new", kwargs={"cycle_id": cycle.pk})
    assert client.get(url + f"?proposal={proposal.pk}").status_code == 200
    data = {
        "name": "社区老年食堂",
        "content": "建设社区老年食堂 20 个。",
        "field": "elderly",
        "investment": "1200",
        "funding_source": "市级财政",
        "lead_unit": cw.lead_unit.pk,
        "completion_date": f"{cycle.year}-12-31",
        "sub_items": "东区食堂|东区|600\n西区食堂||600|市民政局",
        "proposals": [proposal.pk],
    }
    assert client.post(url, data).status_code == 302
    project = Project.objects.get()
    assert project.sub_items.count() == 2 and project.proposals.get() == proposal
    exclude = reverse("livelihood:candidate_exclude", kwargs={"project_id": project.pk})
    assert client.post(exclude, {"reason": ""}).status_code == 400
    assert client.post(exclude, {"reason": "财力不足"}).status_code == 302
    project.refresh_from_db()
    assert project.status == ProjectStatus.EXCLUDED
    page = client.get(detail(cycle)).content.decode()
    assert "财力不足" in page
    # The lead unit reads the cycle but cannot screen.
    lead = client_for(cw.lead_officer)
    assert lead.get(detail(cycle)).status_code == 200
    assert lead.get(url).status_code == 403


def test_approval_page_orders_the_list(cw: CycleWorld, client_for: Callable[[User], Client]) -> None:
    cycle = screening(cw, slots=2)
    projects = [add_candidate(cw, cycle, name) for name in ("甲", "乙")]
    client = client_for(cw.staff)
    url = reverse("livelihood:list_approve", kwargs={"cycle_id": cycle.pk})
    data = {"approved_on": timezone.localdate().isoformat(), "approval_ref": "市委1号"}
    refused = client.post(url, data)
    assert refused.status_code == 400 and "候选项目须多于票决项目数" in refused.content.decode()
    projects.append(add_candidate(cw, cycle, "丙"))
    response = client.post(url, {**data, "order": [projects[2].pk, projects[0].pk, projects[1].pk]})
    assert response.status_code == 302
    assert list(cycle.projects.order_by("list_order").values_list("name", flat=True)) == ["丙", "甲", "乙"]


def test_materials_vote_and_result_through_the_pages(
    cw: CycleWorld, client_for: Callable[[User], Client], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cycle = approved(cw)
    staff = client_for(cw.staff)
    materials = reverse("livelihood:materials", kwargs={"cycle_id": cycle.pk})
    bad = staff.post(materials, {"title": "说明", "upload": SimpleUploadedFile("a.txt", b"hello", "text/plain")})
    assert bad.status_code == 400
    ok = staff.post(
        materials, {"title": "说明", "upload": SimpleUploadedFile("a.pdf", b"%PDF-1.4 x", "application/pdf")}
    )
    assert ok.status_code == 302
    assert (
        client_for(cw.deputies[0]).post(reverse("livelihood:materials_send", kwargs={"cycle_id": cycle.pk})).status_code
        == 403
    )
    assert staff.post(reverse("livelihood:materials_send", kwargs={"cycle_id": cycle.pk})).status_code == 302
    deputy = client_for(cw.deputies[0])
    material = cycle.materials.get()
    assert deputy.get(reverse("livelihood:material_file", kwargs={"material_id": material.pk})).status_code == 200
    assert (
        client_for(cw.other_deputy)
        .get(reverse("livelihood:material_file", kwargs={"material_id": material.pk}))
        .status_code
        == 404
    )
    vote = reverse("livelihood:vote_open", kwargs={"cycle_id": cycle.pk})
    assert client_for(cw.lead_officer).get(vote).status_code == 403
    now = timezone.localtime()
    response = staff.post(
        vote,
        {
            "opens_at": (now - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    ballot = cycle.vote_ballot
    assert ballot is not None and response.url == reverse("ballots:detail", kwargs={"ballot_id": ballot.pk})
    page = deputy.get(detail(cycle)).content.decode()
    assert 'data-testid="vote-cta"' in page
    question, (one, two, _three) = options(ballot)
    for person in cw.deputies:
        ballot_actions.vote_cast(ballot=ballot, voter=person, choices={question: [one, two]})
    with django_capture_on_commit_callbacks(execute=True):
        closed = staff.post(reverse("ballots:close", kwargs={"ballot_id": ballot.pk}), {"early": "1"})
    assert closed.status_code in (200, 302)
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.DECIDED
    page = deputy.get(detail(cycle)).content.decode()
    assert 'data-testid="results"' in page and "已票决" in page


def test_api_runs_the_cycle(
    cw: CycleWorld, client_for: Callable[[User], Client], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    staff, office, deputy = client_for(cw.staff), client_for(cw.office), client_for(cw.deputies[0])
    today = timezone.localdate()
    created = staff.post(
        "/api/v1/livelihood/cycles",
        {
            "year": 2030,
            "solicit_opens_on": (today - dt.timedelta(40)).isoformat(),
            "solicit_closes_on": today.isoformat(),
            "slots": 1,
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    cycle_id = created.json()["id"]
    short = staff.post(
        "/api/v1/livelihood/cycles",
        {"year": 2031, "solicit_opens_on": today.isoformat(), "solicit_closes_on": today.isoformat()},
        content_type="application/json",
    )
    assert short.status_code == 400 and short.json()["field"] == "solicit_closes_on"
    base = f"/api/v1/livelihood/cycles/{cycle_id}"
    proposed = deputy.post(
        f"{base}/proposals", {"title": "加装电梯", "content": "为老旧小区加装电梯。"}, content_type="application/json"
    )
    assert proposed.status_code == 201
    assert office.get(f"{base}/proposals").json()[0]["proposer_name"] == "代表0"
    assert client_for(cw.deputies[1]).get(f"{base}/proposals").json() == []
    Cycle.objects.filter(pk=cycle_id).update(solicit_closes_on=today - dt.timedelta(1))
    assert office.post(f"{base}/screening").status_code == 200
    body = {
        "name": "加装电梯",
        "content": "老旧小区加装电梯。",
        "field": "elderly",
        "investment": "1000",
        "funding_source": "市级财政",
        "lead_unit_id": cw.lead_unit.pk,
        "completion_date": "2030-12-31",
        "proposal_ids": [proposed.json()["id"]],
    }
    assert deputy.post(f"{base}/candidates", body, content_type="application/json").status_code == 403
    first = office.post(f"{base}/candidates", body, content_type="application/json")
    assert first.status_code == 201, first.content
    assert first.json()["proposal_ids"] == [proposed.json()["id"]]
    approval = {"approved_on": today.isoformat(), "approval_ref": "市委1号"}
    refused = office.post(f"{base}/approval", approval, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] == "candidates"
    second = office.post(
        f"{base}/candidates", {**body, "name": "社区食堂", "proposal_ids": []}, content_type="application/json"
    )
    office.post(f"{base}/candidates", {**body, "name": "停车位", "proposal_ids": []}, content_type="application/json")
    excluded = office.post(
        f"/api/v1/livelihood/candidates/{second.json()['id']}/exclude",
        {"reason": "财力不足"},
        content_type="application/json",
    )
    assert excluded.json()["status"] == "excluded" and excluded.json()["exclusion_reason"] == "财力不足"
    assert (
        office.post(f"{base}/approval", approval, content_type="application/json").json()["status"] == "list_approved"
    )
    bad = staff.post(f"{base}/materials", {"title": "说明", "file": SimpleUploadedFile("a.exe", b"MZ")})
    assert bad.status_code == 400 and bad.json()["field"] == "file"
    upload = staff.post(f"{base}/materials", {"title": "说明", "file": SimpleUploadedFile("说明.pdf", b"%PDF-1.4 api")})
    assert upload.status_code == 201, upload.content
    assert deputy.get(f"/api/v1/livelihood/materials/{upload.json()['id']}/file").status_code == 200
    assert staff.post(f"{base}/materials/send").json()["status"] == "deliberation"
    now = timezone.now()
    window = {
        "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "closes_at": (now + dt.timedelta(hours=1)).isoformat(),
    }
    assert client_for(cw.lead_officer).post(f"{base}/vote", window, content_type="application/json").status_code == 403
    opened = staff.post(f"{base}/vote", window, content_type="application/json")
    assert opened.status_code == 201 and opened.json()["status"] == "voting"
    ballot_id = opened.json()["vote_ballot_id"]
    ballot = Cycle.objects.get(pk=cycle_id).vote_ballot
    question, (one, _two) = options(ballot)
    for person in cw.deputies:
        ballot_actions.vote_cast(ballot=ballot, voter=person, choices={question: [one]})
    with django_capture_on_commit_callbacks(execute=True):
        assert (
            staff.post(
                f"/api/v1/ballots/{ballot_id}/close", {"early": True}, content_type="application/json"
            ).status_code
            == 200
        )
    result = deputy.get(f"{base}/result").json()
    assert result["status"] == "decided"
    assert [(row["name"], row["votes"], row["rank"], row["status"]) for row in result["rows"]] == [
        ("加装电梯", 3, 1, "decided"),
        ("停车位", 0, 2, "not_selected"),
    ]
    assert client_for(cw.other_staff).get(base).status_code == 404


def test_revote_after_no_quorum_through_the_page(
    cw: CycleWorld, client_for: Callable[[User], Client], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    cycle = deliberating(cw)
    ballot = open_vote(cw, cycle)
    with django_capture_on_commit_callbacks(execute=True):
        ballot_actions.ballot_close(actor=cw.staff, ballot=ballot, early=True)
    staff = client_for(cw.staff)
    page = staff.get(detail(cycle)).content.decode()
    assert 'data-testid="vote-problem"' in page and "重新组织票决" in page
    assert staff.get(reverse("livelihood:vote_open", kwargs={"cycle_id": cycle.pk})).status_code == 200
