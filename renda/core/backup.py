"""Backups: one archive holding the database, the uploaded files and a manifest.

``create_backup`` writes ``renda-backup-YYYYMMDD-HHMMSS.tar.gz``:

- ``database/renda.sqlite3`` (a consistent copy through SQLite's online backup
  API, safe while the app writes in WAL mode) or ``database/renda.pgdump``
  (``pg_dump --format=custom``, taken inside the same snapshot the manifest's
  row counts were read from);
- ``media/…``: every regular file under ``MEDIA_ROOT``;
- ``manifest.json``: format version, time, database vendor, the latest applied
  migration per app, row counts per table, the audit chain head.

``restore_backup`` checks the whole archive before touching anything (gzip
CRC, member names, manifest, database checksum, vendor, migrations), refuses a
target that already holds data unless forced, restores the database and the
files, and then compares the result with the manifest and re-verifies the audit
chain. Every problem is reported in Chinese, naming what is wrong.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import django
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

FORMAT_NAME = "renda-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATABASE_DIR = "database"
MEDIA_DIR = "media"
DATABASE_FILES = {"sqlite": "database/renda.sqlite3", "postgresql": "database/renda.pgdump"}
VENDOR_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A target holding a row in either table is not empty.
DATA_TABLES = ("organizations_congress", "core_auditevent")
GENESIS_HASH = "0" * 64
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024

Rows = list[tuple[Any, ...]]


class BackupError(Exception):
    """A backup or restore problem, worded for the operator (in Chinese)."""


# --- Shared helpers ---------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _vendor_label(vendor: str) -> str:
    return VENDOR_LABELS.get(vendor, vendor)


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def _copy_out(source: IO[bytes], target: Path, *, mode: int = 0o600) -> None:
    """Copy archive data into ``target``. Read errors stay archive errors; write errors are named as such."""
    try:
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        out = os.fdopen(descriptor, "wb")
    except OSError as error:
        raise BackupError(f"无法写入 {target}：{error}") from error
    with out:
        while chunk := source.read(CHUNK):
            try:
                out.write(chunk)
            except OSError as error:
                raise BackupError(f"写入 {target} 失败：{error}") from error


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class DatabaseState:
    """What the manifest records about a database, read from one consistent view."""

    migrations: dict[str, str]
    row_counts: dict[str, int]
    audit_last_sequence: int
    audit_last_hash: str


def _read_state(query: Callable[[str], Rows], tables: list[str]) -> DatabaseState:
    """Row counts, latest migration per app and chain head, through ``query`` (one snapshot)."""
    counts = {table: int(query(f"SELECT COUNT(*) FROM {_quote(table)}")[0][0]) for table in sorted(tables)}  # noqa: S608 - names come from the catalogue
    migrations: dict[str, str] = {}
    if "django_migrations" in counts:
        for app, name in query("SELECT app, name FROM django_migrations ORDER BY id"):
            migrations[str(app)] = str(name)
    last_sequence, last_hash = 0, GENESIS_HASH
    if "core_auditchainhead" in counts:
        head = query("SELECT last_sequence, last_hash FROM core_auditchainhead WHERE id = 1")
        if head:
            last_sequence, last_hash = int(head[0][0]), str(head[0][1])
    return DatabaseState(dict(sorted(migrations.items())), counts, last_sequence, last_hash)


def _pg_tool(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(
            f"找不到 PostgreSQL 客户端程序 {tool}：请安装与数据库服务器同一主版本或更新的客户端"
            "（Debian 包 postgresql-client），并确保它在 PATH 中"
        )
    return path


def _pg_connection(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for pg_dump/pg_restore. The password goes in PGPASSWORD only."""
    from django.db.backends.postgresql.client import DatabaseClient

    _args, extra_env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    arguments = ["--no-password"]  # never wait for a password prompt (cron, systemd)
    if settings_dict.get("HOST"):
        arguments.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        arguments.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        arguments.append(f"--username={settings_dict['USER']}")
    if settings_dict.get("NAME"):
        arguments.append(f"--dbname={settings_dict['NAME']}")
    return arguments, {**os.environ, **(extra_env or {})}


