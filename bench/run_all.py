"""Run every benchmark (Foundation I and II) at full size, one after another, each in its own process.

    .venv/bin/python bench/run_all.py                 # full sizes (about 5-10 minutes on 2 cores)
    .venv/bin/python bench/run_all.py --quick         # small sizes, a smoke test only
    .venv/bin/python bench/run_all.py --out /tmp/bench.md

Each script prints a markdown table, PASS/FAIL lines and a JSON block; this
runner streams them, then prints one summary table. Exit status is 1 if any
target is missed or any script fails.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent

FULL = {
    "audit_verify.py": ["--events", "1000000", "--runs", "3"],
    "action_rate.py": ["--actions", "3000", "--reps", "3"],
    "home_page.py": ["--requests", "200"],
    "calendar_rate.py": [],
    "todo_page.py": ["--items", "10000", "--requests", "200"],
    "reminder_scan.py": ["--items", "1000000"],
    "suggestions.py": ["--items", "100000", "--requests", "100"],
}
QUICK = {
    "audit_verify.py": ["--events", "20000", "--runs", "1"],
    "action_rate.py": ["--actions", "300", "--reps", "1"],
    "home_page.py": ["--requests", "20"],
    "calendar_rate.py": ["--calls", "20000", "--runs", "1"],
    "todo_page.py": ["--items", "1000", "--requests", "20"],
    "reminder_scan.py": ["--items", "20000"],
    "suggestions.py": ["--items", "5000", "--requests", "10"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes: checks the scripts run, proves nothing")
    parser.add_argument("--out", type=Path, help="also write everything printed to this file")
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL

    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    say(f"# Renda benchmarks ({'quick' if args.quick else 'full size'})")
    say()
    say(f"- started: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    say(f"- python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {platform.platform()}")
    say()
    results: dict[str, dict] = {}
    failed: list[str] = []
    for script, script_args in plan.items():
        command = [sys.executable, str(BENCH_DIR / script), *script_args]
        say(f"$ {' '.join(['.venv/bin/python', f'bench/{script}', *script_args])}")
        say()
        started = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True, cwd=BENCH_DIR.parent)
        elapsed = time.perf_counter() - started
        for line in proc.stdout.rstrip("\n").splitlines():
            say(line)
        if proc.returncode != 0:
            failed.append(script)
            say(f"**{script} exited with status {proc.returncode}**")
            say("```")
            for line in proc.stderr.rstrip("\n").splitlines()[-30:]:
                say(line)
            say("```")
        match = re.search(r"```json\n(.*?)\n```", proc.stdout, re.S)
        if match:
            results[script] = json.loads(match.group(1))
        say(f"_({script} took {elapsed:.0f} s)_")
        say()

    say("## Summary")
    say()
    say("| benchmark | figure | baseline | ratio | target | met |")
    say("|---|---|---|---|---|---|")
    if (r := results.get("audit_verify.py")) is not None:
        say(
            f"| audit_verify | verify_chain {r['events']:,} events: median {r['verify_median_s']} s "
            f"({r['verify_events_per_s']:,} events/s) | iterate only {r['baseline_iterate_values_list_s']} s; "
            f"hash loop {r['baseline_hash_loop_s']} s | verify/iterate {r['ratio_verify_to_iterate']}x; "
            f"verify/hash {r['ratio_verify_to_hash_loop']}x | {r['target']} | {'yes' if r['target_met'] else 'NO'} |"
        )
        say(
            f"| audit_verify (tamper) | edited #{r['tampered_sequence']}, reported #{r['tamper_reported_sequence']} "
            f"| | | names the edited event | {'yes' if r['tamper_detected'] else 'NO'} |"
        )
    if (r := results.get("action_rate.py")) is not None:
        say(
            f"| action_rate | unit_update median {r['action_median_per_s']:,}/s ({r['action_median_ms']} ms) "
            f"| plain save {r['baseline_plain_save_median_per_s']:,}/s | baseline/action "
            f"{r['ratio_baseline_to_action']}x | {r['target']} | {'yes' if r['target_met'] else 'NO'} |"
        )
    if (r := results.get("home_page.py")) is not None:
        say(
            f"| home_page | / p50 {r['overall_p50_ms']} ms, p95 {r['overall_p95_ms']} ms "
            f"(worst role p95 {r['worst_role_p95_ms']} ms) | login page p50 {r['baseline_login_page_p50_ms']} ms, "
            f"p95 {r['baseline_login_page_p95_ms']} ms | p95 home/login {r['ratio_home_p95_to_login_p95']}x "
            f"| {r['target']} | {'yes' if r['target_met'] else 'NO'} |"
        )
    for script in ("calendar_rate.py", "todo_page.py", "reminder_scan.py"):
        if (r := results.get(script)) is not None:
            say(
                f"| {script.removesuffix('.py')} | {r['summary']} | | | {r['target']} | {'yes' if r['target_met'] else 'NO'} |"
            )
    say()
    missed = [name for name, r in results.items() if not r.get("target_met", False)]
    if failed:
        say(f"Scripts that failed: {', '.join(failed)}")
    if missed:
        say(f"Targets missed: {', '.join(missed)}")
    if args.out:
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
