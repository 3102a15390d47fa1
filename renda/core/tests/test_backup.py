"""`manage.py backup` and `restore`, end to end, on SQLite and on PostgreSQL.

Both commands run as subprocesses against throwaway databases (temp SQLite files,
or PostgreSQL databases with random names dropped afterwards), so they never
touch the test database and can run in parallel. Both vendors run in every pass:
the PostgreSQL case needs only a server answering (at DATABASE_URL's host when
that is PostgreSQL, else 127.0.0.1:5432) and is skipped, with the reason, when
none does.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[3]

# Demo city, then three more audit events through organisation actions.
SEED_SCRIPT = """
from renda.accounts.models import User
from renda.organizations import actions
from renda.organizations.demo import build_demo_city
from renda.organizations.models import Congress, RoleAssignment

build_demo_city(seed=1)
admin = User.objects.get(username="admin")
admin.active_assignment = RoleAssignment.objects.get(user=admin, role="staff_admin")
city = Congress.objects.get(code="jiangcheng")
unit = actions.unit_create(actor=admin, congress=city, name="备份测试办公室", short_name="备份办", kind="general_office")
actions.congress_create(actor=admin, parent=city, name="新区人民代表大会", short_name="新区人大", code="xinqu")
actions.role_grant(actor=admin, user=User.objects.get(username="sc01"), congress=city, role="committee_staff", unit=unit)
"""
SEEDED_AUDIT_EVENTS = 4
MEDIA_FILES = {
    "uploads/2026/议案-001.pdf": b"%PDF-1.4 " + bytes(range(256)) * 40,
    "notes.txt": "备份测试\n".encode(),
}
AUDIT_COLUMNS = "sequence, occurred_at, action, target_id, summary, previous_hash, event_hash"


def _child_env(**overrides: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "RENDA_SQLITE_PATH", "RENDA_MEDIA_ROOT", "RENDA_VAR_DIR", "RENDA_ENV")
    }
    environment.update(overrides)
    return environment


def manage(environment: dict[str, str], *arguments: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if ok:
        assert result.returncode == 0, f"manage.py {' '.join(arguments)}:\n{result.stdout}\n{result.stderr}"
    return result


@dataclass
class Database:
    """One throwaway database plus its media root, and raw (non-Django) ways to read it back."""

    vendor: str
    env: dict[str, str]
    media_root: Path
    query: Callable[[str], list[tuple[Any, ...]]]
    list_tables: str

    def counts(self) -> dict[str, int]:
        tables = [str(row[0]) for row in self.query(self.list_tables)]
        return {table: int(self.query(f'SELECT COUNT(*) FROM "{table}"')[0][0]) for table in sorted(tables)}  # noqa: S608

    def audit_rows(self) -> list[tuple[Any, ...]]:
        return [
            tuple(str(value) for value in row)
            for row in self.query(f"SELECT {AUDIT_COLUMNS} FROM core_auditevent ORDER BY sequence")  # noqa: S608
        ]

    def head(self) -> tuple[int, str]:
        rows = self.query("SELECT last_sequence, last_hash FROM core_auditchainhead WHERE id = 1")
        return int(rows[0][0]), str(rows[0][1])

    def media(self) -> dict[str, bytes]:
        if not self.media_root.exists():
            return {}
        return {
            path.relative_to(self.media_root).as_posix(): path.read_bytes()
            for path in self.media_root.rglob("*")
            if path.is_file()
        }


def sqlite_database(directory: Path, name: str) -> Database:
    path = directory / f"{name}.sqlite3"

    def query(sql: str) -> list[tuple[Any, ...]]:
        with closing(sqlite3.connect(path)) as db:
            return db.execute(sql).fetchall()

    return Database(
        vendor="sqlite",
        env=_child_env(
            RENDA_SQLITE_PATH=str(path),
            RENDA_MEDIA_ROOT=str(directory / f"{name}-media"),
            RENDA_VAR_DIR=str(directory / f"{name}-var"),
        ),
        media_root=directory / f"{name}-media",
        query=query,
        list_tables="SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )


# --- PostgreSQL: a server to create throwaway databases on ------------------------


def _postgres_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    return "postgres://postgres@127.0.0.1:5432/postgres"


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _psycopg_params(url: str) -> dict[str, Any]:
    config = dj_database_url.parse(url)
    params: dict[str, Any] = {"dbname": config["NAME"], "connect_timeout": 5}
    for key, setting in (("host", "HOST"), ("port", "PORT"), ("user", "USER"), ("password", "PASSWORD")):
        if config.get(setting):
            params[key] = config[setting]
    return params


@pytest.fixture
def postgres_databases(tmp_path: Path) -> Iterator[Callable[[str], Database]]:
    """Create throwaway databases on the PostgreSQL server; drop them whatever happens."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    server = _with_database(_postgres_server_url(), "postgres")
    try:
        admin = psycopg.connect(**_psycopg_params(server), autocommit=True)
    except psycopg.OperationalError as error:
        host = urlsplit(server).hostname
        pytest.skip(
            f"no PostgreSQL server answers at {host}:{urlsplit(server).port or 5432} ({error}); the SQLite case does not need one"
        )
    created: list[str] = []

    def make(role: str) -> Database:
        name = f"renda_backup_{role}_{uuid.uuid4().hex[:12]}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        created.append(name)
        url = _with_database(server, name)

        def query(statement: str) -> list[tuple[Any, ...]]:
            with psycopg.connect(**_psycopg_params(url)) as db:
                return list(db.execute(statement.encode()).fetchall())

        return Database(
            vendor="postgresql",
            env=_child_env(
                DATABASE_URL=url,
                RENDA_MEDIA_ROOT=str(tmp_path / f"{role}-media"),
                RENDA_VAR_DIR=str(tmp_path / f"{role}-var"),
            ),
            media_root=tmp_path / f"{role}-media",
            query=query,
            list_tables="SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        )

    try:
        yield make
    finally:
        for name in created:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.close()


# --- Helpers on archives ---------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r:gz") as tar:
        handle = tar.extractfile("manifest.json")
        assert handle is not None
        manifest: dict[str, Any] = json.loads(handle.read())
        return manifest


def rewrite_manifest(
    source: Path, target: Path, change: Callable[[dict[str, Any]], None], *, rename: dict[str, str] | None = None
) -> None:
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member)
            member.name = (rename or {}).get(member.name, member.name)
            if member.name == "manifest.json":
                assert data is not None
                manifest = json.loads(data.read())
                change(manifest)
                body = json.dumps(manifest, ensure_ascii=False).encode()
                member.size = len(body)
                data = io.BytesIO(body)
            new.addfile(member, data)