def _run_pg(tool: str, arguments: list[str], settings_dict: dict[str, Any], failure: str) -> str:
    connection_arguments, environment = _pg_connection(settings_dict)
    command = [_pg_tool(tool), *connection_arguments, *arguments]
    result = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)  # noqa: S603 - fixed program, no shell
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip() or "（没有输出）"
        raise BackupError(f"{failure}：{tool} 退出码 {result.returncode}：{detail}")
    return result.stdout


# --- Backup -------------------------------------------------------------------


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    manifest: dict[str, Any]


def _dump_sqlite(db: BaseDatabaseWrapper, target: Path) -> tuple[DatabaseState, str]:
    """Copy the live database with the online backup API (one read transaction, WAL-safe)."""
    db.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        with db.wrap_database_errors:
            db.connection.backup(copy)
        # The copy is a single self-contained file: no -wal/-shm beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = [
            str(row[0])
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
            )
        ]
        state = _read_state(lambda sql: copy.execute(sql).fetchall(), tables)
    finally:
        copy.close()
    return state, sqlite3.sqlite_version


def _dump_postgresql(db: BaseDatabaseWrapper, target: Path) -> tuple[DatabaseState, str]:
    """pg_dump inside the snapshot the manifest is read from, so counts and dump agree exactly."""
    with transaction.atomic(using=db.alias, durable=True), db.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()

        def query(sql: str) -> Rows:
            cursor.execute(sql)
            return list(cursor.fetchall())

        state = _read_state(query, list(db.introspection.table_names(cursor)))
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
            db.settings_dict,
            "数据库导出失败",
        )
    return state, str(server_version)


def _media_files(media_root: Path, skip: tuple[Path, ...]) -> Iterator[tuple[Path, str]]:
    """Regular files under MEDIA_ROOT in a stable order; links and special files are left out."""
    if not media_root.is_dir():
        return
    for directory, subdirectories, files in os.walk(media_root):
        subdirectories.sort()
        here = Path(directory)
        if any(here == excluded or excluded in here.parents for excluded in skip):
            subdirectories.clear()
            continue
        for name in sorted(files):
            path = here / name
            if path in skip:
                continue
            yield path, path.relative_to(media_root).as_posix()


def _open_regular_file(path: Path) -> IO[bytes] | None:
    """Open a regular file without following a link; None for links, special files and vanished files."""
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None  # removed while we were walking: not part of this backup
    except OSError as error:
        if error.errno == errno.ELOOP:  # replaced by a link since lstat
            return None
        raise
    return os.fdopen(descriptor, "rb")


def _default_name(directory: Path) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    candidate = directory / f"renda-backup-{stamp}.tar.gz"
    counter = 1
    while candidate.exists():
        candidate = directory / f"renda-backup-{stamp}-{counter}.tar.gz"
        counter += 1
    return candidate


def _output_path(output: Path | None) -> Path:
    if output is None:
        directory = Path(settings.VAR_DIR) / "backups"
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return _default_name(directory)
    output = output.expanduser()
    if output.is_dir():
        return _default_name(output)
    if output.exists() or output.is_symlink():
        raise BackupError(f"输出文件已存在，不会覆盖：{output}")
    if not output.parent.is_dir():
        output.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return output


