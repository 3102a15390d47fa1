"""Similar items for the review queue: near-duplicates score high, unrelated ones are left out."""

from __future__ import annotations

from renda.conftest import login_client
from renda.suggestions import actions
from renda.suggestions.similarity import similar_to
from renda.suggestions.tests.conftest import SuggestionWorld, drive

LIFT_BODY = (
    "我市老旧小区多为多层住宅，没有电梯，老年居民上下楼困难。建议加快老旧小区加装电梯，简化审批流程，给予财政补贴。"
)


def test_near_duplicate_scores_high_and_unrelated_is_excluded(sw: SuggestionWorld) -> None:
    earlier = drive(sw, "registered", title="关于老旧小区加装电梯的建议", body=LIFT_BODY)
    related = drive(
        sw,
        "submitted",
        title="关于加快既有住宅加装电梯的建议",
        body="既有多层住宅加装电梯进展缓慢，审批流程复杂，建议简化审批并加大财政补贴力度。",
    )
    unrelated = drive(
        sw,
        "registered",
        title="关于增设公交线路的建议",
        body="城东新区居民出行不便，建议增设通往火车站的公交线路，并延长末班车时间。",
    )
    draft = drive(sw, "draft", title="关于老旧小区加装电梯的建议", body=LIFT_BODY)
    new = drive(sw, "submitted", title="关于老旧小区加装电梯的建议", body=LIFT_BODY.replace("给予财政补贴", "加大补贴"))

    result = similar_to(new)
    items = [item for item, _score in result]
    scores = dict((item.pk, score) for item, score in result)
    assert items[0] == earlier
    assert scores[earlier.pk] >= 0.8
    assert related in items and scores[related.pk] < scores[earlier.pk]
    assert unrelated not in items
    assert draft not in items and new not in items
    assert all(0.2 <= score <= 1.0 for _item, score in result)
    assert similar_to(new, limit=1) == result[:1]


def test_identical_item_scores_one(sw: SuggestionWorld) -> None:
    earlier = drive(sw, "registered", body=LIFT_BODY)
    new = drive(sw, "submitted", body=LIFT_BODY)
    ((item, score),) = similar_to(new)
    assert item == earlier and score >= 0.99


def test_only_comparable_items_of_the_same_congress(sw: SuggestionWorld) -> None:
    withdrawn = drive(sw, "submitted", body=LIFT_BODY)
    actions.suggestion_withdraw(actor=sw.deputy, suggestion=withdrawn, reason="重复")
    new = drive(sw, "submitted", body=LIFT_BODY)
    assert similar_to(new) == []
    unrelated = drive(sw, "submitted", title="关于增设公交线路的建议", body="建议增设公交线路。")
    assert [item for item, _ in similar_to(unrelated)] == []


def test_api_similar_is_for_the_congress_staff_only(sw: SuggestionWorld) -> None:
    earlier = drive(sw, "registered", body=LIFT_BODY)
    new = drive(sw, "submitted", body=LIFT_BODY)
    url = f"/api/v1/suggestions/{new.pk}/similar"
    response = login_client(sw.staff).get(url)
    assert response.status_code == 200
    (hit,) = response.json()
    assert hit["id"] == earlier.pk and hit["score"] >= 0.99
    assert login_client(sw.leader).get(url).status_code == 403  # reads it, does not manage it
    assert login_client(sw.deputy).get(url).status_code == 403
    assert login_client(sw.other_staff).get(url).status_code == 404
    assert login_client(sw.lead_officer).get(url).status_code == 404
