"""Target: 1,000 deputies vote within 60 s through gunicorn on PostgreSQL; every vote accepted, p95 < 300 ms.

Creates a throw-away PostgreSQL database (``renda_bench_vote_<random>`` on
127.0.0.1:5432 unless ``--pg`` says otherwise), migrates it with
``manage.py migrate``, and builds real data with Renda's own code: a city
congress, one committee staff member, ``--voters`` deputies with the deputy
role, a personal token each (``token_create``), and an open secret ballot
"13 candidates, choose 10" (``ballot_create`` + ``ballot_open``, rule
``select_k_of_n``) with those deputies as electorate.

Then it starts gunicorn (``renda.wsgi``, ``--workers`` x ``--threads``, on a
free loopback port, development settings with DEBUG off) and has every deputy
POST ``/api/v1/ballots/{id}/votes`` with their Bearer token from a pool of
``--clients`` threads, each thread on its own keep-alive connection. Each
voter marks 10 of the 13 candidates, drawn with a fixed seed. Latency is
measured around each request (send to last byte of the response).

Checks: every response is 201; the database holds exactly one voter row, one
sheet and ten marks per deputy; after ``ballot_close`` the tally equals the
marks cast, candidate by candidate. Also timed: the count itself
(``compute_tally`` alone, median of 5, and the whole ``ballot_close``) against
the "< 1 s" target. Baseline in the same run and through the same gunicorn:
200 ``GET /api/v1/me`` with a token, one client, and again from the same
thread pool. Gunicorn is stopped and the database dropped in all cases.

    .venv/bin/python bench/vote_gunicorn.py
    .venv/bin/python bench/vote_gunicorn.py --voters 100 --clients 10
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, emit, environment, git_revision, loadavg, median, percentile

TARGET_WALL_S = 60.0
TARGET_P95_MS = 300.0
TARGET_TALLY_S = 1.0
CANDIDATES = 13
CHOOSE = 10
HOST = "127.0.0.1"
REQUEST_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def create_database(pg: str) -> str:
    import psycopg

    name = f"renda_bench_vote_{secrets.token_hex(4)}"
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_database(pg: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Client:
    """One keep-alive HTTP/1.1 connection per thread; reconnects when the server has closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0

    def request(self, method: str, path: str, token: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        headers = {"Authorization": f"Bearer {token}", "Host": HOST}
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            fresh = self.conn is None
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT_S)
                self.reconnects += 1
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # An idle keep-alive connection the server had already closed: nothing reached Django,
                # so resend once on a new connection. A duplicate vote would come back as already_voted.
                self.conn.close()
                self.conn = None
                if fresh or attempt:
                    raise
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, data, elapsed
        raise AssertionError("unreachable")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--voters", type=int, default=1_000)
    parser.add_argument("--clients", type=int, default=50, help="concurrent client threads")
    parser.add_argument(
        "--spread-seconds",
        type=float,
        default=0.0,
        help="0: every voter submits as fast as the clients allow (saturation); S > 0: each voter submits at a"
        " random moment within S seconds (the issue's '1,000 deputies voting within 60 s')",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker (gthread)")
    parser.add_argument("--baseline-requests", type=int, default=200)
    parser.add_argument("--max-seconds", type=float, default=180.0, help="stop submitting votes after this")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server URL, no database")
    args = parser.parse_args()
    load_at_start = loadavg()
    temp_dir = Path(tempfile.mkdtemp(prefix="renda-bench-vote-"))
    db_name = create_database(args.pg)
    server: subprocess.Popen[bytes] | None = None
    server_log = temp_dir / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "renda.settings",
        "DATABASE_URL": f"{args.pg}/{db_name}",
        "RENDA_ENV": "development",  # production would add the HTTPS redirect
        "RENDA_DEBUG": "0",
        "RENDA_ALLOWED_HOSTS": HOST,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "RENDA_VAR_DIR": str(temp_dir),  # media etc. never go to var/
        "RENDA_LOG_LEVEL": "WARNING",
    }
    env.pop("RENDA_SQLITE_PATH", None)
    os.environ.update(env)
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, "manage.py", "migrate", "--verbosity", "0"], cwd=REPO_ROOT, env=env, check=True)
        migrate_s = time.perf_counter() - started

        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth.hashers import make_password
        from django.db import connection, connections
        from django.utils import timezone

        assert connection.vendor == "postgresql" and settings.DATABASES["default"]["NAME"] == db_name
        assert not settings.DEBUG

        from renda.accounts.actions import token_create
        from renda.accounts.models import User
        from renda.ballots import actions
        from renda.ballots.models import Ballot, BallotMark, BallotSheet, BallotVoter, ElectorateMember
        from renda.organizations.models import Congress, RoleAssignment, Unit
        from renda.organizations.roles import Role

        started = time.perf_counter()
        city = Congress.objects.create(name="江城市人民代表大会", code="bench-city", level="city")
        office = Unit.objects.create(congress=city, name="市人大常委会代表工作委员会", kind="working_body")
        staff = User.objects.create(username="bench-staff", full_name="工作人员", password=make_password(None))
        staff_role = RoleAssignment.objects.create(user=staff, congress=city, role=Role.COMMITTEE_STAFF, unit=office)
        staff.active_assignment = staff_role
        now = timezone.now()
        unusable = make_password(None)
        voters = User.objects.bulk_create(
            [
                User(username=f"deputy{i:04d}", full_name=f"代表{i:04d}", password=unusable, password_changed_at=now)
                for i in range(args.voters)
            ]
        )
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=voter, congress=city, role=Role.DEPUTY) for voter in voters]
        )
        tokens = {voter.pk: token_create(user=voter, name="表决基准")[1] for voter in voters}
        staff_token = token_create(user=staff, name="表决基准")[1]
        import datetime as dt

        ballot = actions.ballot_create(
            actor=staff,
            congress=city,
            title="选举市人大常委会委员（基准测试）",
            rule="select_k_of_n",
            questions=[
                actions.QuestionSpec(text="常委会委员", options=[f"候选人{i + 1:02d}" for i in range(CANDIDATES)])
            ],
            electorate=voters,
            opens_at=now - dt.timedelta(minutes=5),
            closes_at=now + dt.timedelta(hours=2),
            k=CHOOSE,
        )
        ballot = actions.ballot_open(actor=staff, ballot=ballot)
        question = ballot.questions.get()
        options = list(question.options.order_by("order").values_list("pk", flat=True))
        setup_s = time.perf_counter() - started
        assert ElectorateMember.objects.filter(ballot=ballot).count() == args.voters

        rng = random.Random(args.seed)
        choices = {voter.pk: sorted(rng.sample(options, CHOOSE)) for voter in voters}
        jobs = [voter.pk for voter in voters]
        rng.shuffle(jobs)
        connections.close_all()

        port = free_port()
        with server_log.open("wb") as log:
            server = subprocess.Popen(
                [
                    str(REPO_ROOT / ".venv" / "bin" / "gunicorn"),
                    "renda.wsgi",
                    "-w",
                    str(args.workers),
                    "--threads",
                    str(args.threads),
                    "-b",
                    f"{HOST}:{port}",
                    "--log-level",
                    "warning",
                ],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {server_log.read_text()[-2000:]}")
            try:
                status, _, _ = Client(port).request("GET", "/api/v1/me", staff_token)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer within 60 s")
            time.sleep(0.2)

        local = threading.local()
        all_clients: list[Client] = []
        lock = threading.Lock()

        def client() -> Client:
            existing = getattr(local, "client", None)
            if existing is None:
                existing = local.client = Client(port)
                with lock:
                    all_clients.append(existing)
            return existing

        def get_me(_index: int) -> float:
            status, _, elapsed = client().request("GET", "/api/v1/me", staff_token)
            assert status == 200, status
            return elapsed

        # Warm every worker (imports, first connections), then the baselines.
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            list(pool.map(get_me, range(4 * args.workers * args.threads)))
        single = Client(port)
        me_single = []
        for _ in range(args.baseline_requests):
            status, _, elapsed = single.request("GET", "/api/v1/me", staff_token)
            assert status == 200
            me_single.append(elapsed)
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            me_pool = list(pool.map(get_me, range(args.baseline_requests)))

        vote_path = f"/api/v1/ballots/{ballot.pk}/votes"
        window_end = time.monotonic() + args.max_seconds

        rng_arrivals = random.Random(args.seed + 1)
        arrival = {voter_id: rng_arrivals.uniform(0, args.spread_seconds) for voter_id in jobs}
        jobs = sorted(jobs, key=lambda voter_id: arrival[voter_id])
        schedule_start = time.monotonic()

        def vote(voter_id: int) -> tuple[int, int, float, bytes]:
            delay = schedule_start + arrival[voter_id] - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            if time.monotonic() > window_end:
                return voter_id, 0, 0.0, b"not submitted: window over"
            body = json.dumps({"choices": [{"question_id": question.pk, "option_ids": choices[voter_id]}]}).encode()
            try:
                status, data, elapsed = client().request("POST", vote_path, tokens[voter_id], body)
            except (OSError, http.client.HTTPException) as error:
                return voter_id, -1, 0.0, repr(error).encode()
            return voter_id, status, elapsed, data

        load_before_votes = loadavg()
        all_clients.clear()
        local = threading.local()
        schedule_start = time.monotonic()
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            outcomes = list(pool.map(vote, jobs))
        vote_wall_s = time.perf_counter() - started
        load_after_votes = loadavg()

        accepted = [voter_id for voter_id, status, _, _ in outcomes if status == 201]
        failures: dict[str, int] = {}
        for _voter_id, status, _, data in outcomes:
            if status != 201:
                key = f"{status} {data[:120].decode(errors='replace')}"
                failures[key] = failures.get(key, 0) + 1
        latencies = [elapsed for _, status, elapsed, _ in outcomes if status > 0]
        receipts_ok = all(
            len(json.loads(data).get("receipt", "")) >= 16 for _, status, _, data in outcomes if status == 201
        )

        voter_rows = BallotVoter.objects.filter(ballot=ballot).count()
        distinct_voters = BallotVoter.objects.filter(ballot=ballot).values("user").distinct().count()
        sheets = BallotSheet.objects.filter(ballot=ballot).count()
        marks = BallotMark.objects.filter(sheet__ballot=ballot).count()
        expected_marks = sum(len(choices[voter_id]) for voter_id in accepted)

        tally_runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            actions.compute_tally(Ballot.objects.get(pk=ballot.pk))
            tally_runs.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        closed = actions.ballot_close(actor=staff, ballot=Ballot.objects.get(pk=ballot.pk))
        close_s = time.perf_counter() - t0
        assert closed.tally is not None and closed.result is not None
        counted = {row["option"]: row["votes"] for row in closed.tally["questions"][0]["options"]}
        expected = {option: sum(option in choices[voter_id] for voter_id in accepted) for option in options}
        tally_matches = counted == expected and sum(counted.values()) == marks
        outcome = closed.result["questions"][0] if closed.result.get("questions") else {}
        elected = {"status": outcome.get("status"), "elected": len(outcome.get("elected", []))}

        # --- verdicts ---
        all_accepted = len(accepted) == args.voters and not failures
        db_ok = voter_rows == distinct_voters == sheets == args.voters and marks == expected_marks
        p50, p95, p99, worst = (
            median(latencies),
            percentile(latencies, 95),
            percentile(latencies, 99),
            max(latencies),
        )
        wall_ok = vote_wall_s < TARGET_WALL_S
        p95_ok = p95 < TARGET_P95_MS
        tally_s = median(tally_runs)
        met = all_accepted and db_ok and tally_matches and wall_ok and p95_ok
        verdicts = [
            f"Every vote accepted (201) and stored once: {'MET' if all_accepted and db_ok else 'MISSED'} "
            f"({len(accepted):,}/{args.voters:,} accepted; DB voters {voter_rows:,}, sheets {sheets:,}, "
            f"marks {marks:,} of {expected_marks:,} expected)",
            f"Tally equals the marks cast, candidate by candidate: {'MET' if tally_matches else 'MISSED'} "
            f"(sum {sum(counted.values()):,})",
            f"All votes within {TARGET_WALL_S:.0f} s: {'MET' if wall_ok else 'MISSED'} ({vote_wall_s:.1f} s)",
            f"Vote p95 < {TARGET_P95_MS:.0f} ms: {'MET' if p95_ok else 'MISSED'} (p95 {p95:.1f} ms)",
            f"Count {args.voters:,} ballots of {CANDIDATES} candidates < {TARGET_TALLY_S:.0f} s: "
            f"{'MET' if close_s < TARGET_TALLY_S else 'MISSED'} "
            f"(compute_tally median {tally_s * 1000:.1f} ms; whole ballot_close {close_s * 1000:.1f} ms)",
            f"Overall: {'MET' if met else 'MISSED'}",
        ]
        rows = [
            ("voters / concurrent clients", f"{args.voters:,} / {args.clients}"),
            (
                "arrivals",
                f"spread at random over {args.spread_seconds:g} s" if args.spread_seconds else "as fast as possible",
            ),
            ("gunicorn", f"{args.workers} workers x {args.threads} threads (gthread), port {port}"),
            ("accepted (201)", f"{len(accepted):,}"),
            ("failures", json.dumps(failures, ensure_ascii=False) if failures else "none"),
            ("vote wall time (s)", f"{vote_wall_s:.2f}"),
            ("throughput (votes/s)", f"{len(accepted) / vote_wall_s:.1f}"),
            ("vote latency p50 / p95 / p99 / max (ms)", f"{p50:.1f} / {p95:.1f} / {p99:.1f} / {worst:.1f}"),
            (
                f"baseline GET /api/v1/me, 1 client, p50 / p95 (ms, n={args.baseline_requests})",
                f"{median(me_single):.1f} / {percentile(me_single, 95):.1f}",
            ),
            (
                f"baseline GET /api/v1/me, {args.clients} clients, p50 / p95 (ms, n={args.baseline_requests})",
                f"{median(me_pool):.1f} / {percentile(me_pool, 95):.1f}",
            ),
            ("vote p95 / concurrent /me p95", f"{p95 / percentile(me_pool, 95):.1f}x"),
            ("compute_tally median of 5 (ms)", f"{tally_s * 1000:.1f}"),
            ("ballot_close incl. count (ms)", f"{close_s * 1000:.1f}"),
            ("DB: voters / sheets / marks", f"{voter_rows:,} / {sheets:,} / {marks:,}"),
            ("setup: migrate / data (s)", f"{migrate_s:.1f} / {setup_s:.1f}"),
            (
                "load average start / before votes / after votes",
                f"{load_at_start} / {load_before_votes} / {load_after_votes}",
            ),
        ]
        data: dict[str, Any] = {
            "voters": args.voters,
            "clients": args.clients,
            "spread_seconds": args.spread_seconds,
            "gunicorn": {"workers": args.workers, "threads": args.threads, "worker_class": "gthread"},
            "candidates": CANDIDATES,
            "choose": CHOOSE,
            "accepted": len(accepted),
            "failures": failures,
            "receipts_ok": receipts_ok,
            "db": {"voters": voter_rows, "distinct_voters": distinct_voters, "sheets": sheets, "marks": marks},
            "tally_matches": tally_matches,
            "elected": elected,
            "vote_wall_s": round(vote_wall_s, 3),
            "throughput_per_s": round(len(accepted) / vote_wall_s, 1),
            "vote_ms": {"p50": round(p50, 1), "p95": round(p95, 1), "p99": round(p99, 1), "max": round(worst, 1)},
            "me_single_ms": {"p50": round(median(me_single), 1), "p95": round(percentile(me_single, 95), 1)},
            "me_pool_ms": {"p50": round(median(me_pool), 1), "p95": round(percentile(me_pool, 95), 1)},
            "client_connections_opened": sum(c.reconnects for c in all_clients),
            "compute_tally_ms": [round(t * 1000, 1) for t in tally_runs],
            "ballot_close_ms": round(close_s * 1000, 1),
            "setup_s": {"migrate": round(migrate_s, 1), "data": round(setup_s, 1)},
            "postgresql": connection.cursor().connection.info.server_version,
            "environment": {
                **environment(),
                "loadavg_at_start": load_at_start,
                "loadavg_before_votes": load_before_votes,
                "loadavg_after_votes": load_after_votes,
                "git": git_revision(),
            },
            "targets": {
                "wall_s": TARGET_WALL_S,
                "p95_ms": TARGET_P95_MS,
                "tally_s": TARGET_TALLY_S,
                "all_accepted": True,
            },
            "target_met": met,
        }
        data["environment"].pop("sqlite", None)
        emit(
            f"Ballots — {args.voters:,} votes through gunicorn on PostgreSQL",
            rows,
            verdicts,
            data,
        )
        errors_logged = server_log.read_text(errors="replace")
        if "Traceback" in errors_logged or "ERROR" in errors_logged:
            print("\ngunicorn log (tail):\n" + errors_logged[-3000:], file=sys.stderr)
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if "django.db" in sys.modules:  # imported only once Django was set up
            from django.db import connections

            connections.close_all()
        drop_database(args.pg, db_name)
        shutil.rmtree(temp_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