def create_backup(output: Path | None = None) -> BackupResult:
    """Write one archive of the default database and MEDIA_ROOT; returns where and what."""
    db = connection
    vendor = db.vendor
    if vendor not in DATABASE_FILES:
        raise BackupError(f"不支持备份 {vendor} 数据库：只支持 SQLite 和 PostgreSQL")
    final = _output_path(output)
    directory = final.parent
    staging = Path(tempfile.mkdtemp(prefix=".renda-backup-", dir=directory))
    partial = directory / f".{final.name}.partial"
    try:
        dump = staging / PurePosixPath(DATABASE_FILES[vendor]).name
        if vendor == "sqlite":
            state, engine_version = _dump_sqlite(db, dump)
        else:
            state, engine_version = _dump_postgresql(db, dump)
        database = {
            "vendor": vendor,
            "engine_version": engine_version,
            "file": DATABASE_FILES[vendor],
            "bytes": dump.stat().st_size,
            "sha256": _sha256_file(dump),
        }
        media_root = Path(settings.MEDIA_ROOT)
        media_files = media_bytes = 0
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as archive:
                info = archive.gettarinfo(str(dump), arcname=DATABASE_FILES[vendor])
                info.mode, info.uname, info.gname = 0o600, "", ""
                with dump.open("rb") as handle:
                    archive.addfile(info, handle)
                for path, relative in _media_files(media_root, skip=(staging, partial, final)):
                    media_handle = _open_regular_file(path)
                    if media_handle is None:
                        continue
                    with media_handle:
                        info = archive.gettarinfo(arcname=f"{MEDIA_DIR}/{relative}", fileobj=media_handle)
                        info.uid = info.gid = 0
                        info.uname = info.gname = ""
                        archive.addfile(info, media_handle)
                    media_files += 1
                    media_bytes += info.size
                manifest = {
                    "format": FORMAT_NAME,
                    "format_version": FORMAT_VERSION,
                    "created_at": timezone.localtime().isoformat(timespec="seconds"),
                    "django_version": django.get_version(),
                    "database": database,
                    "migrations": state.migrations,
                    "row_counts": state.row_counts,
                    "audit_chain": {
                        "last_sequence": state.audit_last_sequence,
                        "last_hash": state.audit_last_hash,
                    },
                    "media": {"files": media_files, "bytes": media_bytes},
                }
                body = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mode, info.mtime = len(body), 0o600, int(timezone.now().timestamp())
                archive.addfile(info, io.BytesIO(body))
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(partial, 0o600)
        if final.exists():
            raise BackupError(f"输出文件已存在，不会覆盖：{final}")
        os.replace(partial, final)
        with contextlib.suppress(OSError):  # not every file system lets a directory be fsync'ed
            directory_descriptor = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(directory_descriptor)
            finally:
                os.close(directory_descriptor)
    except OSError as error:
        raise BackupError(f"备份失败：{error}") from error
    except (DatabaseError, sqlite3.Error) as error:
        raise BackupError(f"读取数据库失败：{error}") from error
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(final, final.stat().st_size, manifest)


# --- Reading an archive -------------------------------------------------------


@dataclass(frozen=True)
class ArchiveContents:
    manifest: dict[str, Any]
    media_files: int
    media_bytes: int


def _member_name(member: tarfile.TarInfo) -> str:
    """The member's name if it is one a Renda archive may hold; anything else makes the archive suspect."""
    name = member.name
    parts = PurePosixPath(name).parts
    if name.startswith("/") or not parts or any(part in ("", ".", "..") for part in parts) or "\\" in name:
        raise BackupError(f"备份文件中有不安全的路径 {name!r}，拒绝恢复")
    if member.isdir() and parts[0] == MEDIA_DIR:
        return name
    if not member.isfile():
        raise BackupError(f"备份文件中的 {name!r} 不是普通文件（链接或设备文件），拒绝恢复")
    if (
        name == MANIFEST_NAME
        or (parts[0] == DATABASE_DIR and len(parts) == 2)
        or (parts[0] == MEDIA_DIR and len(parts) > 1)
    ):
        return name
    raise BackupError(f"备份文件中有不认识的条目 {name!r}：这不是 Renda 备份，或者已被改动")


@contextlib.contextmanager
def _open_stream(path: Path) -> Iterator[tuple[tarfile.TarFile, gzip.GzipFile]]:
    """Read the archive front to back; corruption of any kind becomes one clear error."""
    try:
        with gzip.open(path, "rb") as compressed, tarfile.open(fileobj=compressed, mode="r|") as archive:
            yield archive, compressed
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise BackupError(
            f"备份文件已损坏或不是 Renda 备份（.tar.gz）：{path}（{type(error).__name__}: {error}）"
        ) from error


