"""Building the cluster band rows of one clustering window: one timestamp conversion per opinion vs per row.

``ClusterIndex._save_bands`` writes ``BANDS`` (16) rows per opinion of the last window (about 165,000
opinions, 2.6 million rows, for a city of 1,000,000 opinions a year). Until 2026-11-23 it converted the
opinion's moment to the database value once per row; now once per opinion. Both ways are timed here on
the same synthetic ids, moments and keys (median of ``--reps``), and their rows are checked equal.

    .venv/bin/python bench/cluster_band_rows.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from _common import bootstrap, cleanup, emit, environment, loadavg, median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--opinions", type=int, default=165_000)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    bootstrap("cluster-band-rows")
    try:
        import numpy as np
        from django.db import connection

        from renda.insight.clusters import BANDS, EPOCH

        ids = list(range(1, args.opinions + 1))
        times = np.arange(args.opinions, dtype=np.int64) * 37_000_000 + 1_780_000_000_000_000
        keys = np.random.default_rng(1).integers(0, 2**62, size=(args.opinions, BANDS), dtype=np.int64).tolist()
        adapt = connection.ops.adapt_datetimefield_value

        def per_row() -> list[tuple[Any, ...]]:
            moments = [EPOCH + dt.timedelta(microseconds=int(value)) for value in times]
            return [
                (int(key), pk, adapt(moment)) for pk, moment, row in zip(ids, moments, keys, strict=True) for key in row
            ]

        def per_opinion() -> list[tuple[Any, ...]]:
            moments = [adapt(EPOCH + dt.timedelta(microseconds=int(value))) for value in times]
            return [(key, pk, moment) for pk, moment, row in zip(ids, moments, keys, strict=True) for key in row]

        assert per_row() == per_opinion()
        load_start = loadavg()
        samples: dict[str, list[float]] = {"per row (before)": [], "per opinion (now)": []}
        for _ in range(args.reps):
            for name, build in (("per row (before)", per_row), ("per opinion (now)", per_opinion)):
                started = time.perf_counter()
                build()
                samples[name].append(time.perf_counter() - started)
        before, now = median(samples["per row (before)"]), median(samples["per opinion (now)"])
        emit(
            "Insight — building the cluster band rows",
            [
                ("opinions / rows", f"{args.opinions:,} / {args.opinions * BANDS:,}"),
                ("per row (before), median", f"{before:.2f} s"),
                ("per opinion (now), median", f"{now:.2f} s"),
                ("ratio", f"{before / now:.1f}x"),
                ("load average (start / end)", f"{load_start} / {loadavg()}"),
            ],
            [f"rows equal; per opinion is {before / now:.1f}x faster"],
            {"before_s": round(before, 3), "now_s": round(now, 3), "environment": environment()},
        )
    finally:
        cleanup(False)


if __name__ == "__main__":
    main()
