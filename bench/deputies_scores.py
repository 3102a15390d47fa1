"""Target of issue #5: the scores of 10,000 deputies from 1,000,000 duty entries in under 30 s, on SQLite.

Data: one city, N deputies (default 10,000) with a user, a roster profile and a term, and M
duty entries (default 1,000,000) over 2025–2026 written with one raw ``executemany`` per batch
(the actions would take hours): 90 % verified, 7 % pending, 3 % rejected, kinds weighted like
a real year, so most deputies hit some caps and the grades spread over good/fair/poor.

Measured: ``renda.deputies.actions.scoring.scores_compute`` for 2026 up to quarter 4, as the
committee staff (permission, the aggregate, the explanation of every deputy, the upsert of
every row and one audit event), wall clock, median of ``--runs`` (default 3). The first run
inserts the rows, the later ones update them in place; both are reported. Baseline in the same
run: the bare aggregate query (``scoring.verified_counts``) that the computation starts from.

    .venv/bin/python bench/deputies_scores.py
    .venv/bin/python bench/deputies_scores.py --deputies 1000 --entries 100000 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median

TARGET_S = 30.0

KIND_WEIGHTS = {
    "attend_session": 2,
    "attend_sc": 6,
    "absent": 1,
    "inspection": 8,
    "research": 8,
    "law_inspection": 4,
    "group_activity": 12,
    "station_reception": 14,
    "contact_citizens": 18,
    "contacted_by_sc": 3,
    "suggestion": 8,
    "suggestion_cosigned": 6,
    "motion": 1,
    "training": 4,
    "report_to_electors": 1,
    "practical_deed": 3,
    "other": 1,
}


def build(deputies: int, entries: int, *, seed: int = 5) -> tuple[object, object]:
    from django.db import connection, transaction
    from django.utils import timezone

    from renda.accounts.models import User
    from renda.deputies.actions import scoring as actions
    from renda.deputies.models import DeputyProfile, DeputyTerm
    from renda.organizations.models import Congress, RoleAssignment, Unit

    rng = random.Random(seed)
    city = Congress.objects.create(name="江城市人民代表大会", code="city", level="city")
    office = Unit.objects.create(congress=city, name="人代选任工委", kind="working_body")
    delegations = [
        Unit.objects.create(congress=city, name=f"第{index:02d}代表团", kind="delegation") for index in range(12)
    ]
    staff = User.objects.create(username="staff", full_name="书记员")
    staff.active_assignment = RoleAssignment.objects.create(  # type: ignore[attr-defined]
        user=staff, congress=city, role="committee_staff", unit=office
    )
    User.objects.bulk_create(
        (User(username=f"d{index:05d}", full_name=f"代表{index}") for index in range(deputies)), batch_size=2000
    )
    users = list(User.objects.filter(username__startswith="d").order_by("pk").values_list("pk", flat=True))
    DeputyProfile.objects.bulk_create(
        (
            DeputyProfile(
                user_id=user_id,
                name=f"代表{index}",
                gender="male" if index % 2 else "female",
                birth_date=dt.date(1960 + index % 35, 1 + index % 12, 1 + index % 28),
                party="cpc",
                occupation="worker",
                public_code=f"b{index:07d}",
            )
            for index, user_id in enumerate(users)
        ),
        batch_size=2000,
    )
    profiles = list(DeputyProfile.objects.order_by("pk").values_list("pk", flat=True))
    DeputyTerm.objects.bulk_create(
        (
            DeputyTerm(
                profile_id=profile_id,
                congress=city,
                term_number=17,
                delegation=delegations[index % len(delegations)],
                starts_on=dt.date(2022, 1, 1),
            )
            for index, profile_id in enumerate(profiles)
        ),
        batch_size=2000,
    )
    # Each deputy's activity level differs, so the totals spread over the three grades.
    activity = [rng.uniform(0.2, 1.8) for _ in profiles]
    kinds = list(KIND_WEIGHTS)
    weights = list(KIND_WEIGHTS.values())
    start = dt.date(2025, 1, 1)
    now = timezone.now().isoformat()
    sql = (
        "INSERT INTO deputies_dutyentry (profile_id, congress_id, term_id, date, kind, title, detail, hours, source,"
        " status, linked_type, linked_id, verified_by_id, verified_at, reject_reason, created_by_id, created_at)"
        " VALUES (%s, %s, NULL, %s, %s, %s, '', NULL, 'staff', %s, '', '', NULL, NULL, '', NULL, %s)"
    )
    batch = 50_000
    made = 0
    with connection.cursor() as cursor:
        while made < entries:
            size = min(batch, entries - made)
            chosen = rng.choices(range(len(profiles)), weights=activity, k=size)
            kind_list = rng.choices(kinds, weights=weights, k=size)
            rows = []
            for offset in range(size):
                kind = kind_list[offset]
                day = start + dt.timedelta(days=rng.randrange(730))
                status = rng.choices(("verified", "pending", "rejected"), (90, 7, 3))[0]
                rows.append(
                    (profiles[chosen[offset]], city.pk, day.isoformat(), kind, f"{kind} {made + offset}", status, now)
                )
            with transaction.atomic():
                cursor.executemany(sql, rows)
            made += size
    actions.scheme_create(actor=staff, congress=city, name="江城市人大代表履职积分办法", effective_year=2025)
    return city, staff


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deputies", type=int, default=10_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    load_at_start = loadavg()
    bootstrap("deputies-scores")
    try:
        from renda.deputies import scoring
        from renda.deputies.actions import scoring as actions
        from renda.deputies.models import DeputyScore, DutyEntry

        started = time.perf_counter()
        city, staff = build(args.deputies, args.entries)
        build_s = time.perf_counter() - started
        assert DutyEntry.objects.count() == args.entries

        baseline_s = []
        for _ in range(args.runs):
            began = time.perf_counter()
            counts = scoring.verified_counts(city, 2026, 4)  # type: ignore[arg-type]
            baseline_s.append(time.perf_counter() - began)
        compute_s = []
        results = []
        for _ in range(args.runs):
            began = time.perf_counter()
            result = actions.scores_compute(actor=staff, congress=city, year=2026, quarter=4)  # type: ignore[arg-type]
            compute_s.append(time.perf_counter() - began)
            results.append(result)
        scored = DeputyScore.objects.filter(year=2026, quarter=4).count()
        assert scored == args.deputies, scored
        last = results[-1]
        projected = median(compute_s) * (1_000_000 / args.entries) if args.entries < 1_000_000 else median(compute_s)
        rows = [
            ("deputies / entries", f"{args.deputies:,} / {args.entries:,}"),
            ("verified entries counted (2026)", f"{last.entries:,}"),
            ("deputies with entries in 2026", f"{len(counts):,}"),
            ("grades (good / fair / poor)", " / ".join(str(last.by_grade[g]) for g in ("good", "fair", "poor"))),
            ("build (raw bulk inserts)", f"{build_s:.1f} s"),
            ("baseline: aggregate query, median", f"{median(baseline_s):.2f} s"),
            ("scores_compute, median of runs", f"{median(compute_s):.2f} s"),
            ("scores_compute, first run (inserts)", f"{compute_s[0]:.2f} s"),
            ("scores_compute, all runs", ", ".join(f"{value:.2f}" for value in compute_s)),
            ("compute / baseline", f"{median(compute_s) / max(median(baseline_s), 1e-9):.1f}×"),
        ]
        full = args.entries >= 1_000_000 and args.deputies >= 10_000
        verdicts = [
            f"Scores of {args.deputies:,} deputies < {TARGET_S:.0f} s: "
            f"{'MET' if max(compute_s) < TARGET_S else 'MISSED'} (max {max(compute_s):.2f} s)"
            + ("" if full else f"; smaller than the target size, linear projection {projected:.1f} s")
        ]
        data = {
            "deputies": args.deputies,
            "entries": args.entries,
            "build_s": round(build_s, 2),
            "baseline_aggregate_s": [round(value, 3) for value in baseline_s],
            "compute_s": [round(value, 3) for value in compute_s],
            "by_grade": last.by_grade,
            "environment": {**environment(), "loadavg_at_start": load_at_start},
        }
        emit(f"Deputy scores: {args.deputies:,} deputies, {args.entries:,} entries", rows, verdicts, data)
    finally:
        cleanup(keep=args.keep)


if __name__ == "__main__":
    main()
