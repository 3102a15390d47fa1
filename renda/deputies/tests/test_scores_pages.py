"""The score pages and the score API: who sees what, the publication list, the explanation, the buttons."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from renda.accounts.models import User
from renda.conftest import login_client
from renda.deputies.actions import scoring as actions
from renda.deputies.models import DeputyScore, ScoreConsequence, ScoringScheme
from renda.deputies.tests._scores_world import ScoreWorld, sw

__all__ = ["sw"]

pytestmark = pytest.mark.django_db
D = dt.date


def _client(user: User) -> Client:
    return login_client(user, user.active_assignment)


@pytest.fixture
def computed(sw: ScoreWorld) -> ScoreWorld:
    sw.scheme(items=[("attend_sc", 10, None), ("suggestion", 4, 12)])
    sw.entry(sw.alice, "attend_sc", D(2026, 3, 1), count=7)  # 70 fair
    sw.entry(sw.alice, "suggestion", D(2026, 3, 1), count=4)  # 12 → 82 good
    sw.entry(sw.bob, "attend_sc", D(2026, 3, 1), count=7)  # 70 fair
    sw.entry(sw.carol, "attend_sc", D(2026, 3, 1), count=1)  # 10 poor
    actions.scores_compute(actor=sw.staff, congress=sw.city, year=2026, quarter=4)
    return sw


def _score(profile: Any) -> DeputyScore:
    return DeputyScore.objects.get(profile=profile, year=2026, quarter=4)


# --- pages ---


def test_publication_list_ranks_and_filters(computed: ScoreWorld) -> None:
    sw = computed
    for user in (sw.staff, sw.leader):
        response = _client(user).get(reverse("deputies:scores"), {"year": 2026, "quarter": 4})
        assert response.status_code == 200
        rows = [(rank, score.profile.name, delegation) for rank, score, delegation in response.context["rows"]]
        assert rows == [(1, "张丽", "东湖区代表团"), (2, "李强", "东湖区代表团"), (3, "王芳", "")]
    poor = _client(sw.leader).get(reverse("deputies:scores"), {"year": 2026, "quarter": 4, "grade": "poor"})
    assert [score.profile.name for _rank, score, _d in poor.context["rows"]] == ["王芳"]
    assert poor.context["rows"][0][0] == 3  # the rank stays the rank among all
    by_delegation = _client(sw.staff).get(
        reverse("deputies:scores"), {"year": 2026, "quarter": 4, "delegation": sw.delegation.pk}
    )
    assert {score.profile.name for _r, score, _d in by_delegation.context["rows"]} == {"张丽", "李强"}
    # Nonsense filters fall back to defaults rather than failing.
    assert _client(sw.staff).get(reverse("deputies:scores"), {"year": "x", "quarter": "9"}).status_code == 200


def test_publication_list_is_for_staff_and_leaders_only(computed: ScoreWorld) -> None:
    sw = computed
    assert _client(sw.alice_user).get(reverse("deputies:scores")).status_code == 403
    assert _client(sw.other_staff).get(reverse("deputies:scores")).context["rows"] == []


def test_export(computed: ScoreWorld) -> None:
    response = _client(computed.leader).get(reverse("deputies:scores_export"), {"year": 2026, "quarter": 4})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("名次", "姓名", "代表团", "总分", "等次")
    assert rows[1][:5] == (1, "张丽", "东湖区代表团", 82, "好")
    assert len(rows) == 4


def test_score_detail_explains_and_links_counts(computed: ScoreWorld) -> None:
    sw = computed
    score = _score(sw.alice)
    for user in (sw.alice_user, sw.staff, sw.leader):
        response = _client(user).get(reverse("deputies:score_detail", kwargs={"score_id": score.pk}))
        assert response.status_code == 200
        body = response.content.decode()
        assert "4 × 4.0 = 16.0" in body and "已封顶" in body
    # Another deputy's score does not exist for this deputy; nor for another city's staff.
    assert _client(sw.bob_user).get(reverse("deputies:score_detail", kwargs={"score_id": score.pk})).status_code == 404
    assert (
        _client(sw.other_staff).get(reverse("deputies:score_detail", kwargs={"score_id": score.pk})).status_code == 404
    )


def test_my_score(computed: ScoreWorld) -> None:
    sw = computed
    response = _client(sw.carol_user).get(reverse("deputies:my_score"))
    assert response.status_code == 200
    assert response.context["score"].profile_id == sw.carol.pk
    assert [item.profile_id for item in response.context["scores"]] == [sw.carol.pk]
    assert _client(sw.staff).get(reverse("deputies:my_score")).status_code == 404


def test_compute_button(sw: ScoreWorld) -> None:
    sw.scheme()
    url = reverse("deputies:compute")
    assert _client(sw.leader).post(url, {"year": 2026, "quarter": 2}).status_code == 403
    assert _client(sw.alice_user).post(url, {"year": 2026, "quarter": 2}).status_code == 403
    assert not DeputyScore.objects.exists()
    refused = _client(sw.staff).post(url, {"year": 2026, "quarter": 7})
    assert refused.status_code == 400 and "季度" in refused.content.decode()
    response = _client(sw.staff).post(url, {"year": 2026, "quarter": 2})
    assert response.status_code == 302 and "quarter=2" in response.url
    assert DeputyScore.objects.filter(year=2026, quarter=2).count() == 3


def test_scheme_page_create_and_edit(sw: ScoreWorld) -> None:
    url = reverse("deputies:scheme")
    staff = _client(sw.staff)
    assert staff.get(url).status_code == 200
    assert _client(sw.leader).post(url, {"op": "create", "name": "x", "effective_year": 2026}).status_code == 403
    response = staff.post(url, {"op": "create", "name": "江城市办法", "effective_year": 2026})
    assert response.status_code == 302
    scheme = ScoringScheme.objects.get()
    assert scheme.items.count() == 15
    page = staff.get(url, {"id": scheme.pk})
    assert page.status_code == 200 and "points_attend_sc" in page.content.decode()
    data = {
        "scheme_id": scheme.pk,
        "name": "江城市办法（修订）",
        "max_total": "100",
        "good_threshold": "75",
        "fair_threshold": "55",
        "poor_years_before_advice": "2",
        "is_active": "1",
        "points_motion": "8",
        "cap_motion": "16",
        "points_absent": "-3",
    }
    assert staff.post(url, data).status_code == 302
    scheme.refresh_from_db()
    assert scheme.name == "江城市办法（修订）" and scheme.good_threshold == 75
    assert sorted(scheme.items.values_list("kind", flat=True)) == ["absent", "motion"]
    bad = staff.post(url, {**data, "points_motion": "abc"})
    assert bad.status_code == 400 and "每次分值" in bad.content.decode()
    leader_page = _client(sw.leader).get(url)
    assert leader_page.status_code == 200 and "points_motion" not in leader_page.content.decode()


def test_consequence_pages(computed: ScoreWorld) -> None:
    sw = computed
    derive = reverse("deputies:consequences_derive")
    assert _client(sw.leader).post(derive, {"year": 2026}).status_code == 403
    assert _client(sw.staff).post(derive, {"year": 2026}).status_code == 302
    listing = _client(sw.leader).get(reverse("deputies:consequences"), {"year": 2026})
    assert listing.status_code == 200
    assert {(item.profile.name, item.kind) for item in listing.context["page"]} == {
        ("张丽", "commend"),
        ("王芳", "talk"),
    }
    talk = ScoreConsequence.objects.get(kind="talk")
    done = reverse("deputies:consequence_done", kwargs={"consequence_id": talk.pk})
    assert _client(sw.leader).post(done, {"note": "越权"}).status_code == 403
    assert _client(sw.carol_user).post(done, {"note": "越权"}).status_code == 404
    assert _client(sw.staff).post(done, {"note": ""}).status_code == 400
    assert _client(sw.staff).post(done, {"note": "已约谈，表示改进"}).status_code == 302
    talk.refresh_from_db()
    assert talk.note == "已约谈，表示改进" and talk.done_at is not None


# --- API ---


def test_api_scores(computed: ScoreWorld) -> None:
    sw = computed
    query = {"congress_id": sw.city.pk, "year": 2026, "quarter": 4}
    listing = _client(sw.leader).get("/api/v1/deputies/scores", query)
    assert listing.status_code == 200
    body = listing.json()
    assert body["count"] == 3
    assert [(row["name"], row["rank"], row["grade"]) for row in body["items"]] == [
        ("张丽", 1, "good"),
        ("李强", 2, "fair"),
        ("王芳", 3, "poor"),
    ]
    assert _client(sw.alice_user).get("/api/v1/deputies/scores", query).status_code == 403
    assert _client(sw.other_staff).get("/api/v1/deputies/scores", query).status_code == 403
    score = _score(sw.alice)
    detail = _client(sw.alice_user).get(f"/api/v1/deputies/scores/{score.pk}").json()
    assert detail["total"] == 82 and detail["rank"] == 1 and detail["period_end"] == "2026-12-31"
    assert sum(line["score"] for line in detail["breakdown"]) == detail["total"]
    assert _client(sw.bob_user).get(f"/api/v1/deputies/scores/{score.pk}").status_code == 404
    mine = _client(sw.bob_user).get("/api/v1/deputies/scores/mine").json()
    assert [row["profile_id"] for row in mine] == [sw.bob.pk]
    assert _client(sw.staff).get("/api/v1/deputies/scores/mine").status_code == 403
    export = _client(sw.staff).get("/api/v1/deputies/scores.xlsx", query)
    assert export.status_code == 200


def test_api_schemes_compute_and_consequences(sw: ScoreWorld) -> None:
    staff, leader = _client(sw.staff), _client(sw.leader)
    body = {"congress_id": sw.city.pk, "name": "办法", "effective_year": 2026}
    assert leader.post("/api/v1/deputies/scoring-schemes", body, content_type="application/json").status_code == 403
    bad = staff.post(
        "/api/v1/deputies/scoring-schemes",
        {**body, "items": [{"kind": "motion", "points": 0}]},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "items"
    created = staff.post("/api/v1/deputies/scoring-schemes", body, content_type="application/json")
    assert created.status_code == 201 and len(created.json()["items"]) == 15
    scheme_id = created.json()["id"]
    patched = staff.patch(
        f"/api/v1/deputies/scoring-schemes/{scheme_id}",
        {"items": [{"kind": "attend_sc", "points": 10, "cap": None}]},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["items"][0]["kind"] == "attend_sc"
    assert leader.get(f"/api/v1/deputies/scoring-schemes/{scheme_id}").status_code == 200
    assert _client(sw.alice_user).get(f"/api/v1/deputies/scoring-schemes/{scheme_id}").status_code == 404
    sw.entry(sw.alice, "attend_sc", D(2026, 2, 1), count=9)
    compute = {"congress_id": sw.city.pk, "year": 2026, "quarter": 4}
    assert leader.post("/api/v1/deputies/scores/compute", compute, content_type="application/json").status_code == 403
    result = staff.post("/api/v1/deputies/scores/compute", compute, content_type="application/json")
    assert result.status_code == 200 and result.json()["by_grade"] == {"good": 1, "fair": 0, "poor": 2}
    derive = {"congress_id": sw.city.pk, "year": 2026}
    assert staff.post("/api/v1/deputies/score-consequences/derive", derive, content_type="application/json").json()[
        "by_kind"
    ] == {"talk": 2, "advise_resign": 0, "commend": 1}
    rows = leader.get("/api/v1/deputies/score-consequences", {**derive, "kind": "talk"}).json()
    assert len(rows) == 2
    done = staff.post(
        f"/api/v1/deputies/score-consequences/{rows[0]['id']}/done", {"note": "已约谈"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["done_at"]
    again = staff.post(
        f"/api/v1/deputies/score-consequences/{rows[0]['id']}/done", {"note": "再次"}, content_type="application/json"
    )
    assert again.status_code == 409
