"""Target: verify an audit chain of 1,000,000 events in under 60 s (renda.core.audit.verify_chain).

Builds a valid chain fast (hashes computed with ``canonical_payload`` and
``compute_hash`` exactly as ``audit_record`` does, rows written with one
``executemany`` per batch), then times:

* ``verify_chain()`` -- the figure the target is about (median of ``--runs``);
* baseline A: iterating the same rows with the same chunked ``values_list``
  query (``renda.core.audit._iterate_events``), no payload, no hash;
* baseline B: iterating and building every ``canonical_payload``, no hash;
* baseline C: a raw hashing loop, ``compute_hash`` over the 1,000,000
  pre-built payloads, no database;
* diagnostic: the same columns through a bare ``sqlite3`` cursor (no ORM).

Finally it drops the append-only trigger on the temp DB, edits one event and
checks that ``verify_chain`` names exactly that sequence.

    .venv/bin/python bench/audit_verify.py            # 1,000,000 events, 3 runs
    .venv/bin/python bench/audit_verify.py --events 50000 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median

TARGET_SECONDS = 60.0
TARGET_EVENTS = 1_000_000

INSERT_SQL = (
    "INSERT INTO core_auditevent (sequence, occurred_at, actor_id, actor_label, acting_role, congress_id, action,"
    " target_type, target_id, target_label, summary, ip_address, previous_hash, event_hash, hash_algorithm)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _fixtures() -> tuple[list[tuple[int, str]], list[int]]:
    """A few real users and congresses, so the foreign keys in the events point somewhere."""
    from renda.accounts.models import User
    from renda.organizations.models import Congress, CongressLevel

    city = Congress.objects.create(name="基准市人民代表大会", short_name="基准市人大", code="bench", level="city")
    congresses = [city] + [
        Congress.objects.create(
            name=f"基准{i}区人民代表大会",
            short_name=f"基准{i}区人大",
            code=f"bench-{i}",
            level=CongressLevel.DISTRICT,
            parent=city,
        )
        for i in range(1, 4)
    ]
    users = [User.objects.create(username=f"bench{i:02d}", full_name=f"测试用户{i}") for i in range(1, 9)]
    return [(u.pk, u.username) for u in users], [c.pk for c in congresses]


def _event_fields(i: int, users: list[tuple[int, str]], congresses: list[int]) -> dict:
    """Deterministic, varied event content (actions, summaries, labels, IPs, system events)."""
    kind = i % 6
    if kind == 0:
        actor_id, actor_label = None, ""
        role, action, ttype, tid, tlabel = "system", "demo.city_built", "", "", ""
        summary: dict = {"seed": 2026, "congresses": 37, "units": 120 + i % 7}
    else:
        actor_id, actor_label = users[i % len(users)]
        role = ("staff_admin", "committee_staff", "auditor", "deputy", "unit_officer")[i % 5]
        if kind == 1:
            action, ttype, tid, tlabel = (
                "unit.updated",
                "organizations.unit",
                str(i % 500 + 1),
                f"市住房和城乡建设局{i % 13}",
            )
            summary = {"fields": ["is_active", "short_name"] if i % 2 else ["name"]}
        elif kind == 2:
            action, ttype, tid, tlabel = (
                "congress.settings_changed",
                "organizations.congress",
                str(i % 37 + 1),
                "江城市人民代表大会",
            )
            summary = {"changed": {"proposal_deadline_days": {"from": 30, "to": 30 + i % 20}}}
        elif kind == 3:
            action, ttype, tid, tlabel = (
                "role.granted",
                "organizations.roleassignment",
                str(i),
                "江城市人大 · 人大代表 · 东湖区代表团",
            )
            summary = {"user": i % 900 + 1, "role": "deputy", "unit": i % 40 + 1}
        elif kind == 4:
            action, ttype, tid, tlabel = "account.login", "accounts.user", str(actor_id), actor_label
            summary = {"method": "password" if i % 3 else "sms"}
        else:
            action, ttype, tid, tlabel = "account.password_changed", "accounts.user", str(actor_id), actor_label
            summary = {}
    return {
        "actor_id": actor_id,
        "actor_label": actor_label,
        "acting_role": role,
        "congress_id": congresses[i % len(congresses)],
        "action": action,
        "target_type": ttype,
        "target_id": tid,
        "target_label": tlabel,
        "summary": summary,
        "ip_address": None if kind == 0 else f"10.{i % 7}.{i % 251}.{i % 199 + 1}",
    }


def build_chain(n: int, batch: int) -> tuple[list[bytes], str, float, float]:
    """Insert n valid chained events. Returns (payloads, last hash, seconds hashing, seconds inserting)."""
    from django.db import connection, transaction

    from renda.core.audit import GENESIS_HASH, HASH_ALGORITHM, canonical_payload, compute_hash
    from renda.core.models import AuditChainHead

    users, congresses = _fixtures()
    ops = connection.ops
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    previous = GENESIS_HASH
    payloads: list[bytes] = []
    hash_seconds = insert_seconds = 0.0
    connection.ensure_connection()
    raw = connection.connection
    for start in range(1, n + 1, batch):
        rows = []
        t0 = time.perf_counter()
        for sequence in range(start, min(start + batch, n + 1)):
            fields = _event_fields(sequence, users, congresses)
            occurred_at = base + dt.timedelta(seconds=sequence * 7.3, microseconds=(sequence * 7919) % 1_000_000)
            payload = canonical_payload(sequence=sequence, occurred_at=occurred_at, previous_hash=previous, **fields)
            event_hash = compute_hash(payload, HASH_ALGORITHM)
            payloads.append(payload)
            rows.append(
                (
                    sequence,
                    ops.adapt_datetimefield_value(occurred_at),
                    fields["actor_id"],
                    fields["actor_label"],
                    fields["acting_role"],
                    fields["congress_id"],
                    fields["action"],
                    fields["target_type"],
                    fields["target_id"],
                    fields["target_label"],
                    ops.adapt_json_value(fields["summary"], None),
                    fields["ip_address"],
                    previous,
                    event_hash,
                    HASH_ALGORITHM,
                )
            )
            previous = event_hash
        t1 = time.perf_counter()
        with transaction.atomic():
            raw.executemany(INSERT_SQL, rows)
        insert_seconds += time.perf_counter() - t1
        hash_seconds += t1 - t0
    AuditChainHead.objects.update_or_create(pk=1, defaults={"last_sequence": n, "last_hash": previous})
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.execute("ANALYZE")
    return payloads, previous, hash_seconds, insert_seconds


CPU_SECONDS: dict[str, list[float]] = {}


def timed(fn, label: str = "") -> tuple[float, object]:
    """Wall-clock seconds (what the target is about) and, recorded under label, process CPU seconds."""
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    if label:
        CPU_SECONDS.setdefault(label, []).append(time.process_time() - c0)
    return wall, result


def iterate_only() -> int:
    from renda.core.audit import _iterate_events

    count = 0
    for _row in _iterate_events(20_000):
        count += 1
    return count


def iterate_and_build_payloads() -> int:
    from renda.core.audit import _iterate_events, payload_from_row

    count = 0
    for row in _iterate_events(20_000):
        payload_from_row(row)
        count += 1
    return count


def raw_sqlite_iterate() -> int:
    from django.db import connection

    from renda.core.audit import _VERIFY_FIELDS

    columns = ", ".join(f'"{c}"' for c in _VERIFY_FIELDS)
    cursor = connection.connection.cursor()
    count = 0
    for _row in cursor.execute(f"SELECT {columns} FROM core_auditevent ORDER BY sequence"):
        count += 1
    cursor.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=TARGET_EVENTS)
    parser.add_argument("--runs", type=int, default=3, help="timed verify_chain runs (median reported)")
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="keep the temp database")
    args = parser.parse_args()
    n = args.events

    load_at_start = loadavg()
    db_path = bootstrap("audit")
    try:
        from django.db import connection

        from renda.core.audit import HASH_ALGORITHM, compute_hash, verify_chain

        t0 = time.perf_counter()
        payloads, _last_hash, gen_hash_s, gen_insert_s = build_chain(n, args.batch)
        build_s = time.perf_counter() - t0
        db_mb = db_path.stat().st_size / 1e6

        # The target figure: verify_chain over the whole chain.
        verify_runs = []
        for _ in range(max(1, args.runs)):
            seconds, report = timed(verify_chain, "verify")
            assert report.ok and report.checked == n, report  # the generated chain must be valid
            verify_runs.append(seconds)
        verify_s = median(verify_runs)

        iterate_s, count = timed(iterate_only, "iterate")
        assert count == n
        payload_s, count = timed(iterate_and_build_payloads, "payload")
        assert count == n

        def hash_loop() -> int:
            for payload in payloads:
                compute_hash(payload, HASH_ALGORITHM)
            return len(payloads)

        hash_s, count = timed(hash_loop, "hash")
        assert count == n
        raw_iter_s, count = timed(raw_sqlite_iterate, "raw")
        assert count == n
        avg_payload = sum(map(len, payloads)) / n
        payloads.clear()  # free ~300 MB before the tamper run

        # Tamper with one event (the trigger forbids UPDATE, so drop it on this temp DB first).
        tampered_sequence = max(1, (n * 3) // 5 + 17) if n > 40 else max(1, n // 2)
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
            cursor.execute(
                "UPDATE core_auditevent SET target_label = target_label || '（已篡改）' WHERE sequence = %s",
                [tampered_sequence],
            )
        tamper_s, tamper_report = timed(verify_chain)
        tamper_detected = (not tamper_report.ok) and tamper_report.first_bad_sequence == tampered_sequence

        # Where verify_chain's CPU time goes, from the baselines' CPU seconds (wall time is too noisy here).
        verify_cpu = median(CPU_SECONDS["verify"])
        iterate_cpu, payload_cpu, hash_cpu = (CPU_SECONDS[k][0] for k in ("iterate", "payload", "hash"))
        split = {
            "iterate": iterate_cpu / verify_cpu,
            "payload": (payload_cpu - iterate_cpu) / verify_cpu,
            "hash": hash_cpu / verify_cpu,
        }
        split["rest"] = 1 - sum(split.values())
        rate = n / verify_s
        verdict_time_s = verify_s if n == TARGET_EVENTS else verify_s * TARGET_EVENTS / n
        passed = verdict_time_s < TARGET_SECONDS
        data = {
            "benchmark": "audit_verify",
            "events": n,
            "hash_algorithm": HASH_ALGORITHM,
            "avg_payload_bytes": round(avg_payload, 1),
            "db_file_mb": round(db_mb, 1),
            "build_chain_s": round(build_s, 2),
            "build_hashing_s": round(gen_hash_s, 2),
            "build_insert_s": round(gen_insert_s, 2),
            "verify_runs_s": [round(x, 2) for x in verify_runs],
            "verify_median_s": round(verify_s, 2),
            "verify_events_per_s": round(rate),
            "baseline_iterate_values_list_s": round(iterate_s, 2),
            "baseline_iterate_plus_payload_s": round(payload_s, 2),
            "baseline_hash_loop_s": round(hash_s, 2),
            "diagnostic_raw_sqlite_iterate_s": round(raw_iter_s, 2),
            "ratio_verify_to_iterate": round(verify_s / iterate_s, 2),
            "ratio_verify_to_hash_loop": round(verify_s / hash_s, 2),
            "ratio_verify_to_iterate_plus_hash": round(verify_s / (iterate_s + hash_s), 2),
            "cpu_share_of_verify": {key: round(value, 3) for key, value in split.items()},
            "tampered_sequence": tampered_sequence,
            "tamper_reported_sequence": tamper_report.first_bad_sequence,
            "tamper_problem": tamper_report.problem,
            "tamper_verify_s": round(tamper_s, 2),
            "tamper_detected": tamper_detected,
            "projected_1m_s": round(verdict_time_s, 2),
            "target": f"verify {TARGET_EVENTS:,} events < {TARGET_SECONDS:.0f} s",
            "target_met": passed,
            "cpu_seconds": {key: [round(x, 2) for x in values] for key, values in CPU_SECONDS.items()},
            "loadavg_at_start": load_at_start,
            "environment": environment(),
        }
        rows = [
            ("events", f"{n:,} ({HASH_ALGORITHM}, avg payload {avg_payload:.0f} B, DB {db_mb:.0f} MB)"),
            (
                "build chain (hash + insert)",
                f"{build_s:.1f} s ({gen_hash_s:.1f} s hashing, {gen_insert_s:.1f} s insert)",
            ),
            ("verify_chain runs (wall)", ", ".join(f"{x:.2f} s" for x in verify_runs)),
            ("verify_chain runs (process CPU)", ", ".join(f"{x:.2f} s" for x in CPU_SECONDS["verify"])),
            ("**verify_chain median**", f"**{verify_s:.2f} s = {rate:,.0f} events/s**"),
            ("baseline A: iterate values_list only", f"{iterate_s:.2f} s (verify / A = {verify_s / iterate_s:.2f}x)"),
            ("baseline B: iterate + canonical_payload", f"{payload_s:.2f} s"),
            ("baseline C: compute_hash loop over payloads", f"{hash_s:.2f} s (verify / C = {verify_s / hash_s:.2f}x)"),
            ("verify / (A + C)", f"{verify_s / (iterate_s + hash_s):.2f}x"),
            ("diagnostic: raw sqlite3 iterate", f"{raw_iter_s:.2f} s"),
            (
                "CPU s: iterate / +payload / hash / raw",
                " / ".join(f"{CPU_SECONDS[k][0]:.2f}" for k in ("iterate", "payload", "hash", "raw")),
            ),
            ("load average start → end", f"{load_at_start} → {loadavg()}"),
            (
                "split of verify CPU time",
                f"iterate {split['iterate']:.0%}, payload {split['payload']:.0%}, hash {split['hash']:.0%}, rest {split['rest']:.0%}",
            ),
            (
                "tamper test",
                f"edited #{tampered_sequence}, verify_chain reported #{tamper_report.first_bad_sequence}: {tamper_report.problem} ({tamper_s:.2f} s)",
            ),
        ]
        scale = "" if n == TARGET_EVENTS else f" (projected linearly from {n:,} events: {verdict_time_s:.1f} s)"
        verdicts = [
            f"Target verify {TARGET_EVENTS:,} events < {TARGET_SECONDS:.0f} s: {'PASS' if passed else 'FAIL'}{scale}",
            f"Tamper detection: {'PASS' if tamper_detected else 'FAIL'}",
        ]
        emit("audit_verify", rows, verdicts, data)
    finally:
        cleanup(keep=args.keep)


if __name__ == "__main__":
    main()
