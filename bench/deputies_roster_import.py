"""Target of issue #5 point 1: a 5,000-row roster import (代表名册导入) in under 20 s, on SQLite.

Measured: the whole import as the page does it, ``roster_io.parse`` (read the .xlsx and check
every row) then ``roster_io.roster_import`` (bulk insert of logins, profiles, terms and deputy
roles, one audit event), on a fresh congress each run so every run inserts all the rows.
Baseline in the same run: reading the same file with openpyxl alone (read-only, values only),
the part of the work that no implementation can avoid.

    .venv/bin/python bench/deputies_roster_import.py
    .venv/bin/python bench/deputies_roster_import.py --rows 1000 --runs 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import time

from _common import bootstrap, cleanup, emit, environment, loadavg, median

TARGET_S = 20.0


def _workbook(rows: int, delegations: list[str], first: int) -> bytes:
    """``rows`` valid rows numbered from ``first``: ID, phone and card numbers are unique across runs."""
    from openpyxl import Workbook

    from renda.deputies import roster_io
    from renda.deputies.actions.roster import make_id_number

    rng = random.Random(5)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("代表名册")
    sheet.append(list(roster_io.TEMPLATE_COLUMNS))
    for number in range(first, first + rows):
        gender = "女" if rng.random() < 0.3 else "男"
        born = dt.date(rng.randint(1958, 1992), rng.randint(1, 12), rng.randint(1, 28))
        sheet.append(
            [
                f"代表{number:06d}",
                gender,
                "汉族",
                born,
                rng.choice(["中共党员", "无党派人士", "群众", "民建会员"]),
                rng.choice(["工人", "农民", "专业技术人员", "党政领导干部", "企业负责人"]),
                "江城市某单位",
                "职务",
                f"150{number:08d}",
                make_id_number(
                    # One region code per 500 people keeps (region, order digits) unique.
                    region=f"42{number // 500:04d}",
                    birth_date=born,
                    sequence=number,
                    gender="female" if gender == "女" else "male",
                ),
                f"R{number:06d}",
                17,
                delegations[number % len(delegations)],
                "",
                dt.date(2022, 1, 1),
                None,
            ]
        )
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _world(index: int) -> tuple[object, object, list[str]]:
    """A fresh city with six delegations and a committee staff member acting in it."""
    from renda.accounts.models import User
    from renda.organizations.models import Congress, RoleAssignment, Unit, UnitKind
    from renda.organizations.roles import Role

    city = Congress.objects.create(name=f"基准市{index}人民代表大会", code=f"bench{index}", level="city")
    names = [f"第{n}代表团" for n in range(1, 7)]
    for order, name in enumerate(names):
        Unit.objects.create(congress=city, name=name, kind=UnitKind.DELEGATION, sort_order=order)
    office = Unit.objects.create(congress=city, name="人代工委", kind=UnitKind.WORKING_BODY)
    staff = User.objects.create(username=f"bench-staff-{index}")
    staff.active_assignment = RoleAssignment.objects.create(
        user=staff, congress=city, role=Role.COMMITTEE_STAFF, unit=office
    )
    return city, staff, names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    load_at_start = loadavg()
    bootstrap("deputies-roster")
    try:
        from openpyxl import load_workbook

        from renda.deputies import roster_io

        import_s: list[float] = []
        parse_s: list[float] = []
        baseline_s: list[float] = []
        file_bytes = 0
        for run in range(args.runs):
            # Each run imports new people into its own congress (a person is on the roster once).
            city, staff, names = _world(run)
            data = _workbook(args.rows, names, first=1 + run * args.rows)
            file_bytes = len(data)

            began = time.perf_counter()
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
            count = sum(1 for _row in sheet.iter_rows(values_only=True))
            baseline_s.append(time.perf_counter() - began)
            assert count == args.rows + 1

            began = time.perf_counter()
            report = roster_io.parse(data, congress=city)  # type: ignore[arg-type]
            parsed = time.perf_counter()
            result = roster_io.roster_import(
                actor=staff,  # type: ignore[arg-type]
                congress=city,  # type: ignore[arg-type]
                report=report,
                valid_only=False,
            )
            import_s.append(time.perf_counter() - began)
            parse_s.append(parsed - began)
            assert report.invalid == 0, report.invalid_rows[:1]
            assert result.profiles == args.rows

        total = median(import_s)
        rows = [
            ("rows", f"{args.rows:,} ({file_bytes / 1e6:.1f} MB .xlsx)"),
            ("runs", str(args.runs)),
            ("import, median / max (s)", f"{total:.2f} / {max(import_s):.2f}"),
            ("  of which parse + check, median (s)", f"{median(parse_s):.2f}"),
            ("baseline: openpyxl read of the same file, median (s)", f"{median(baseline_s):.2f}"),
            ("import / baseline", f"{total / median(baseline_s):.1f}×"),
            ("load average at start / end", f"{load_at_start} / {loadavg()}"),
        ]
        verdict = "PASS" if total < TARGET_S else "FAIL"
        emit(
            "Roster import (代表名册导入)",
            rows,
            [f"{verdict}: {args.rows:,}-row import median {total:.2f} s (target < {TARGET_S:.0f} s)"],
            {
                "rows": args.rows,
                "runs": args.runs,
                "import_s": {"median": round(total, 3), "max": round(max(import_s), 3)},
                "parse_s_median": round(median(parse_s), 3),
                "baseline_openpyxl_read_s_median": round(median(baseline_s), 3),
                "environment": environment(),
            },
        )
    finally:
        cleanup(keep=args.keep)


if __name__ == "__main__":
    main()
