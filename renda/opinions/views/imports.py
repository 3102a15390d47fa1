"""Bulk import of opinions from other platforms (a 12345 hotline CSV or Excel export): upload, report, import.

Like the suggestions import: the first post checks the file and shows a row-by-row report (nothing
saved); the file waits for the confirmation as ``renda.core.pending_uploads`` keeps it (only the
uploader imports it, within a day). On confirmation the file is read and checked again, then imported — all rows, or only the valid
ones if chosen; tickets imported before are skipped.
"""

from __future__ import annotations

from typing import Any

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
from renda.core.pending_uploads import PendingUploads
from renda.opinions import importing, permissions
from renda.opinions.actions.intake import IMPORTED_SOURCES
from renda.opinions.models import Source
from renda.organizations.models import Congress

PENDING = PendingUploads(session_key="opinion_imports", prefix="opinions-")
TEMPLATE = "opinions/import.html"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.triage_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


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
    token = PENDING.keep(request, data, congress, source=source)
    return _page(request, congress, report=report, token=token)


def _import(request: HttpRequest, congress: Congress, *, valid_only: bool) -> HttpResponse:
    token = request.POST.get("token", "")
    report = None
    try:
        stored, kept = PENDING.kept(request, token, congress)
        report = importing.parse(
            stored.read_bytes(), congress=congress, source=str(kept.get("source", Source.HOTLINE_12345))
        )
        created = importing.opinions_import(
            actor=_user(request), congress=congress, report=report, valid_only=valid_only
        )
    except DomainError as error:
        if report is None:
            token = ""
        return _page(request, congress, error=error, report=report, token=token, status=_status(error))
    PENDING.drop(request, token)
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