def build_archive(path: Path, *, manifest: dict[str, Any] | None, members: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
        if manifest is not None:
            body = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))


# --- The round trip, the same on both vendors -----------------------------------------


def exercise_backup_and_restore(source: Database, target: Database, tmp_path: Path) -> None:
    manage(source.env, "migrate", "--noinput", "-v0")
    manage(source.env, "shell", "-c", SEED_SCRIPT)
    for relative, body in MEDIA_FILES.items():
        (source.media_root / relative).parent.mkdir(parents=True, exist_ok=True)
        (source.media_root / relative).write_bytes(body)
    # A link inside MEDIA_ROOT is not followed: what it points to stays out of the archive.
    (tmp_path / "outside.txt").write_text("not an upload")
    (source.media_root / "uploads" / "link.txt").symlink_to(tmp_path / "outside.txt")
    expected_counts = source.counts()
    assert expected_counts["organizations_congress"] > 1
    assert expected_counts["core_auditevent"] == SEEDED_AUDIT_EVENTS

    # Backup: one archive, mode 600, written atomically, with a manifest matching the source.
    archive = tmp_path / "backups" / "nightly.tar.gz"
    result = manage(source.env, "backup", "--output", str(archive))
    assert "备份完成" in result.stdout
    assert archive.stat().st_mode & 0o777 == 0o600
    assert sorted(path.name for path in archive.parent.iterdir()) == ["nightly.tar.gz"], "no temp files left"
    manifest = read_manifest(archive)
    assert manifest["format"] == "renda-backup"
    assert manifest["format_version"] == 1
    assert manifest["created_at"]
    assert manifest["database"]["vendor"] == source.vendor
    assert manifest["row_counts"] == expected_counts
    assert manifest["audit_chain"] == {"last_sequence": SEEDED_AUDIT_EVENTS, "last_hash": source.head()[1]}
    assert {"core", "organizations", "accounts"} <= set(manifest["migrations"])
    assert manifest["media"] == {"files": len(MEDIA_FILES), "bytes": sum(len(body) for body in MEDIA_FILES.values())}
    with tarfile.open(archive, "r:gz") as tar:
        names = set(tar.getnames())
    assert {"manifest.json", manifest["database"]["file"]} | {f"media/{name}" for name in MEDIA_FILES} == names

    # Restore into an empty database: same rows, same chain, same files.
    result = manage(target.env, "restore", str(archive))
    assert "恢复完成" in result.stdout, result.stdout
    assert target.counts() == expected_counts
    assert target.audit_rows() == source.audit_rows()
    assert target.head() == source.head()
    assert target.media() == MEDIA_FILES
    assert f"校验了 {SEEDED_AUDIT_EVENTS} 个事件" in result.stdout

    # The target now holds data: without --force nothing is touched.
    local_edit = b"edited after the restore"
    (target.media_root / "notes.txt").write_bytes(local_edit)
    refused = manage(target.env, "restore", str(archive), ok=False)
    assert refused.returncode != 0
    assert "目标数据库不是空的" in refused.stderr and "--force" in refused.stderr
    assert target.counts() == expected_counts
    assert target.audit_rows() == source.audit_rows()
    assert (target.media_root / "notes.txt").read_bytes() == local_edit

    # With --force it is overwritten. Here the archive's manifest claims one congress more than the
    # database holds: the restore goes through, the check afterwards names the mismatch, exit is non-zero.
    tampered = tmp_path / "tampered.tar.gz"
    congresses = expected_counts["organizations_congress"]
    rewrite_manifest(archive, tampered, lambda m: m["row_counts"].update(organizations_congress=congresses + 1))
    result = manage(target.env, "restore", str(tampered), "--force", ok=False)
    assert result.returncode != 0
    assert "与备份清单不一致" in result.stderr
    assert f"organizations_congress：恢复后 {congresses} 行，备份清单记录 {congresses + 1} 行" in result.stderr
    assert "core_auditevent" not in result.stderr, "only the tampered count is reported"
    assert target.counts() == expected_counts
    assert target.audit_rows() == source.audit_rows()
    assert target.media() == MEDIA_FILES, "--force put the archived file back"