def _check_manifest(body: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BackupError(f"备份文件中的 manifest.json 不是有效的 JSON：{error}") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise BackupError("manifest.json 中的 format 不是 renda-backup：这不是 Renda 备份")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BackupError(
            f"备份格式版本 {version!r} 不受支持：本程序只能恢复格式版本 {FORMAT_VERSION}"
            "（请使用生成该备份的 Renda 版本恢复）"
        )
    problems: list[str] = []
    database = manifest.get("database")
    if not isinstance(database, dict) or database.get("vendor") not in DATABASE_FILES:
        problems.append("database.vendor")
    elif database.get("file") != DATABASE_FILES[database["vendor"]] or not isinstance(database.get("sha256"), str):
        problems.append("database.file / database.sha256")
    counts = manifest.get("row_counts")
    if not isinstance(counts, dict) or not all(isinstance(value, int) for value in counts.values()):
        problems.append("row_counts")
    migrations = manifest.get("migrations")
    if not isinstance(migrations, dict) or not all(isinstance(value, str) for value in migrations.values()):
        problems.append("migrations")
    chain = manifest.get("audit_chain")
    if (
        not isinstance(chain, dict)
        or not isinstance(chain.get("last_sequence"), int)
        or not isinstance(chain.get("last_hash"), str)
    ):
        problems.append("audit_chain")
    media = manifest.get("media")
    if not isinstance(media, dict) or not isinstance(media.get("files"), int):
        problems.append("media")
    if problems:
        raise BackupError(f"manifest.json 缺少字段或字段有误：{'、'.join(problems)}")
    return manifest


def inspect_archive(path: Path) -> ArchiveContents:
    """Read the whole archive once without writing anything: names, manifest, checksums, gzip CRC."""
    if not path.exists():
        raise BackupError(f"备份文件不存在：{path}")
    if not path.is_file():
        raise BackupError(f"不是文件：{path}")
    manifest_body: bytes | None = None
    database_hashes: dict[str, str] = {}
    media_files = media_bytes = 0
    with _open_stream(path) as (archive, compressed):
        for member in archive:
            name = _member_name(member)
            if member.isdir():
                continue
            handle = archive.extractfile(member)
            if handle is None:  # pragma: no cover - regular files always have data
                continue
            if name == MANIFEST_NAME:
                if manifest_body is not None:
                    raise BackupError("备份文件中有两个 manifest.json，拒绝恢复")
                if member.size > MANIFEST_MAX_BYTES:
                    raise BackupError("manifest.json 大得不正常，拒绝恢复")
                manifest_body = handle.read()
            elif name.startswith(f"{DATABASE_DIR}/"):
                digest = hashlib.sha256()
                while chunk := handle.read(CHUNK):
                    digest.update(chunk)
                database_hashes[name] = digest.hexdigest()
            else:
                while handle.read(CHUNK):
                    pass
                media_files += 1
                media_bytes += member.size
        while compressed.read(CHUNK):  # to the end of the gzip stream, so its CRC is checked
            pass
    if manifest_body is None:
        raise BackupError("备份文件中没有 manifest.json：不是 Renda 备份，或者不完整")
    manifest = _check_manifest(manifest_body)
    database = manifest["database"]
    if database["file"] not in database_hashes:
        raise BackupError(f"备份文件中没有数据库文件 {database['file']}，备份不完整")
    if database_hashes[database["file"]] != database["sha256"]:
        raise BackupError(f"数据库文件 {database['file']} 的校验和与 manifest.json 不符：备份文件已损坏或被改动")
    if media_files != manifest["media"]["files"]:
        raise BackupError(
            f"备份文件中有 {media_files} 个上传文件，manifest.json 记录 {manifest['media']['files']} 个：备份不完整或被改动"
        )
    return ArchiveContents(manifest, media_files, media_bytes)


# --- Restore --------------------------------------------------------------------


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int = 0
    rows: int = 0
    media_files: int = 0
    media_bytes: int = 0
    chain_checked: int = 0
    chain_head: tuple[int, str] = (0, GENESIS_HASH)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def target_has_data(db: BaseDatabaseWrapper) -> bool:
    with db.cursor() as cursor:
        tables = set(db.introspection.table_names(cursor))
        for table in DATA_TABLES:
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {_quote(table)} LIMIT 1")  # noqa: S608 - fixed table names
                if cursor.fetchone() is not None:
                    return True
    return False


def _check_migrations_known(manifest: dict[str, Any]) -> None:
    """Refuse an archive made by newer code: its schema has migrations this code does not know."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"备份中的数据库结构比当前代码新（当前代码中没有迁移 {'、'.join(unknown)}）："
            "请用生成该备份的 Renda 版本或更新的版本恢复"
        )


def _extract_database(path: Path, member_name: str, target: Path) -> None:
    with _open_stream(path) as (archive, _compressed):
        for member in archive:
            if member.name == member_name:
                handle = archive.extractfile(member)
                if handle is None:  # pragma: no cover - checked by inspect_archive
                    break
                _copy_out(handle, target)
                return
    raise BackupError(f"备份文件中没有数据库文件 {member_name}")  # pragma: no cover - checked by inspect_archive


def _restore_sqlite(db: BaseDatabaseWrapper, dump: Path) -> None:
    """Write the archived database into the configured one with the backup API, in reverse."""
    source = sqlite3.connect(f"{dump.resolve().as_uri()}?mode=ro", uri=True)
    try:
        try:
            check = source.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"备份中的 SQLite 数据库文件已损坏：{error}") from error
        if check != [("ok",)]:
            raise BackupError(f"备份中的 SQLite 数据库文件未通过完整性检查：{check[:3]}")
        db.close()
        db.ensure_connection()
        try:
            with db.wrap_database_errors:
                source.backup(db.connection)
        finally:
            db.close()
    finally:
        source.close()


def _check_pg_dump_file(dump: Path) -> None:
    """``pg_restore --list`` reads the dump's table of contents without connecting anywhere."""
    result = subprocess.run(  # noqa: S603 - fixed program, no shell
        [_pg_tool("pg_restore"), "--list", str(dump)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"备份中的 PostgreSQL 导出文件无法读取（已损坏？）：{result.stderr.strip()}")


def _restore_postgresql(db: BaseDatabaseWrapper, dump: Path) -> None:
    db.close()
    _run_pg(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error", str(dump)],
        db.settings_dict,
        "pg_restore 失败，整个恢复已回滚（--single-transaction），数据库保持原状",
    )


def _restore_media(path: Path, media_root: Path) -> tuple[int, int]:
    files = size = 0
    root = media_root.resolve()
    with _open_stream(path) as (archive, _compressed):
        for member in archive:
            name = _member_name(member)
            if not name.startswith(f"{MEDIA_DIR}/") or not member.isfile():
                continue
            target = root.joinpath(*PurePosixPath(name).parts[1:])
            if root not in target.resolve().parents:
                raise BackupError(f"上传文件路径越出 MEDIA_ROOT：{name!r}")
            handle = archive.extractfile(member)
            if handle is None:  # pragma: no cover - regular files always have data
                continue
            partial = target.with_name(f".{target.name}.restoring")
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise BackupError(f"无法创建目录 {target.parent}：{error}") from error
            _copy_out(handle, partial, mode=member.mode & 0o666 or 0o644)
            try:
                os.chmod(partial, member.mode & 0o666 or 0o644)
                os.utime(partial, (member.mtime, member.mtime))
                os.replace(partial, target)
            except OSError as error:
                raise BackupError(f"无法写入上传文件 {target}：{error}") from error
            files += 1
            size += member.size
    return files, size


def _current_migrations(db: BaseDatabaseWrapper) -> dict[str, str]:
    latest: dict[str, str] = {}
    with db.cursor() as cursor:
        if "django_migrations" not in db.introspection.table_names(cursor):
            return latest
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            latest[str(app)] = str(name)
    return latest


def _verify(db: BaseDatabaseWrapper, result: RestoreResult) -> None:
    """Compare the restored database with the manifest and re-verify the audit chain."""
    from renda.core.audit import verify_chain
    from renda.core.models import AuditChainHead

    manifest = result.manifest
    with db.cursor() as cursor:
        present = set(db.introspection.table_names(cursor))
        for table, expected in sorted(manifest["row_counts"].items()):
            if table not in present:
                result.problems.append(f"表 {table} 不存在（备份清单记录 {expected} 行）")
                continue
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")  # noqa: S608 - names from the catalogue
            actual = int(cursor.fetchone()[0])
            result.tables += 1
            result.rows += actual
            if actual != expected:
                result.problems.append(f"表 {table}：恢复后 {actual} 行，备份清单记录 {expected} 行")
    migrations = _current_migrations(db)
    if migrations != manifest["migrations"]:
        differing = sorted(
            app
            for app in set(migrations) | set(manifest["migrations"])
            if migrations.get(app) != manifest["migrations"].get(app)
        )
        result.problems.append(f"迁移状态与备份清单不符（应用：{'、'.join(differing)}）")
    expected_head = (int(manifest["audit_chain"]["last_sequence"]), str(manifest["audit_chain"]["last_hash"]))
    try:
        report = verify_chain()
        head = AuditChainHead.objects.filter(pk=1).first()
    except DatabaseError as error:
        result.problems.append(
            f"无法校验审计链：{error}（数据库结构与当前代码不一致？先运行 migrate，再运行 audit_verify）"
        )
        return
    result.chain_checked = report.checked
    if not report.ok:
        result.problems.append(f"审计链校验失败：{report.problem}")
    result.chain_head = (head.last_sequence, head.last_hash) if head is not None else (0, GENESIS_HASH)
    if result.chain_head != expected_head:
        result.problems.append(
            f"审计链头为 #{result.chain_head[0]} {result.chain_head[1][:16]}…，"
            f"备份清单记录 #{expected_head[0]} {expected_head[1][:16]}…"
        )
    elif report.ok and report.checked != expected_head[0]:
        result.problems.append(f"审计链有 {report.checked} 个事件，备份清单的链头是 #{expected_head[0]}")


def _pending_migrations(db: BaseDatabaseWrapper) -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(db)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def restore_backup(path: Path, *, force: bool = False) -> RestoreResult:
    """Restore the archive into the default database and MEDIA_ROOT, then check the result."""
    try:
        return _restore(path, force=force)
    except (DatabaseError, sqlite3.Error) as error:
        raise BackupError(f"数据库操作失败：{error}") from error


def _restore(path: Path, *, force: bool) -> RestoreResult:
    db = connection
    contents = inspect_archive(path)
    manifest = contents.manifest
    archive_vendor = manifest["database"]["vendor"]
    if archive_vendor != db.vendor:
        raise BackupError(
            f"数据库类型不符：备份来自 {_vendor_label(archive_vendor)}，当前配置的数据库是 {_vendor_label(db.vendor)}。"
            "不支持跨数据库类型恢复，请恢复到同类数据库"
        )
    if not force and target_has_data(db):
        raise BackupError(
            f"目标数据库不是空的（{' 或 '.join(DATA_TABLES)} 中已有数据），未做任何改动。"
            "恢复会覆盖目标数据库；确认要覆盖时加 --force（建议先对它做一次 backup）"
        )
    _check_migrations_known(manifest)
    result = RestoreResult(manifest=manifest)
    staging_parent = Path(settings.VAR_DIR)
    staging_parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".renda-restore-", dir=staging_parent) as staging:
        dump = Path(staging) / PurePosixPath(manifest["database"]["file"]).name
        _extract_database(path, manifest["database"]["file"], dump)
        if _sha256_file(dump) != manifest["database"]["sha256"]:
            raise BackupError("解出的数据库文件校验和不符：备份文件在读取过程中被改动？未做任何改动")
        if archive_vendor == "sqlite":
            _restore_sqlite(db, dump)
        else:
            _check_pg_dump_file(dump)
            _restore_postgresql(db, dump)
    result.media_files, result.media_bytes = _restore_media(path, Path(settings.MEDIA_ROOT))
    if result.media_files != manifest["media"]["files"]:
        result.problems.append(f"恢复了 {result.media_files} 个上传文件，备份清单记录 {manifest['media']['files']} 个")
    _verify(db, result)
    pending = _pending_migrations(db)
    if pending:
        result.notes.append(
            f"当前代码还有 {len(pending)} 个迁移未应用到恢复的数据库（{'、'.join(pending[:5])}"
            f"{'…' if len(pending) > 5 else ''}）：请运行 manage.py migrate"
        )
    return result


def describe_created_at(manifest: dict[str, Any]) -> str:
    try:
        return timezone.localtime(dt.datetime.fromisoformat(str(manifest.get("created_at")))).strftime(
            "%Y-%m-%d %H:%M:%S"
        )
    except (TypeError, ValueError):
        return str(manifest.get("created_at", "?"))
