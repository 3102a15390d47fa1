"""Near-duplicate clusters: opinions about the same problem at the same place (domain.md §3.2).

"The same broken lamp on the same street, reported 40 times" is one cluster; a full rubbish bin on
that street is another; the same kind of broken lamp on another street is another still. So an
opinion is read as two sets of features:

- **where**: place names (a token ending in 路/街/小区/社区/村…, or a name token followed by such a
  suffix token) and house numbers bound to their place (幸福路#12 for 幸福路12号 / 12栋 / 12号楼), from
  the text and the address; the opinion's area is a block: opinions of different areas are never compared;
- **what**: the remaining tokens, normalised through a small synonym table (不亮/损坏/故障 → 坏), and
  the domain words of ``tokens.BASE_WORDS`` found anywhere in the text (路灯, 垃圾桶, 电梯…), which
  count ``DOMAIN_WEIGHT`` times: the segmenter sometimes cuts them apart ("号路 / 灯不亮"), a
  substring search does not.

Two opinions are near-duplicates when both Jaccard similarities are high enough
(``LOCATION_MIN`` and ``ISSUE_MIN``), estimated by MinHash sketches (``LOCATION_PERM`` and
``ISSUE_PERM`` permutations, multiply-shift hashing of 64-bit feature hashes on numpy ``uint64``
arrays). Candidates come from LSH: band ``k`` is the pair (where-minhash ``k``, what-minhash ``k``)
mixed with the congress and the area, so a candidate shares a place feature and a problem feature.

Assignment is greedy in time order, the same rule for one new opinion (``assign``) and for a whole
corpus (``ClusterIndex``): among the earlier opinions of the same congress received within
``WINDOW_DAYS`` that share a band key (at most ``PER_BAND`` most recent per key), the best verified
one (highest similarity, then the latest) gives its cluster; if it had none, a cluster of the two is
opened. An opinion with no near-duplicate stays outside any cluster. The incremental path looks
candidates up in ``ClusterBand`` (one row per band, for opinions of the last window) and recomputes
their sketches from their text and stored tokens; the batch path sorts band keys with numpy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from django.db import transaction
from django.db.models import F, QuerySet

from renda.insight.models import Cluster, ClusterBand
from renda.insight.tokens import BASE_WORDS, cut

if TYPE_CHECKING:
    from renda.opinions.models import Opinion

# A value handed to the database driver as it is (numbers, text, adapted moments).
SqlValue = int | str | bool | None

# Only opinions received within this many days of each other are compared.
WINDOW_DAYS = 60
# Sketch sizes (MinHash permutations) of the "where" and the "what" feature sets.
LOCATION_PERM = 32
ISSUE_PERM = 64
# LSH bands; band k = (where-minhash k, what-minhash k). Rows kept in ClusterBand per opinion.
BANDS = 16
# Per band key, at most this many most recent earlier opinions are compared (bounds the work per opinion).
PER_BAND = 8
# Verification thresholds on the estimated Jaccard similarities.
LOCATION_MIN = 0.4
ISSUE_MIN = 0.3
# A domain word found in the text counts this many times among the "what" features.
DOMAIN_WEIGHT = 4
# A house number counts this many times among the "where" features (幸福路12号 and 幸福路88号 differ).
NUMBER_WEIGHT = 2
# Words of the cluster title.
TITLE_WORDS = 4

UINT32 = np.uint64(32)
EMPTY = np.uint32(0xFFFFFFFF)

# A token that ends with one of these names a place (幸福路, 和平街, 阳光小区); a token that IS one
# of them joins the token before it (幸福 + 路).
PLACE_SUFFIXES = (
    "路",
    "街",
    "大道",
    "巷",
    "弄",
    "胡同",
    "小区",
    "社区",
    "村",
    "镇",
    "乡",
    "花园",
    "家园",
    "苑",
    "公寓",
    "大厦",
    "广场",
    "公园",
    "市场",
    "小学",
    "中学",
    "学校",
    "医院",
    "新村",
)
# After a number, these make it a house/building number (12号, 5栋, 3单元).
NUMBER_UNITS = frozenset({"号", "号楼", "栋", "幢", "单元", "号院", "楼", "室", "组", "号门"})
# Where-ish words that say nothing about which place (门口 of what?): dropped.
POSITION_WORDS = frozenset({"门口", "附近", "旁边", "对面", "周边", "周围", "路口", "十字路口", "楼下", "一带", "路段"})
# The same complaint in other words.
SYNONYMS: dict[str, str] = {
    "不亮": "坏",
    "灯不亮": "坏",
    "损坏": "坏",
    "坏掉": "坏",
    "坏了": "坏",
    "故障": "坏",
    "失灵": "坏",
    "破损": "坏",
    "修理": "维修",
    "修": "维修",
    "修好": "维修",
    "维护": "维修",
    "老人": "老年人",
    "老年": "老年人",
    "噪声": "噪音",
    "吵": "噪音",
    "臭": "异味",
    "臭味": "异味",
    "堵": "堵塞",
    "堵车": "拥堵",
}
_DOMAIN_RE = re.compile("|".join(sorted(map(re.escape, BASE_WORDS), key=len, reverse=True)))
_NON_PLACE = frozenset(BASE_WORDS)

_rng = np.random.default_rng(20240601)
# Multiply-shift hashing: h(x) = (a*x + b) mod 2**64 >> 32, a odd; one (a, b) per permutation.
_A = (_rng.integers(1, 2**63, size=LOCATION_PERM + ISSUE_PERM, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(0, 2**63, size=LOCATION_PERM + ISSUE_PERM, dtype=np.uint64)
# Band-key mixing constants (odd 64-bit).
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_K3 = np.uint64(0x165667B19E3779F9)

U32Array = npt.NDArray[np.uint32]
U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]


# --- features ---


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def features(text: str, tokens: Sequence[str], *, address_tokens: Sequence[str] = ()) -> tuple[list[str], list[str]]:
    """The "where" and the "what" features of one opinion (strings; hashed by the caller).

    A house number is bound to the place named before it (幸福路#12), so 12号 of two streets differ.
    """
    where: list[str] = []
    what: list[str] = []
    for source, into_what in ((tokens, True), (address_tokens, False)):
        count = len(source)
        index = 0
        place = ""
        while index < count:
            token = source[index]
            following = source[index + 1] if index + 1 < count else ""
            if token.isdigit():
                if following in NUMBER_UNITS or following[:1] in {"号", "栋", "幢"}:
                    # 12 + 号路 (the segmenter glued the unit to the next word): the rest is lost, the
                    # domain-word search still finds 路灯.
                    where.extend(f"#{place}{int(token)}:{copy}" for copy in range(NUMBER_WEIGHT))
                    index += 2
                    continue
                if into_what:
                    what.append(f"n{int(token)}")
                index += 1
                continue
            if following in PLACE_SUFFIXES and token not in POSITION_WORDS and not token.isdigit():
                place = token + following
                where.append(f"p:{place}")
                index += 2
                continue
            if token in POSITION_WORDS or token in NUMBER_UNITS:
                index += 1
                continue
            if len(token) >= 2 and token not in _NON_PLACE and token.endswith(PLACE_SUFFIXES):
                place = token
                where.append(f"p:{token}")
            elif into_what:
                what.append("w:" + SYNONYMS.get(token, token))
            index += 1
    for word in set(_DOMAIN_RE.findall(_normalise(text))):
        what.extend(f"d:{word}:{copy}" for copy in range(DOMAIN_WEIGHT))
    return where, what


_hash_cache: dict[str, int] = {}
HASH_CACHE_SIZE = 500_000


def _feature_hash(feature: str) -> int:
    """A stable 64-bit hash of a feature (Python's ``hash`` is salted per process)."""
    value = _hash_cache.get(feature)
    if value is None:
        value = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
        if len(_hash_cache) >= HASH_CACHE_SIZE:
            _hash_cache.clear()
        _hash_cache[feature] = value
    return value


def _permute(hashes: U64Array, start: int, stop: int) -> U32Array:
    """Rows = features, columns = permutations ``start:stop``: the top 32 bits of a*x + b."""
    with np.errstate(over="ignore"):
        mixed = hashes[:, None] * _A[None, start:stop] + _B[None, start:stop]
    return (mixed >> UINT32).astype(np.uint32)


def _sketch(where: Sequence[str], what: Sequence[str]) -> tuple[U32Array, U32Array]:
    """MinHash sketches of one opinion (an empty set sketches to all-EMPTY)."""
    location = np.full(LOCATION_PERM, EMPTY, dtype=np.uint32)
    issue = np.full(ISSUE_PERM, EMPTY, dtype=np.uint32)
    if where:
        hashes = np.fromiter((_feature_hash(f) for f in set(where)), dtype=np.uint64)
        location = _permute(hashes, 0, LOCATION_PERM).min(axis=0)
    if what:
        hashes = np.fromiter((_feature_hash(f) for f in set(what)), dtype=np.uint64)
        issue = _permute(hashes, LOCATION_PERM, LOCATION_PERM + ISSUE_PERM).min(axis=0)
    return location, issue


def band_keys(congress_ids: I64Array, area_ids: I64Array, location: U32Array, issue: U32Array) -> I64Array:
    """Band keys (rows = opinions, columns = BANDS) as signed 64-bit ints.

    The congress and the area (0 for none) are mixed in: opinions of different areas are never compared.
    """
    bands = np.arange(BANDS, dtype=np.uint64)[None, :]
    block = (congress_ids.astype(np.uint64) * np.uint64(0x100000001B3) + area_ids.astype(np.uint64))[:, None]
    with np.errstate(over="ignore"):
        key = location[:, :BANDS].astype(np.uint64) * _K1
        key ^= issue[:, :BANDS].astype(np.uint64) * _K2
        key ^= (block * np.uint64(BANDS) + bands) * _K3
        key ^= key >> np.uint64(29)
        key *= _K1
    return key.view(np.int64)


def similarity(
    location_a: U32Array, issue_a: U32Array, location_b: U32Array, issue_b: U32Array
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Estimated Jaccard similarities (where, what) of sketch rows a and b (broadcasting)."""
    return (location_a == location_b).mean(axis=-1), (issue_a == issue_b).mean(axis=-1)


def is_near_duplicate(where: float, what: float) -> bool:
    return where >= LOCATION_MIN and what >= ISSUE_MIN


# --- one new opinion ---


@dataclass(frozen=True)
class Candidate:
    opinion_id: int
    received_at: dt.datetime
    cluster_id: int | None
    where: float
    what: float

    @property
    def score(self) -> float:
        return self.where + self.what


def _opinion_features(text: str, tokens: Sequence[str], address: str) -> tuple[list[str], list[str]]:
    return features(text, tokens, address_tokens=cut(address) if address else ())


def _keys(opinion: Opinion, location: U32Array, issue: U32Array) -> I64Array:
    congress = np.array([opinion.congress_id], dtype=np.int64)
    area = np.array([opinion.area_id or 0], dtype=np.int64)
    keys: I64Array = band_keys(congress, area, location[None, :], issue[None, :])[0]
    return keys


def _stored_tokens(opinion_ids: Iterable[int]) -> dict[int, list[str]]:
    from renda.insight.models import OpinionAnalysis

    rows = OpinionAnalysis.objects.filter(opinion_id__in=list(opinion_ids)).values_list("opinion_id", "tokens")
    return {opinion_id: tokens.split() for opinion_id, tokens in rows}


def candidates(opinion: Opinion, location: U32Array, issue: U32Array) -> list[Candidate]:
    """Earlier opinions sharing a band key within the window, verified, best first."""
    from renda.insight.tokens import tokenize
    from renda.opinions.models import Opinion as OpinionModel

    keys = _keys(opinion, location, issue)
    since = opinion.received_at - dt.timedelta(days=WINDOW_DAYS)
    rows = (
        ClusterBand.objects.filter(key__in=[int(k) for k in keys], received_at__gte=since)
        .filter(received_at__lte=opinion.received_at)
        .exclude(opinion_id=opinion.pk)
        .order_by("-received_at", "-opinion_id")
        .values_list("key", "opinion_id", "received_at")
    )
    per_key: Counter[int] = Counter()
    chosen: dict[int, dt.datetime] = {}
    for key, opinion_id, received_at in rows:
        if (received_at, opinion_id) > (opinion.received_at, opinion.pk) or per_key[key] >= PER_BAND:
            continue
        per_key[key] += 1
        chosen[opinion_id] = received_at
    if not chosen:
        return []
    stored = _stored_tokens(chosen)
    found = []
    others = OpinionModel.objects.filter(pk__in=list(chosen)).values_list(
        "pk", "text", "address", "cluster_id", "congress_id"
    )
    for pk, text, address, cluster_id, congress_id in others:
        tokens = stored.get(pk)
        if tokens is None:
            tokens = tokenize(text, congress_id)
        other_location, other_issue = _sketch(*_opinion_features(text, tokens, address))
        where, what = similarity(location, issue, other_location, other_issue)
        if is_near_duplicate(float(where), float(what)):
            found.append(Candidate(pk, chosen[pk], cluster_id, float(where), float(what)))
    found.sort(key=lambda c: (c.score, c.received_at, c.opinion_id), reverse=True)
    return found


def _store_bands(opinion: Opinion, keys: I64Array) -> None:
    ClusterBand.objects.bulk_create(
        [ClusterBand(key=int(key), opinion_id=opinion.pk, received_at=opinion.received_at) for key in set(keys)]
    )


@transaction.atomic
def assign(opinion: Opinion, tokens: list[str]) -> Cluster | None:
    """Put a newly received opinion into the cluster of its nearest earlier near-duplicate, if any.

    Called inside the intake transaction (``insight.api_hooks``). Stores the opinion's band keys,
    then joins the best verified candidate's cluster, or opens a cluster of the two.
    """
    where, what = _opinion_features(opinion.text, tokens, opinion.address)
    if not what:
        return None
    location, issue = _sketch(where, what)
    found = candidates(opinion, location, issue)
    _store_bands(opinion, _keys(opinion, location, issue))
    if not found:
        return None
    best = found[0]
    from renda.opinions.models import Opinion as OpinionModel

    if best.cluster_id is not None:
        cluster = Cluster.objects.select_for_update().get(pk=best.cluster_id)
        Cluster.objects.filter(pk=cluster.pk).update(size=F("size") + 1)
        cluster.refresh_from_db(fields=["size"])
        changed = ["size"]
        if opinion.received_at > cluster.last_received_at:
            cluster.last_received_at = opinion.received_at
            changed.append("last_received_at")
        if opinion.received_at < cluster.first_received_at:
            cluster.first_received_at = opinion.received_at
            changed.append("first_received_at")
        if not cluster.category and opinion.category:
            cluster.category = opinion.category
            changed.append("category")
        if cluster.area_id is None and opinion.area_id is not None:
            cluster.area_id = opinion.area_id
            changed.append("area")
        if _retitle(cluster.size):
            cluster.title = title_for(_member_tokens(cluster, extra=(opinion.pk, tokens)))
            changed.append("title")
        cluster.save(update_fields=changed)
    else:
        first = OpinionModel.objects.get(pk=best.opinion_id)
        cluster = Cluster.objects.create(
            congress_id=opinion.congress_id,
            title=title_for([_stored_tokens([first.pk]).get(first.pk, []), tokens]),
            size=2,
            representative=first,
            category=first.category or opinion.category,
            area_id=first.area_id if first.area_id is not None else opinion.area_id,
            first_received_at=min(first.received_at, opinion.received_at),
            last_received_at=max(first.received_at, opinion.received_at),
        )
        OpinionModel.objects.filter(pk=first.pk).update(cluster=cluster)
    OpinionModel.objects.filter(pk=opinion.pk).update(cluster=cluster)
    opinion.cluster = cluster
    return cluster


def _retitle(size: int) -> bool:
    """Recompute the title while a cluster is small, then at powers of two (keeps assign cheap)."""
    return size <= 8 or size & (size - 1) == 0


def _member_tokens(cluster: Cluster, extra: tuple[int, list[str]] | None = None, limit: int = 200) -> list[list[str]]:
    from renda.opinions.models import Opinion as OpinionModel

    ids = list(
        OpinionModel.objects.filter(cluster=cluster).order_by("-received_at").values_list("pk", flat=True)[:limit]
    )
    stored = _stored_tokens(ids)
    members = [stored[pk] for pk in ids if pk in stored]
    if extra is not None and extra[0] not in stored:
        members.append(extra[1])
    return members


def title_for(members: Sequence[Sequence[str]]) -> str:
    """The cluster title: its most frequent distinctive tokens (in at least half the members)."""
    counts: Counter[str] = Counter()
    first_seen: dict[str, int] = {}
    for tokens in members:
        for token in dict.fromkeys(tokens):
            if token.isdigit() or token in NUMBER_UNITS or token in POSITION_WORDS:
                continue
            counts[token] += 1
            first_seen.setdefault(token, len(first_seen))
    needed = max(1, (len(members) + 1) // 2)
    common = [token for token, count in counts.most_common() if count >= needed][:TITLE_WORDS]
    if not common:
        common = [token for token, _ in counts.most_common(TITLE_WORDS)]
    common.sort(key=lambda token: first_seen[token])
    return "".join(common)[:100] or "相似意见"


def members(cluster: Cluster) -> QuerySet[Opinion]:
    """The opinions of a cluster, the first received first (for "handle as one": every citizen gets the answer)."""
    from renda.opinions.models import Opinion as OpinionModel

    return OpinionModel.objects.filter(cluster=cluster).order_by("received_at", "pk")


def refresh(cluster: Cluster) -> Cluster:
    """Recompute size, first/last received, representative, category, area and title from the members.

    For callers that moved opinions in or out of a cluster (merge, split, the opinion leaving it).
    """
    rows = list(members(cluster).values_list("pk", "received_at", "category", "area_id"))
    cluster.size = len(rows)
    if rows:
        cluster.representative_id = rows[0][0]
        cluster.first_received_at = rows[0][1]
        cluster.last_received_at = rows[-1][1]
        categories = Counter(row[2] for row in rows if row[2])
        cluster.category = categories.most_common(1)[0][0] if categories else cluster.category
        cluster.area_id = rows[0][3] if rows[0][3] is not None else cluster.area_id
        stored = _stored_tokens([row[0] for row in rows[:200]])
        if stored:
            cluster.title = title_for(list(stored.values()))
    else:
        cluster.representative_id = None
    cluster.save()
    return cluster


def prune_bands(before: dt.datetime) -> int:
    """Drop band rows of opinions received before ``before`` (they can no longer be candidates)."""
    deleted, _ = ClusterBand.objects.filter(received_at__lt=before).delete()
    return deleted


# --- many opinions at once (the pipeline) ---

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
WINDOW_MICROSECONDS = WINDOW_DAYS * 86_400 * 1_000_000
# Opinions whose sketches are computed together (bounds the memory of the feature x permutation matrix).
SKETCH_CHUNK = 4096


def _microseconds(moment: dt.datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


@dataclass
class SaveReport:
    clusters: int
    clustered_opinions: int
    band_rows: int


class ClusterIndex:
    """Clusters a whole corpus with the rule of ``assign``, vectorised with numpy.

    Usage: ``index.add(...)`` in chunks (any order), then ``index.solve()`` (the earlier near-duplicate
    each opinion joins, or -1), ``index.groups()``, and ``index.save()`` to write ``Cluster`` rows,
    ``Opinion.cluster`` and the ``ClusterBand`` rows of the last window (for later ``assign`` calls).
    """

    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}
        self._table = np.empty((0, LOCATION_PERM + ISSUE_PERM), dtype=np.uint32)
        self.opinion_ids: list[int] = []
        self.congress_ids: list[int] = []
        self.times: list[int] = []
        self.area_ids: list[int | None] = []
        self.categories: list[str] = []
        self.tokens: list[Sequence[str]] = []
        self._locations: list[U32Array] = []
        self._issues: list[U32Array] = []
        self._valid: list[npt.NDArray[np.bool_]] = []
        self._parent: I64Array | None = None

    def __len__(self) -> int:
        return len(self.opinion_ids)

    def _ids(self, feature_set: Iterable[str]) -> list[int]:
        vocabulary = self._vocabulary
        ids = []
        for feature in feature_set:
            index = vocabulary.get(feature)
            if index is None:
                index = vocabulary[feature] = len(vocabulary)
            ids.append(index)
        return ids

    def _extend_table(self) -> None:
        known = self._table.shape[0]
        if known == len(self._vocabulary):
            return
        new = list(self._vocabulary)[known:]
        hashes = np.fromiter(
            (int.from_bytes(hashlib.blake2b(f.encode(), digest_size=8).digest(), "little") for f in new),
            dtype=np.uint64,
            count=len(new),
        )
        self._table = np.concatenate([self._table, _permute(hashes, 0, LOCATION_PERM + ISSUE_PERM)])

    def _signatures(self, rows: list[list[int]], start: int, stop: int) -> U32Array:
        """MinHash rows (one per opinion) over table columns ``start:stop``; an empty set gives EMPTY."""
        result = np.full((len(rows), stop - start), EMPTY, dtype=np.uint32)
        filled = [index for index, row in enumerate(rows) if row]
        if not filled:
            return result
        lengths = np.fromiter((len(rows[index]) for index in filled), dtype=np.int64, count=len(filled))
        flat = np.fromiter((i for index in filled for i in rows[index]), dtype=np.int64, count=int(lengths.sum()))
        offsets = np.zeros(len(filled), dtype=np.int64)
        np.cumsum(lengths[:-1], out=offsets[1:])
        result[filled] = np.minimum.reduceat(self._table[flat, start:stop], offsets, axis=0)
        return result

    def add(
        self,
        *,
        opinion_ids: Sequence[int],
        congress_ids: Sequence[int],
        received_at: Sequence[dt.datetime],
        texts: Sequence[str],
        tokens: Sequence[Sequence[str]],
        area_ids: Sequence[int | None] | None = None,
        addresses: Sequence[str] | None = None,
        categories: Sequence[str] | None = None,
    ) -> None:
        count = len(opinion_ids)
        areas = area_ids if area_ids is not None else [None] * count
        for start in range(0, count, SKETCH_CHUNK):
            stop = min(count, start + SKETCH_CHUNK)
            where_rows: list[list[int]] = []
            what_rows: list[list[int]] = []
            for index in range(start, stop):
                address = addresses[index] if addresses is not None else ""
                where, what = features(texts[index], tokens[index], address_tokens=cut(address) if address else ())
                where_rows.append(self._ids(set(where)))
                what_rows.append(self._ids(set(what)) if what else [])
            self._extend_table()
            self._locations.append(self._signatures(where_rows, 0, LOCATION_PERM))
            self._issues.append(self._signatures(what_rows, LOCATION_PERM, LOCATION_PERM + ISSUE_PERM))
            self._valid.append(np.fromiter((bool(row) for row in what_rows), dtype=np.bool_, count=stop - start))
        self.opinion_ids.extend(opinion_ids)
        self.congress_ids.extend(congress_ids)
        self.times.extend(_microseconds(moment) for moment in received_at)
        self.area_ids.extend(areas)
        self.categories.extend(categories if categories is not None else [""] * count)
        self.tokens.extend(tokens)
        self._parent = None

    def arrays(self) -> tuple[U32Array, U32Array, npt.NDArray[np.bool_]]:
        """Sketches (where, what) and the "has problem features" mask, in ``add`` order."""
        if not self._locations:
            empty = np.empty((0, 0), dtype=np.uint32)
            return empty, empty, np.empty(0, dtype=np.bool_)
        if len(self._locations) > 1:
            self._locations = [np.concatenate(self._locations)]
            self._issues = [np.concatenate(self._issues)]
            self._valid = [np.concatenate(self._valid)]
        return self._locations[0], self._issues[0], self._valid[0]

    def keys(self) -> I64Array:
        location, issue, _ = self.arrays()
        areas = np.fromiter((area or 0 for area in self.area_ids), dtype=np.int64, count=len(self.area_ids))
        return band_keys(np.asarray(self.congress_ids, dtype=np.int64), areas, location, issue)

    def solve(self) -> I64Array:
        """For each opinion (``add`` order), the index of the earlier near-duplicate it joins, or -1."""
        if self._parent is not None:
            return self._parent
        count = len(self)
        parent = np.full(count, -1, dtype=np.int64)
        if count < 2:
            self._parent = parent
            return parent
        location, issue, valid = self.arrays()
        times = np.asarray(self.times, dtype=np.int64)
        ids = np.asarray(self.opinion_ids, dtype=np.int64)
        rank = np.empty(count, dtype=np.int64)
        rank[np.lexsort((ids, times))] = np.arange(count)
        members = np.flatnonzero(valid)
        keys = self.keys()[members]
        later: list[I64Array] = []
        earlier: list[I64Array] = []
        for band in range(BANDS):
            column = keys[:, band]
            order = np.lexsort((rank[members], column))
            sorted_keys = column[order]
            sorted_docs = members[order]
            for shift in range(1, PER_BAND + 1):
                same = sorted_keys[shift:] == sorted_keys[:-shift]
                if not same.any():
                    break
                i = sorted_docs[shift:][same]
                j = sorted_docs[:-shift][same]
                near = times[i] - times[j] <= WINDOW_MICROSECONDS
                later.append(i[near])
                earlier.append(j[near])
        if not later:
            self._parent = parent
            return parent
        codes = np.unique(np.concatenate(later) * count + np.concatenate(earlier))
        i, j = codes // count, codes % count
        where = np.empty(len(codes))
        what = np.empty(len(codes))
        step = 1 << 16
        for start in range(0, len(codes), step):
            part = slice(start, start + step)
            where[part], what[part] = similarity(location[i[part]], issue[i[part]], location[j[part]], issue[j[part]])
        accepted = (where >= LOCATION_MIN) & (what >= ISSUE_MIN)
        i, j, score = i[accepted], j[accepted], (where + what)[accepted]
        order = np.lexsort((rank[j], score, i))
        i, j = i[order], j[order]
        last = np.ones(len(i), dtype=np.bool_)
        last[:-1] = i[1:] != i[:-1]
        parent[i[last]] = j[last]
        self._parent = parent
        return parent

    def roots(self) -> I64Array:
        """The first opinion (index) of each opinion's cluster: itself when it heads one or stands alone."""
        parent = self.solve()
        root = np.where(parent >= 0, parent, np.arange(len(parent)))
        while True:
            following = root[root]
            if np.array_equal(following, root):
                return root
            root = following

    def groups(self) -> list[list[int]]:
        """Clusters of at least two opinions, as lists of indexes in time order (the first is the head)."""
        root = self.roots()
        if not len(root):
            return []
        times = np.asarray(self.times, dtype=np.int64)
        ids = np.asarray(self.opinion_ids, dtype=np.int64)
        order = np.lexsort((ids, times, root))
        sorted_roots = root[order]
        bounds = np.flatnonzero(np.diff(sorted_roots)) + 1
        return [group.tolist() for group in np.split(order, bounds) if len(group) > 1]

    @transaction.atomic
    def save(self) -> SaveReport:
        """Replace the clusters of these congresses (except those staff handle as one) with the solved ones."""
        from django.db import connection

        from renda.opinions.models import Opinion as OpinionModel

        congresses = set(self.congress_ids)
        kept = set(
            OpinionModel.objects.filter(cluster__handled_as_one=True, cluster__congress_id__in=congresses).values_list(
                "pk", flat=True
            )
        )
        stale = Cluster.objects.filter(congress_id__in=congresses, handled_as_one=False)
        OpinionModel.objects.filter(cluster__in=stale).update(cluster=None)
        stale.delete()
        groups = [[index for index in group if self.opinion_ids[index] not in kept] for group in self.groups()]
        groups = [group for group in groups if len(group) > 1]
        cluster_ids = self._insert_clusters(groups)
        opinion_table = connection.ops.quote_name(OpinionModel._meta.db_table)
        # In id order: the updates walk the table's pages once instead of jumping about.
        updates = sorted(
            (
                (cluster_id, self.opinion_ids[index])
                for cluster_id, group in zip(cluster_ids, groups, strict=True)
                for index in group
            ),
            key=lambda pair: pair[1],
        )
        sql = f"UPDATE {opinion_table} SET cluster_id = %s WHERE id = %s"  # noqa: S608 - quoted table name
        with connection.cursor() as cursor:
            for start in range(0, len(updates), 50_000):
                cursor.executemany(sql, updates[start : start + 50_000])
        band_rows = self._save_bands()
        return SaveReport(clusters=len(cluster_ids), clustered_opinions=len(updates), band_rows=band_rows)

    CLUSTER_COLUMNS = (
        "congress_id",
        "title",
        "size",
        "representative_id",
        "category",
        "area_id",
        "first_received_at",
        "last_received_at",
        "handled_as_one",
        "created_at",
    )

    def _insert_clusters(self, groups: list[list[int]]) -> list[int]:
        """Insert one Cluster per group with plain ``executemany`` and return their ids in the groups' order.

        Django's ``bulk_create`` spent most of its time building SQL (10 s of a 200,000-opinion save); the
        ids come back by the group's head, which heads exactly one cluster of these congresses.
        """
        from django.db import connection
        from django.utils import timezone

        if not groups:
            return []
        adapt = connection.ops.adapt_datetimefield_value
        now = adapt(timezone.now())
        rows = [(*self._cluster_values(group, adapt), False, now) for group in groups]
        table = connection.ops.quote_name(Cluster._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(name) for name in self.CLUSTER_COLUMNS)
        marks = ", ".join(["%s"] * len(self.CLUSTER_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 50_000):
                cursor.executemany(sql, rows[start : start + 50_000])
        heads = Cluster.objects.filter(congress_id__in=set(self.congress_ids), handled_as_one=False)
        ids = dict(heads.values_list("representative_id", "pk"))
        return [ids[self.opinion_ids[group[0]]] for group in groups]

    def _cluster_values(self, group: list[int], adapt: Callable[[dt.datetime], str | None]) -> tuple[SqlValue, ...]:
        """A cluster's congress, title, size, head, category, area, first and last moments, in column order."""
        head = group[0]
        categories = Counter(self.categories[index] for index in group if self.categories[index])
        area = self.area_ids[head]
        if area is None:
            areas = Counter(self.area_ids[index] for index in group if self.area_ids[index] is not None)
            area = areas.most_common(1)[0][0] if areas else None
        return (
            self.congress_ids[head],
            title_for([self.tokens[index] for index in group[:200]]),
            len(group),
            self.opinion_ids[head],
            categories.most_common(1)[0][0] if categories else "",
            area,
            adapt(EPOCH + dt.timedelta(microseconds=self.times[head])),
            adapt(EPOCH + dt.timedelta(microseconds=self.times[group[-1]])),
        )

    def _save_bands(self) -> int:
        """The ClusterBand rows of the opinions of the last window (earlier ones can no longer be candidates)."""
        from django.db import connection

        if not len(self):
            return 0
        _, _, valid = self.arrays()
        times = np.asarray(self.times, dtype=np.int64)
        since = int(times.max()) - WINDOW_MICROSECONDS
        prune_bands(EPOCH + dt.timedelta(microseconds=since))
        tail = np.flatnonzero(valid & (times >= since))
        opinion_ids = [self.opinion_ids[index] for index in tail]
        for start in range(0, len(opinion_ids), 500):
            ClusterBand.objects.filter(opinion_id__in=opinion_ids[start : start + 500]).delete()
        keys = self.keys()[tail]
        # One database value per opinion: its BANDS rows share the moment (adapting it per row cost 16x).
        adapt = connection.ops.adapt_datetimefield_value
        moments = [adapt(EPOCH + dt.timedelta(microseconds=int(times[index]))) for index in tail]
        table = connection.ops.quote_name(ClusterBand._meta.db_table)
        rows = [
            (key, opinion_id, moment)
            for opinion_id, moment, row in zip(opinion_ids, moments, keys.tolist(), strict=True)
            for key in row
        ]
        columns = ", ".join(connection.ops.quote_name(name) for name in ("key", "opinion_id", "received_at"))
        sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608 - quoted names
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 100_000):
                cursor.executemany(sql, rows[start : start + 100_000])
        return len(rows)