def test_backup_and_restore_on_sqlite(tmp_path: Path) -> None:
    source = sqlite_database(tmp_path, "source")
    target = sqlite_database(tmp_path, "target")  # does not exist yet: restore creates it
    exercise_backup_and_restore(source, target, tmp_path)


def test_backup_and_restore_on_postgresql(tmp_path: Path, postgres_databases: Callable[[str], Database]) -> None:
    source = postgres_databases("src")
    target = postgres_databases("dst")  # created empty: no tables at all
    exercise_backup_and_restore(source, target, tmp_path)


def test_sqlite_backup_runs_beside_an_open_write_transaction(tmp_path: Path) -> None:
    """The online backup API copies a consistent snapshot while another process is writing (WAL)."""
    source = sqlite_database(tmp_path, "busy")
    manage(source.env, "migrate", "--noinput", "-v0")
    writer = sqlite3.connect(source.env["RENDA_SQLITE_PATH"], isolation_level=None, timeout=1)
    try:
        assert writer.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        writer.execute("BEGIN IMMEDIATE")
        writer.execute(
            "INSERT INTO django_session (session_key, session_data, expire_date) VALUES ('k', 'd', '2999-01-01')"
        )
        directory = tmp_path / "backups"
        directory.mkdir()
        result = manage(source.env, "backup", "--output", str(directory))
        (archive,) = directory.iterdir()
        assert re.fullmatch(r"renda-backup-\d{8}-\d{6}\.tar\.gz", archive.name), archive.name
        assert str(archive) in result.stdout
        assert read_manifest(archive)["row_counts"]["django_session"] == 0, "uncommitted rows are not in the backup"
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert source.counts()["django_session"] == 1
    refused = manage(source.env, "backup", "--output", str(archive), ok=False)
    assert refused.returncode != 0
    assert "输出文件已存在" in refused.stderr


