"""Near-duplicate clustering of opinions: our numpy MinHash + LSH against datasketch, on the same docs.

Data: N synthetic opinions (default 50,000) of one city over 180 days: 400 streets x house numbers x
30 problems, each "incident" (a problem at a place) reported 1 to 40 times in different wordings
(templates, synonyms, filler), plus one-off opinions. Tokens are computed once beforehand with
``renda.insight.tokens.tokenize`` (the pipeline tokenizes once for routing and clustering).

Measured (wall clock, docs/s, same docs, same process):

- A. baseline: datasketch ``MinHash(num_perm=128)`` over character 3-grams + ``MinHashLSH(threshold=0.5)``
  insert and query for every doc (what the issue measured at ~5,800 docs/s);
- B. our vectorised MinHash on the same character 3-grams (128 multiply-shift permutations on
  uint64 arrays, 32 bands of 4 sorted with numpy, candidate pairs of adjacent equal keys);
- C. ``renda.insight.clusters.ClusterIndex`` end to end: features (where/what), sketches, bands,
  verified greedy assignment (``add`` + ``solve`` + ``groups``).

Quality of C on the synthetic truth (pairs of opinions in the same cluster): precision and recall.

    .venv/bin/python bench/insight_clusters.py
    .venv/bin/python bench/insight_clusters.py --docs 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time
from collections import Counter

from _common import bootstrap, cleanup, emit, environment, loadavg

TARGET_DOCS_PER_S = 5_800.0

NAMES = ["幸福", "和平", "人民", "解放", "建设", "友谊", "新华", "光明", "胜利", "团结", "朝阳", "长江"]
STREETS = [f"{a}{b}{c}" for a in NAMES for b in "东西南北中" for c in ("路", "街", "大道")]
ESTATES = [
    f"{a}{b}"
    for a in ["阳光", "碧水", "金色", "翠苑", "锦绣", "名都", "滨江", "春天"]
    for b in ("小区", "花园", "家园")
]
PROBLEMS = [
    (
        "路灯",
        ["路灯坏了", "路灯不亮", "路灯损坏", "的路灯一直不亮", "路灯故障"],
        ["晚上很黑", "晚上出行不安全", "老人孩子走路害怕"],
    ),
    ("垃圾桶", ["垃圾桶满了没人清运", "垃圾桶太少", "垃圾桶坏了"], ["臭气熏天", "苍蝇很多", "影响环境"]),
    ("电梯", ["电梯经常故障", "电梯总是坏", "电梯停运"], ["老人上下楼很困难", "经常困人", "出行不便"]),
    ("井盖", ["井盖丢失", "井盖破损", "井盖松动"], ["很危险", "有人差点掉下去", "车辆经过很响"]),
    ("积水", ["一下雨就积水", "积水严重", "排水不畅积水"], ["无法通行", "行人只能绕行", "影响出行"]),
    ("噪音扰民", ["夜间施工噪音扰民", "噪音扰民严重", "工地晚上施工很吵"], ["无法休息", "孩子无法学习", "影响睡眠"]),
    ("乱停车", ["乱停车严重", "车辆乱停", "占道停车"], ["堵塞消防通道", "行人无法通过", "交通拥堵"]),
    ("广场舞", ["广场舞声音太大", "广场舞音响扰民"], ["影响休息", "晚上十点还在跳"]),
    ("油烟扰民", ["餐馆油烟扰民", "饭店油烟直排"], ["无法开窗", "气味难闻"]),
    ("红绿灯", ["红绿灯时间太短", "信号灯坏了", "缺少红绿灯"], ["过马路危险", "经常发生事故"]),
    ("停水", ["经常停水", "停水没有通知", "水压低"], ["生活不便", "做饭洗澡困难"]),
    ("物业费", ["物业乱收费", "物业费上涨", "物业服务差"], ["业主意见很大", "希望规范管理"]),
    ("外墙脱落", ["外墙脱落", "外墙瓷砖掉落"], ["砸到车辆", "行人很危险"]),
    ("充电桩", ["缺少充电桩", "充电桩坏了"], ["电动车只能飞线充电", "存在安全隐患"]),
    ("人行道", ["人行道破损", "人行道被占用"], ["行人只能走机动车道", "轮椅无法通过"]),
]
FILLER = ["希望尽快处理", "请相关部门尽快解决", "已经反映多次", "麻烦尽快修复", "谢谢", "盼复", ""]


def place(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.6:
        street = rng.choice(STREETS)
        number = rng.randint(1, 300)
        return f"{street}{number}号", f"{street}:{number}"
    estate = rng.choice(ESTATES)
    building = rng.randint(1, 30)
    return f"{estate}{building}栋", f"{estate}:{building}"


def corpus(count: int, seed: int = 6) -> tuple[list[str], list[dt.datetime], list[int]]:
    """Texts, receive times and the incident each text reports (the truth for precision/recall)."""
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    texts: list[str] = []
    times: list[dt.datetime] = []
    truth: list[int] = []
    incident = 0
    while len(texts) < count:
        where, _ = place(rng)
        _word, complaints, effects = rng.choice(PROBLEMS)
        reports = 1 if rng.random() < 0.5 else min(40, int(rng.paretovariate(1.2)) + 1)
        began = start + dt.timedelta(days=rng.uniform(0, 180))
        for _ in range(reports):
            filler = rng.choice(FILLER)
            text = f"{where}{rng.choice(['', '门口', '附近'])}{rng.choice(complaints)}，{rng.choice(effects)}，{filler}"
            texts.append(text)
            times.append(began + dt.timedelta(hours=rng.uniform(0, 24 * 20)))
            truth.append(incident)
        incident += 1
    return texts[:count], times[:count], truth[:count]


def shingles(text: str) -> list[str]:
    return [text[i : i + 3] for i in range(max(1, len(text) - 2))]


def baseline_datasketch(texts: list[str]) -> float:
    from datasketch import MinHash, MinHashLSH

    started = time.perf_counter()
    lsh = MinHashLSH(threshold=0.5, num_perm=128)
    for index, text in enumerate(texts):
        sketch = MinHash(num_perm=128)
        sketch.update_batch([s.encode() for s in shingles(text)])
        lsh.query(sketch)
        lsh.insert(str(index), sketch)
    return time.perf_counter() - started


def ours_char_shingles(texts: list[str]) -> tuple[float, int]:
    import hashlib

    import numpy as np

    from renda.insight.clusters import _permute

    started = time.perf_counter()
    vocabulary: dict[str, int] = {}
    rows = [[vocabulary.setdefault(s, len(vocabulary)) for s in set(shingles(text))] for text in texts]
    hashes = np.fromiter(
        (int.from_bytes(hashlib.blake2b(s.encode(), digest_size=8).digest(), "little") for s in vocabulary),
        dtype=np.uint64,
        count=len(vocabulary),
    )
    table = np.concatenate([_permute(hashes, 0, 96), _permute(hashes, 0, 32) ^ np.uint32(0x5BD1E995)], axis=1)
    lengths = np.fromiter((len(row) for row in rows), dtype=np.int64, count=len(rows))
    flat = np.fromiter((i for row in rows for i in row), dtype=np.int64, count=int(lengths.sum()))
    offsets = np.zeros(len(rows), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    signatures = np.empty((len(rows), 128), dtype=np.uint32)
    for start in range(0, len(rows), 4096):
        stop = min(len(rows), start + 4096)
        lo, hi = offsets[start], offsets[stop] if stop < len(rows) else len(flat)
        signatures[start:stop] = np.minimum.reduceat(table[flat[lo:hi]], offsets[start:stop] - lo, axis=0)
    pairs = 0
    for band in range(32):
        block = signatures[:, band * 4 : band * 4 + 4].astype(np.uint64)
        keys = block[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ block[:, 1] * np.uint64(0xC2B2AE3D27D4EB4F)
        keys ^= block[:, 2] * np.uint64(0x165667B19E3779F9) ^ block[:, 3]
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        pairs += int((sorted_keys[1:] == sorted_keys[:-1]).sum())
    return time.perf_counter() - started, pairs


def ours_full(
    texts: list[str], times: list[dt.datetime], tokens: list[list[str]], congress_id: int
) -> tuple[float, list[list[int]]]:
    from renda.insight.clusters import ClusterIndex

    started = time.perf_counter()
    index = ClusterIndex()
    index.add(
        opinion_ids=list(range(1, len(texts) + 1)),
        congress_ids=[congress_id] * len(texts),
        received_at=times,
        texts=texts,
        tokens=tokens,
        area_ids=[congress_id] * len(texts),
    )
    groups = index.groups()
    return time.perf_counter() - started, groups


def pair_quality(groups: list[list[int]], truth: list[int]) -> tuple[float, float]:
    """Pairwise precision/recall of the clusters against the incidents (pairs within 60 days only count)."""
    found = 0
    correct = 0
    for group in groups:
        found += len(group) * (len(group) - 1) // 2
        correct += sum(c * (c - 1) // 2 for c in Counter(truth[i] for i in group).values())
    true_pairs = sum(c * (c - 1) // 2 for c in Counter(truth).values())
    return (correct / found if found else 1.0), (correct / true_pairs if true_pairs else 1.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    bootstrap("insight-clusters")
    try:
        from renda.insight.tokens import tokenize

        texts, times, truth = corpus(args.docs)
        started = time.perf_counter()
        tokens = [tokenize(text) for text in texts]
        tokenize_s = time.perf_counter() - started
        baseline_s = baseline_datasketch(texts)
        char_s, char_pairs = ours_char_shingles(texts)
        full_s, groups = ours_full(texts, times, tokens, 1)
        precision, recall = pair_quality(groups, truth)
        n = len(texts)
        rates = {"datasketch": n / baseline_s, "ours_char3": n / char_s, "ours_cluster_index": n / full_s}
        rows = [
            ("docs", f"{n:,}"),
            ("tokenize (not counted)", f"{tokenize_s:.2f} s ({n / tokenize_s:,.0f} docs/s)"),
            (
                "A. datasketch MinHash(128) + LSH, char 3-grams",
                f"{baseline_s:.2f} s ({rates['datasketch']:,.0f} docs/s)",
            ),
            ("B. numpy MinHash(128) + 32x4 bands, char 3-grams", f"{char_s:.2f} s ({rates['ours_char3']:,.0f} docs/s)"),
            ("C. ClusterIndex add+solve+groups", f"{full_s:.2f} s ({rates['ours_cluster_index']:,.0f} docs/s)"),
            ("C. clusters (size >= 2)", f"{len(groups):,}"),
            ("C. pair precision / recall vs. synthetic incidents", f"{precision:.3f} / {recall:.3f}"),
            ("load average", loadavg()),
        ]
        verdicts = [
            f"{'PASS' if rates['ours_cluster_index'] > rates['datasketch'] else 'FAIL'}: ClusterIndex "
            f"{rates['ours_cluster_index']:,.0f} docs/s vs datasketch {rates['datasketch']:,.0f} docs/s "
            f"(x{rates['ours_cluster_index'] / rates['datasketch']:.1f})",
        ]
        emit(
            "Near-duplicate clusters",
            rows,
            verdicts,
            {
                "docs": n,
                "seconds": {
                    "tokenize": tokenize_s,
                    "datasketch": baseline_s,
                    "ours_char3": char_s,
                    "ours_full": full_s,
                },
                "docs_per_s": rates,
                "char3_candidate_adjacent_pairs": char_pairs,
                "clusters": len(groups),
                "precision": precision,
                "recall": recall,
                "environment": environment(),
            },
        )
    finally:
        cleanup(args.keep)


if __name__ == "__main__":
    main()
