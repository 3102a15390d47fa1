"""The batch analysis pipeline gives what the one-by-one path (``on_opinion_received``) gives, and the command runs."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from renda.insight import clusters, routing
from renda.insight.api_hooks import on_opinion_received
from renda.insight.models import Cluster, ClusterBand, DictionaryTerm, KeywordRule, OpinionAnalysis
from renda.insight.pipeline import analyse_congress
from renda.opinions import search
from renda.opinions.models import Opinion, Source
from renda.organizations.models import Congress

PLACES = [f"{name}{suffix}" for name in ("幸福", "和平", "人民", "建设", "光明", "朝阳") for suffix in ("路", "街")]
ESTATES = [f"{name}小区" for name in ("阳光", "碧水", "锦绣", "春天")]
PROBLEMS: list[tuple[str, list[str]]] = [
    ("urban", ["路灯坏了，晚上很黑", "路灯不亮，出行不安全", "的路灯一直不亮"]),
    ("urban", ["申请加装电梯，老人上下楼困难", "电梯经常故障，困人"]),
    ("environment", ["夜间施工噪音扰民，无法休息", "广场舞声音太大，影响休息"]),
    ("traffic", ["乱停车严重，堵塞消防通道", "公交站太远，出行不便"]),
    ("urban", ["一下雨就积水，无法通行", "井盖破损，很危险"]),
    ("education", ["学校门口接送车辆拥堵", "学位紧张，入学难"]),
    ("health", ["社区医院挂号难，看病难", "家庭医生联系不上"]),
    ("social", ["养老金发放延迟", "老年食堂饭菜太贵"]),
]
FILLER = ["", "请尽快处理。", "已经反映多次。", "谢谢！", "盼复。"]


def synthetic(count: int, seed: int = 6) -> list[tuple[str, str, str, dt.datetime]]:
    """(text, address, category, received_at): incidents reported 1 to 20 times, over 120 days."""
    rng = random.Random(seed)
    start = timezone.make_aware(dt.datetime(2025, 3, 1, 8))
    rows: list[tuple[str, str, str, dt.datetime]] = []
    while len(rows) < count:
        if rng.random() < 0.6:
            where = f"{rng.choice(PLACES)}{rng.randint(1, 60)}号"
        else:
            where = f"{rng.choice(ESTATES)}{rng.randint(1, 12)}栋"
        category, phrasings = rng.choice(PROBLEMS)
        reports = 1 if rng.random() < 0.5 else rng.randint(2, 20)
        began = start + dt.timedelta(days=rng.uniform(0, 120))
        for _ in range(reports):
            text = f"{where}{rng.choice(['', '门口', '附近'])}{rng.choice(phrasings)}。{rng.choice(FILLER)}"
            moment = began + dt.timedelta(hours=rng.uniform(0, 24 * 15))
            rows.append((text, where if rng.random() < 0.3 else "", category, moment))
    return rows[:count]


def make_opinions(congress: Congress, count: int, area: Congress | None = None) -> list[Opinion]:
    """Opinions written directly (no intake hook): neither analysed, clustered nor indexed."""
    objects = [
        Opinion(
            congress=congress,
            source=Source.PORTAL,
            text=text,
            address=address,
            area=area,
            received_at=moment,
            # Staff's triage of about a third: the routing model learns from them.
            category=category if index % 3 == 0 else "",
            triaged_at=moment if index % 3 == 0 else None,
        )
        for index, (text, address, category, moment) in enumerate(synthetic(count))
    ]
    return Opinion.objects.bulk_create(objects, batch_size=500)


def snapshot(congress: Congress) -> dict[str, Any]:
    opinions = Opinion.objects.filter(congress=congress)
    ids = list(opinions.values_list("pk", flat=True))
    analyses = {
        row[0]: row[1:]
        for row in OpinionAnalysis.objects.filter(opinion__congress=congress).values_list(
            "opinion_id",
            "tokens",
            "suggested_category",
            "suggested_level",
            "suggested_unit_id",
            "confidence",
            "model_version",
        )
    }
    members: dict[int, set[int]] = {}
    for opinion_id, cluster_id in opinions.exclude(cluster=None).values_list("pk", "cluster_id"):
        members.setdefault(cluster_id, set()).add(opinion_id)
    clusters = {
        frozenset(members.get(cluster.pk, set())): (
            cluster.size,
            cluster.representative_id,
            cluster.first_received_at,
            cluster.last_received_at,
            cluster.area_id,
        )
        for cluster in Cluster.objects.filter(congress=congress)
    }
    return {
        "analyses": analyses,
        "clusters": clusters,
        "index": search.indexed_terms(ids),
        "bands": set(
            ClusterBand.objects.filter(opinion__congress=congress).values_list("key", "opinion_id", "received_at")
        ),
    }


def reset(congress: Congress) -> None:
    opinions = Opinion.objects.filter(congress=congress)
    search.unindex(list(opinions.values_list("pk", flat=True)))
    opinions.update(cluster=None)
    Cluster.objects.filter(congress=congress).delete()
    ClusterBand.objects.filter(opinion__congress=congress).delete()
    OpinionAnalysis.objects.filter(opinion__congress=congress).delete()


def one_by_one(congress: Congress) -> None:
    for opinion in Opinion.objects.filter(congress=congress).order_by("received_at", "pk"):
        on_opinion_received(opinion)


def assert_same(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    assert actual["analyses"] == expected["analyses"]
    assert actual["index"] == expected["index"]
    # Same membership, size, representative (the first opinion), time span and area; titles and
    # categories are fixed by the incremental path as a cluster grows, so they may differ.
    assert actual["clusters"] == expected["clusters"]
    # The batch stores the band keys of the last window only (older ones can no longer be candidates
    # of a new opinion); the one-by-one path keeps every opinion's until ``prune_bands``.
    since = max(row[2] for row in expected["bands"]) - dt.timedelta(days=clusters.WINDOW_DAYS)
    assert actual["bands"] == {row for row in expected["bands"] if row[2] >= since}


def seed_rules(congress: Congress) -> None:
    KeywordRule.objects.bulk_create(
        [
            KeywordRule(congress=congress, keyword=keyword, category=category, level=level, priority=priority)
            for keyword, category, level, priority in (
                ("路灯", "urban", "L1", 10),
                ("电梯", "urban", "L2", 10),
                ("噪音", "environment", "L2", 10),
                ("停车", "traffic", "L1", 10),
                ("学校", "education", "L2", 5),
            )
        ]
    )
    routing.forget_rules(congress.pk)


@pytest.mark.django_db
def test_pipeline_equals_one_by_one_on_2000_opinions(city: Congress, district: Congress) -> None:
    DictionaryTerm.objects.create(congress=city, word="锦绣小区")
    make_opinions(city, 2000, area=district)
    # A trained routing model (from the triaged third) suggests, as it would in production.
    run = routing.train(city)
    assert run.model.is_active or routing.active_model(city.pk) is None
    one_by_one(city)
    expected = snapshot(city)
    assert len(expected["analyses"]) == 2000
    assert len(expected["index"]) == 2000
    assert len(expected["clusters"]) > 20  # the data has repeated incidents
    reset(city)

    report = analyse_congress(city, chunk_size=700, workers=0)
    actual = snapshot(city)
    assert report.opinions == report.analysed == report.indexed == 2000
    assert report.clusters == len(expected["clusters"])
    assert_same(expected, actual)


@pytest.mark.django_db
def test_pipeline_with_a_worker_and_keyword_rules(city: Congress) -> None:
    seed_rules(city)
    make_opinions(city, 400)
    one_by_one(city)
    expected = snapshot(city)
    assert {row[1] for row in expected["analyses"].values()} >= {"urban", "environment"}
    reset(city)
    analyse_congress(city, chunk_size=150, workers=1)
    assert_same(expected, snapshot(city))


@pytest.mark.django_db
def test_pipeline_only_analyses_what_is_new_and_reclusters(city: Congress) -> None:
    seed_rules(city)
    opinions = make_opinions(city, 300)
    first = analyse_congress(city, workers=0)
    assert first.analysed == 300
    stored = OpinionAnalysis.objects.get(opinion=opinions[0])
    OpinionAnalysis.objects.filter(opinion=opinions[0]).update(suggested_category="other")
    OpinionAnalysis.objects.filter(opinion=opinions[1]).delete()
    clustered = snapshot(city)["clusters"]

    again = analyse_congress(city, workers=0)
    assert again.opinions == 300
    assert again.analysed == 1  # only the one without an analysis
    assert OpinionAnalysis.objects.get(opinion=opinions[0]).suggested_category == "other"  # kept
    assert OpinionAnalysis.objects.get(opinion=opinions[1]).tokens  # analysed again
    assert snapshot(city)["clusters"] == clustered
    assert len(search.indexed_terms([opinions[1].pk])) == 1

    everything = analyse_congress(city, workers=0, reanalyse=True)
    assert everything.analysed == 300
    assert OpinionAnalysis.objects.get(opinion=opinions[0]).suggested_category == stored.suggested_category
    assert len(search.indexed_terms([opinion.pk for opinion in opinions])) == 300


@pytest.mark.django_db
def test_pipeline_keeps_clusters_handled_as_one(city: Congress) -> None:
    make_opinions(city, 300)
    analyse_congress(city, workers=0)
    cluster = Cluster.objects.filter(congress=city).order_by("-size").first()
    assert cluster is not None
    Cluster.objects.filter(pk=cluster.pk).update(handled_as_one=True)
    members = set(Opinion.objects.filter(cluster=cluster).values_list("pk", flat=True))
    analyse_congress(city, workers=0, reanalyse=True)
    assert Cluster.objects.filter(pk=cluster.pk).exists()
    assert set(Opinion.objects.filter(cluster_id=cluster.pk).values_list("pk", flat=True)) == members


@pytest.mark.django_db
def test_command_runs(city: Congress, other_city: Congress) -> None:
    make_opinions(city, 120)
    out = StringIO()
    call_command("insight_analyse", "--congress", "city", "--workers", "0", stdout=out)
    text = out.getvalue()
    assert "待分析 120 条" in text
    assert "新分析 120 条" in text
    assert "total" in text
    assert OpinionAnalysis.objects.filter(opinion__congress=city).count() == 120
    assert not OpinionAnalysis.objects.filter(opinion__congress=other_city).exists()

    out = StringIO()
    call_command("insight_analyse", "--congress", str(city.pk), stdout=out)
    assert "新分析 0 条" in out.getvalue()


@pytest.mark.django_db
def test_command_refuses_an_unknown_congress(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有找到人大"):
        call_command("insight_analyse", "--congress", "nowhere", stdout=StringIO())