# --- Archives that must be refused ------------------------------------------------------


def _valid_manifest(database: bytes) -> dict[str, Any]:
    return {
        "format": "renda-backup",
        "format_version": 1,
        "created_at": "2026-01-01T02:30:00+08:00",
        "database": {
            "vendor": "sqlite",
            "file": "database/renda.sqlite3",
            "sha256": hashlib.sha256(database).hexdigest(),
        },
        "migrations": {},
        "row_counts": {},
        "audit_chain": {"last_sequence": 0, "last_hash": "0" * 64},
        "media": {"files": 0, "bytes": 0},
    }


def _truncated(path: Path) -> None:
    database = os.urandom(256 * 1024)
    build_archive(path, manifest=_valid_manifest(database), members={"database/renda.sqlite3": database})
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _not_gzip(path: Path) -> None:
    path.write_bytes(b"this is not a backup\n" * 100)


def _flipped_byte(path: Path) -> None:
    database = b"SQLite format 3\x00" + b"\x01" * 200_000
    build_archive(path, manifest=_valid_manifest(database), members={"database/renda.sqlite3": database})
    data = bytearray(gzip.decompress(path.read_bytes()))
    data[5000] ^= 0xFF  # inside the database member: the checksum catches it
    path.write_bytes(gzip.compress(bytes(data)))


def _future_version(path: Path) -> None:
    database = b"x"
    build_archive(
        path, manifest={**_valid_manifest(database), "format_version": 99}, members={"database/renda.sqlite3": database}
    )


def _no_manifest(path: Path) -> None:
    build_archive(path, manifest=None, members={"database/renda.sqlite3": b"x"})


def _unsafe_member(path: Path) -> None:
    database = b"x"
    build_archive(
        path, manifest=_valid_manifest(database), members={"database/renda.sqlite3": database, "media/../../evil": b"!"}
    )


def _not_json(path: Path) -> None:
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"{{{"))


def _other_vendor(path: Path) -> None:
    from django.db import connection

    vendor, name = (
        ("postgresql", "database/renda.pgdump")
        if connection.vendor == "sqlite"
        else ("sqlite", "database/renda.sqlite3")
    )
    database = b"dump"
    manifest = _valid_manifest(database)
    manifest["database"].update(vendor=vendor, file=name)
    build_archive(path, manifest=manifest, members={name: database})


@pytest.mark.parametrize(
    ("make_archive", "message"),
    [
        (None, "备份文件不存在"),
        (_not_gzip, "备份文件已损坏或不是 Renda 备份"),
        (_truncated, "备份文件已损坏或不是 Renda 备份"),
        (_flipped_byte, "校验和与 manifest.json 不符"),
        (_future_version, "备份格式版本 99 不受支持"),
        (_no_manifest, "没有 manifest.json"),
        (_not_json, "不是有效的 JSON"),
        (_unsafe_member, "不安全的路径"),
        (_other_vendor, "数据库类型不符"),
    ],
    ids=[
        "missing",
        "not-gzip",
        "truncated",
        "flipped-byte",
        "future-version",
        "no-manifest",
        "not-json",
        "unsafe-path",
        "other-vendor",
    ],
)
def test_restore_refuses_a_bad_archive_before_touching_anything(
    tmp_path: Path, settings: Any, make_archive: Callable[[Path], None] | None, message: str
) -> None:
    # In-process and without database access: pytest-django would fail the test if restore
    # opened the database before refusing.
    from django.core.management import CommandError, call_command

    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "bad.tar.gz"
    if make_archive is not None:
        make_archive(archive)
    with pytest.raises(CommandError, match=message):
        call_command("restore", str(archive))
    assert not (tmp_path / "media").exists()


def test_restore_reports_errors_in_chinese_with_a_non_zero_exit(tmp_path: Path) -> None:
    target = sqlite_database(tmp_path, "target")
    result = manage(target.env, "restore", str(tmp_path / "nowhere.tar.gz"), ok=False)
    assert result.returncode == 1
    assert f"备份文件不存在：{tmp_path / 'nowhere.tar.gz'}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not Path(target.env["RENDA_SQLITE_PATH"]).exists(), "the target database was not even created"
