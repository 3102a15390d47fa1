"""Target: the reminder scan over 1,000,000 open to-do items in under 60 s.

Fills a fresh SQLite file with N open items (default 1,000,000) spread over 40
units, due dates uniformly from 30 days ago to 335 days ahead (so about 2 % are
due within 7 days and 8 % are overdue), each unit with an officer and a head.
Then times one run of the periodic scan: ``send_due_reminders`` (7- and 1-day
reminders) and ``escalate_overdue`` (unit heads), which store their
notifications in bulk. A second run must send nothing (idempotence), and is
timed too. Baseline in the same run: one full ``SELECT`` over the open items.

    .venv/bin/python bench/reminder_scan.py
    .venv/bin/python bench/reminder_scan.py --items 100000
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from _common import bootstrap, cleanup, emit, environment, loadavg

TARGET_SECONDS = 60.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1_000_000)
    args = parser.parse_args()
    load_at_start = loadavg()
    bootstrap("reminders")
    try:
        from django.db import connection, transaction
        from django.utils import timezone

        from renda.accounts.models import User
        from renda.core import jobs
        from renda.core.models import Notification
        from renda.organizations.models import Congress, RoleAssignment, Unit

        city = Congress.objects.create(name="江城市人民代表大会", code="city", level="city")
        units = [
            Unit.objects.create(congress=city, name=f"部门{index:02d}", kind="government_department")
            for index in range(40)
        ]
        for unit in units:
            for role in ("unit_officer", "unit_head"):
                user = User.objects.create(username=f"{role}-{unit.pk}", email=f"{role}{unit.pk}@example.gov.cn")
                RoleAssignment.objects.create(user=user, congress=city, role=role, unit=unit)
        now = timezone.now()
        rng = random.Random(42)
        started = time.perf_counter()
        created = now.strftime("%Y-%m-%d %H:%M:%S")
        rows = (
            (
                city.pk,
                "bench.duty",
                f"答复第 {index} 号代表建议",
                units[index % 40].pk,
                (now + dt.timedelta(minutes=rng.randint(-30 * 1440, 335 * 1440)))
                .astimezone(dt.UTC)
                .strftime("%Y-%m-%d %H:%M:%S"),
                "open",
                created,
            )
            for index in range(args.items)
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO core_todoitem (congress_id, kind, title, assignee_unit_id, due_at, status, created_at,"
                " target_type, target_id, url, escalation_level) VALUES (%s, %s, %s, %s, %s, %s, %s, '', '', '/todo/', 0)",
                rows,
            )
        fill_seconds = time.perf_counter() - started

        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, due_at, assignee_unit_id FROM core_todoitem WHERE status = 'open'")
            scanned = len(cursor.fetchall())
        baseline_seconds = time.perf_counter() - started

        # Delivery runs on Celery workers in production; here each batch task is counted, not run, so the
        # figure is the scan itself (finding items, choosing recipients, storing the notifications).
        from renda.core import tasks

        queued_batches: list[tuple[int, int]] = []
        tasks.deliver_batch.delay = lambda emails, sms: queued_batches.append((len(emails), len(sms)))  # type: ignore[method-assign]
        started = time.perf_counter()
        reminders = jobs.send_due_reminders(now)
        heads, supervisors = jobs.escalate_overdue(now)
        scan_seconds = time.perf_counter() - started

        started = time.perf_counter()
        again = jobs.send_due_reminders(now) + sum(jobs.escalate_overdue(now))
        rerun_seconds = time.perf_counter() - started

        verdict = "MET" if scan_seconds < TARGET_SECONDS else "MISSED"
        emit(
            f"Reminder scan over {args.items:,} open to-do items",
            [
                ("open items", f"{scanned:,}"),
                ("fill (raw executemany), s", f"{fill_seconds:.1f}"),
                ("baseline: one SELECT over the open items, s", f"{baseline_seconds:.2f}"),
                ("scan (reminders + escalation), s", f"{scan_seconds:.1f}"),
                ("scan / baseline", f"{scan_seconds / baseline_seconds:.1f}x"),
                ("reminders stored", f"{reminders:,}"),
                ("escalations to unit heads stored", f"{heads:,}"),
                ("second run: messages / seconds", f"{again} / {rerun_seconds:.1f}"),
                ("notifications in the table", f"{Notification.objects.count():,}"),
                (
                    "delivery batches queued (not run here) / e-mails in them",
                    f"{len(queued_batches)} / {sum(emails for emails, _sms in queued_batches):,}",
                ),
            ],
            [f"Target < {TARGET_SECONDS:.0f} s: {verdict} ({scan_seconds:.1f} s)"],
            {
                "items": args.items,
                "scan_seconds": round(scan_seconds, 2),
                "baseline_seconds": round(baseline_seconds, 3),
                "reminders": reminders,
                "escalated_to_heads": heads,
                "escalated_to_supervisors": supervisors,
                "second_run_messages": again,
                "target": f"< {TARGET_SECONDS:.0f} s",
                "target_met": verdict == "MET" and again == 0,
                "summary": (
                    f"scan of {args.items:,} open items {scan_seconds:.1f} s; one SELECT over them "
                    f"{baseline_seconds:.2f} s ({scan_seconds / baseline_seconds:.1f}x)"
                ),
                "environment": {**environment(), "loadavg_at_start": load_at_start},
            },
        )
    finally:
        cleanup()


if __name__ == "__main__":
    main()
