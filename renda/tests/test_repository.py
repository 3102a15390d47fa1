"""The repository's own promises: two commands set everything up, CI runs the test command, versions are pinned."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_opens_with_the_run_and_test_commands() -> None:
    commands = re.findall(r"^make \w+", (ROOT / "README.md").read_text(), re.M)
    assert commands[:2] == ["make run", "make test"]


def test_ci_runs_the_readme_test_command_and_starts_services() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script
    assert "pg_ctlcluster" in script and "redis-server" in script


def test_make_test_runs_every_check() -> None:
    makefile = (ROOT / "Makefile").read_text()
    test_line = next(line for line in makefile.splitlines() if line.startswith("test:"))
    for step in ("system-deps", "lint", "typecheck", "test-sqlite", "test-postgres", "test-browser"):
        assert step in test_line
    assert "demo_city --if-empty" in makefile and "migrate" in makefile


def test_dependencies_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for raw in (ROOT / name).read_text().splitlines():
            line = raw.strip()
            if line and not line.startswith(("#", "-r")):
                assert "==" in line, f"{name}: {line} is not pinned"


def test_front_end_assets_come_from_the_npm_registry_not_a_cdn() -> None:
    lock = (ROOT / "package-lock.json").read_text()
    assert '"htmx.org"' in lock
    templates = "".join(path.read_text() for path in (ROOT / "renda" / "templates").rglob("*.html"))
    assert "cdn" not in templates.lower() and "https://" not in templates


def _po_entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for each entry of a .po file; continuation lines are joined."""
    entries = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        for line in block.splitlines():
            if line.startswith(("msgid ", "msgstr ", "msgstr[0] ")):
                current = line.split(" ", 1)[0].removesuffix("[0]")
                fields[current] = line.split(" ", 1)[1].strip('"')
            elif line.startswith('"') and current:
                fields[current] += line.strip('"')
        if "msgid" in fields:
            entries.append((fields["msgid"], fields.get("msgstr", ""), "#, fuzzy" in block))
    return entries


def test_the_english_catalogue_is_complete() -> None:
    entries = _po_entries((ROOT / "renda" / "locale" / "en" / "LC_MESSAGES" / "django.po").read_text())
    missing = [msgid for msgid, msgstr, _fuzzy in entries if msgid and not msgstr]
    fuzzy = [msgid for msgid, _msgstr, is_fuzzy in entries if msgid and is_fuzzy]
    assert len(entries) > 250
    assert missing == [] and fuzzy == []
