"""Near-duplicate clusters: same problem at the same place together, other problems apart, time window."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from renda.insight import clusters
from renda.insight.models import Cluster, ClusterBand
from renda.insight.tokens import tokenize
from renda.opinions.models import Opinion, Source
from renda.organizations.models import Congress

LAMP = [
    "幸福路12号门口的路灯坏了一个多月，晚上很黑，希望尽快修理",
    "幸福路12号路灯不亮好久了，晚上出行不安全",
    "幸福路12号附近路灯损坏，请相关部门维修",
    "幸福路12号门口路灯坏了，晚上黑漆漆的",
]
BIN = "幸福路12号门口垃圾桶满了没人清运，臭气熏天"
OTHER_STREET_LAMP = "和平街3号的路灯坏了一个多月，晚上很黑，希望尽快修理"
ELEVATOR = ["阳光小区5栋电梯经常故障，老人上下楼很困难", "阳光小区5号楼电梯总是坏，老年人出行不便"]
START = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)


def receive(congress: Congress, text: str, at: dt.datetime, *, area: Congress | None = None) -> Opinion:
    opinion = Opinion.objects.create(
        congress=congress, source=Source.PORTAL, text=text, received_at=at, area=area or congress
    )
    clusters.assign(opinion, tokenize(text, congress.pk))
    opinion.refresh_from_db()
    return opinion


def fresh(opinions: list[Opinion]) -> list[Opinion]:
    return [Opinion.objects.get(pk=opinion.pk) for opinion in opinions]


def hours(n: int) -> dt.datetime:
    return START + dt.timedelta(hours=n)


@pytest.mark.django_db
def test_same_problem_in_other_words_clusters_and_other_problems_stay_apart(city: Congress) -> None:
    lamps = [receive(city, text, hours(index)) for index, text in enumerate(LAMP)]
    rubbish = receive(city, BIN, hours(10))
    elsewhere = receive(city, OTHER_STREET_LAMP, hours(11))
    lifts = [receive(city, text, hours(20 + index)) for index, text in enumerate(ELEVATOR)]
    lamps, lifts = fresh(lamps), fresh(lifts)

    assert lamps[0].cluster_id is not None
    assert {lamp.cluster_id for lamp in lamps} == {lamps[0].cluster_id}
    assert rubbish.cluster_id is None
    assert elsewhere.cluster_id is None
    assert lifts[0].cluster_id is not None and lifts[0].cluster_id == lifts[1].cluster_id != lamps[0].cluster_id

    cluster = Cluster.objects.get(pk=lamps[0].cluster_id)
    assert cluster.size == 4
    assert cluster.representative_id == lamps[0].pk
    assert cluster.first_received_at == hours(0)
    assert cluster.last_received_at == hours(3)
    assert cluster.area_id == city.pk
    assert "路灯" in cluster.title
    assert Cluster.objects.count() == 2


@pytest.mark.django_db
def test_only_within_the_window_and_the_congress(city: Congress, other_city: Congress) -> None:
    first = receive(city, LAMP[0], START)
    late = receive(city, LAMP[1], START + dt.timedelta(days=clusters.WINDOW_DAYS + 1))
    first, late = fresh([first, late])
    assert first.cluster_id is None and late.cluster_id is None
    abroad = receive(other_city, LAMP[2], START + dt.timedelta(days=clusters.WINDOW_DAYS + 2))
    assert abroad.cluster_id is None
    within = receive(city, LAMP[2], START + dt.timedelta(days=clusters.WINDOW_DAYS + 3))
    assert within.cluster_id is not None
    assert set(Opinion.objects.filter(cluster_id=within.cluster_id).values_list("pk", flat=True)) == {
        late.pk,
        within.pk,
    }


@pytest.mark.django_db
def test_bands_stored_and_pruned(city: Congress) -> None:
    opinion = receive(city, LAMP[0], START)
    assert ClusterBand.objects.filter(opinion=opinion).count() == clusters.BANDS
    assert clusters.prune_bands(START + dt.timedelta(days=1)) == clusters.BANDS
    assert not ClusterBand.objects.exists()


@pytest.mark.django_db
def test_text_without_problem_words_is_not_clustered(city: Congress) -> None:
    text = "谢谢，请尽快解决处理！"
    assert receive(city, text, START).cluster_id is None
    assert receive(city, text, hours(1)).cluster_id is None
    assert not ClusterBand.objects.exists()


def _corpus(city: Congress, district: Congress) -> list[tuple[str, dt.datetime, Congress]]:
    texts = [*LAMP, BIN, OTHER_STREET_LAMP, *ELEVATOR, LAMP[0], BIN, "阳光小区门口乱停车严重，堵塞消防通道"]
    corpus = [(text, hours(index * 5), city) for index, text in enumerate(texts)]
    corpus += [(LAMP[1], hours(100), district), (LAMP[2], hours(101), district)]
    corpus.append((LAMP[3], START + dt.timedelta(days=clusters.WINDOW_DAYS + 5), city))
    return corpus


@pytest.mark.django_db
def test_incremental_and_batch_agree(city: Congress, district: Congress) -> None:
    corpus = _corpus(city, district)
    incremental = fresh([receive(congress, text, at) for text, at, congress in corpus])
    by_cluster: dict[int, set[int]] = {}
    for opinion in incremental:
        if opinion.cluster_id is not None:
            by_cluster.setdefault(opinion.cluster_id, set()).add(opinion.pk)
    expected = sorted(sorted(group) for group in by_cluster.values())
    assert len(expected) >= 3

    index = clusters.ClusterIndex()
    index.add(
        opinion_ids=[opinion.pk for opinion in incremental],
        congress_ids=[opinion.congress_id for opinion in incremental],
        received_at=[opinion.received_at for opinion in incremental],
        texts=[opinion.text for opinion in incremental],
        tokens=[tokenize(opinion.text, opinion.congress_id) for opinion in incremental],
        area_ids=[opinion.area_id for opinion in incremental],
    )
    batch = sorted(sorted(index.opinion_ids[i] for i in group) for group in index.groups())
    assert batch == expected

    report = index.save()
    assert report.clusters == len(expected)
    saved: dict[int, set[int]] = {}
    for pk, cluster_id in Opinion.objects.exclude(cluster=None).values_list("pk", "cluster_id"):
        saved.setdefault(cluster_id, set()).add(pk)
    assert sorted(sorted(group) for group in saved.values()) == expected
    assert sorted(Cluster.objects.values_list("size", flat=True)) == sorted(len(group) for group in expected)
    # Band rows of the last window only, so that assign still finds candidates afterwards.
    latest = max(at for _, at, _ in corpus)
    assert not ClusterBand.objects.filter(received_at__lt=latest - dt.timedelta(days=clusters.WINDOW_DAYS)).exists()
    follow_up = receive(city, LAMP[0], latest + dt.timedelta(hours=1))
    assert follow_up.cluster_id is not None


@pytest.mark.django_db
def test_batch_keeps_clusters_handled_as_one(city: Congress) -> None:
    opinions = fresh([receive(city, text, hours(index)) for index, text in enumerate(LAMP)])
    Cluster.objects.filter(pk=opinions[0].cluster_id).update(handled_as_one=True)
    index = clusters.ClusterIndex()
    index.add(
        opinion_ids=[o.pk for o in opinions],
        congress_ids=[o.congress_id for o in opinions],
        received_at=[o.received_at for o in opinions],
        texts=[o.text for o in opinions],
        tokens=[tokenize(o.text) for o in opinions],
        area_ids=[o.area_id for o in opinions],
    )
    assert index.save().clusters == 0
    assert Opinion.objects.filter(cluster_id=opinions[0].cluster_id).count() == len(LAMP)


@pytest.mark.django_db
def test_assign_is_fast(city: Congress) -> None:
    """One new opinion among 200 near-duplicates: the median of 5 assignments stays under 50 ms."""
    for index in range(200):
        receive(city, f"{LAMP[index % 4]}（第{index}次）", timezone.now() - dt.timedelta(hours=index + 1))
    timings = []
    for index in range(5):
        opinion = Opinion.objects.create(
            congress=city, source=Source.PORTAL, text=LAMP[index % 4], received_at=timezone.now(), area=city
        )
        tokens = tokenize(opinion.text, city.pk)
        started = time.perf_counter()
        cluster = clusters.assign(opinion, tokens)
        timings.append(time.perf_counter() - started)
        assert cluster is not None
    assert sorted(timings)[2] < 0.05


def test_title_is_the_common_distinctive_words() -> None:
    members = [tokenize(text) for text in LAMP]
    title = clusters.title_for(members)
    assert "路灯" in title and "幸福" in title


@pytest.mark.django_db
def test_refresh_after_an_opinion_leaves(city: Congress) -> None:
    opinions = fresh([receive(city, text, hours(index)) for index, text in enumerate(LAMP)])
    cluster = Cluster.objects.get(pk=opinions[0].cluster_id)
    Opinion.objects.filter(pk=opinions[0].pk).update(cluster=None)
    clusters.refresh(cluster)
    cluster.refresh_from_db()
    assert cluster.size == 3
    assert cluster.representative_id == opinions[1].pk
    assert cluster.first_received_at == hours(1)
    assert list(clusters.members(cluster)) == opinions[1:]
