"""Bulk import of opinions from other platforms (a 12345 hotline CSV or Excel export): upload, report, import.

Like the suggestions import: the first post checks the file and shows a row-by-row report (nothing
saved); the file is kept under ``MEDIA_ROOT/imports/opinions-<token>`` with the token in a hidden
field and the session remembering who uploaded it, so only the uploader imports it, within a day.
On confirmation the file is read and checked again, then imported — all rows, or only the valid
ones if chosen; tickets imported before are skipped.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput
from renda.opinions import importing, permissions
from renda.opinions.actions.intake import IMPORTED_SOURCES
from renda.opinions.models import Source
from renda.organizations.models import Congress

SESSION_KEY = "opinion_imports"
TOKEN_MAX_AGE = 24 * 60 * 60
PREFIX = "opinions-"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
TEMPLATE = "opinions/import.html"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.triage_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def _folder() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports"


def _forget_old_files() -> None:
    """Files of imports never confirmed are of no use after a day."""
    folder = _folder()
    if not folder.is_dir():
        return
    limit = time.time() - TOKEN_MAX_AGE
    for stored in folder.glob(f"{PREFIX}*"):
        try:
            if stored.stat().st_mtime < limit:
                stored.unlink()
        except OSError:
            continue


def _keep(request: HttpRequest, data: bytes, congress: Congress, source: str) -> str:
    _forget_old_files()
    token = secrets.token_urlsafe(24)
    folder = _folder()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{PREFIX}{token}").write_bytes(data)
    now = time.time()
    kept: dict[str, dict[str, Any]] = {
        key: value
        for key, value in request.session.get(SESSION_KEY, {}).items()
        if now - float(value.get("at", 0)) < TOKEN_MAX_AGE
    }
    kept[token] = {"user": _user(request).pk, "congress": congress.pk, "source": source, "at": now}
    request.session[SESSION_KEY] = kept
    return token


def _kept_file(request: HttpRequest, token: str, congress: Congress) -> tuple[Path, str]:
    """The file this person uploaded under ``token`` and its source, or an error asking to upload it again."""
    gone = InvalidInput(_("上传的文件已失效（超过一天或已导入），请重新上传"), code="expired", field="file")
    if not _TOKEN.match(token):
        raise gone
    entry = request.session.get(SESSION_KEY, {}).get(token)
    if (
        not isinstance(entry, dict)
        or entry.get("user") != _user(request).pk
        or entry.get("congress") != congress.pk
        or time.time() - float(entry.get("at", 0)) >= TOKEN_MAX_AGE
    ):
        raise gone
    stored = _folder() / f"{PREFIX}{token}"
    if not stored.is_file():
        raise gone
    return stored, str(entry.get("source", Source.HOTLINE_12345))


def _drop(request: HttpRequest, token: str) -> None:
    (_folder() / f"{PREFIX}{token}").unlink(missing_ok=True)
    kept = dict(request.session.get(SESSION_KEY, {}))
    kept.pop(token, None)
    request.session[SESSION_KEY] = kept


def _page(request: HttpRequest, congress: Congress, *, status: int = 200, **context: Any) -> HttpResponse:
    return render(
        request,
        TEMPLATE,
        {
            "congress": congress,
            "aliases": importing.COLUMN_ALIASES,
            "required": importing.REQUIRED_COLUMNS,
            "sources": [(value, label) for value, label in Source.choices if value in IMPORTED_SOURCES],
            "max_rows": importing.MAX_ROWS,
            **context,
        },
        status=status,
    )


def _status(error: DomainError) -> int:
    return error.status_code if error.status_code < 500 else 400


def _check(request: HttpRequest, congress: Congress) -> HttpResponse:
    upload = request.FILES.get("file")
    source = request.POST.get("source", Source.HOTLINE_12345)
    try:
        if upload is None:
            raise InvalidInput(_("请选择要导入的文件（.csv 或 .xlsx）"), code="required", field="file")
        data = importing.read_upload(upload)
        report = importing.parse(data, congress=congress, source=source)
    except DomainError as error:
        return _page(request, congress, error=error, status=_status(error))
    token = _keep(request, data, congress, source)
    return _page(request, congress, report=report, token=token)


def _import(request: HttpRequest, congress: Congress, *, valid_only: bool) -> HttpResponse:
    token = request.POST.get("token", "")
    report = None
    try:
        stored, source = _kept_file(request, token, congress)
        report = importing.parse(stored.read_bytes(), congress=congress, source=source)
        created = importing.opinions_import(
            actor=_user(request), congress=congress, report=report, valid_only=valid_only
        )
    except DomainError as error:
        if report is None:
            token = ""
        return _page(request, congress, error=error, report=report, token=token, status=_status(error))
    _drop(request, token)
    messages.success(
        request,
        _("已导入 %(count)d 件意见，跳过已导入过的 %(skipped)d 件")
        % {"count": len(created), "skipped": report.skipped},
    )
    return redirect("opinions:triage_queue")


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST "check": the report. POST "import"/"import_valid": the import."""
    congress = _staff_congress(request)
    if request.method != "POST":
        return _page(request, congress)
    step = request.POST.get("step", "check")
    if step == "import":
        return _import(request, congress, valid_only=False)
    if step == "import_valid":
        return _import(request, congress, valid_only=True)
    return _check(request, congress)


urlpatterns: list[URLPattern] = [
    path("import/", import_page, name="import"),
]
