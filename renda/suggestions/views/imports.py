"""The Excel import for the 交办机构: upload, a row-by-row report, then import (all, or only the valid rows).

The uploaded file waits between the report and the confirmation as ``renda.core.pending_uploads``
keeps it (``MEDIA_ROOT/imports/<token>.xlsx``; only the uploader can import it, within a day). On
confirmation the file is read and checked again (people or sessions may have changed).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from renda.accounts.models import User
from renda.core.errors import DomainError, InvalidInput
from renda.core.pending_uploads import PendingUploads
from renda.organizations.models import Congress
from renda.suggestions import importing, permissions

PENDING = PendingUploads(session_key="suggestion_imports", suffix=".xlsx")
TEMPLATE = "suggestions/import.html"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _staff_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.staff_congress_id(_user(request))
    if congress_id is None:
        raise PermissionDenied
    return Congress.objects.get(pk=congress_id)


def _after_import() -> str:
    try:
        return reverse("suggestions:review_queue")
    except NoReverseMatch:  # the review queue's page comes with the staff pages
        return reverse("suggestions:import")


def _page(request: HttpRequest, congress: Congress, *, status: int = 200, **context: Any) -> HttpResponse:
    return render(
        request, TEMPLATE, {"congress": congress, "columns": importing.TEMPLATE_COLUMNS, **context}, status=status
    )


def _status(error: DomainError) -> int:
    return error.status_code if error.status_code < 500 else 400


def _check(request: HttpRequest, congress: Congress) -> HttpResponse:
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidInput(_("请选择要导入的 Excel 文件（.xlsx）"), code="required", field="file")
        data = importing.read_upload(upload)
        report = importing.parse(data, congress=congress)
    except DomainError as error:
        return _page(request, congress, error=error, status=_status(error))
    token = PENDING.keep(request, data, congress)
    return _page(request, congress, report=report, token=token)


def _import(request: HttpRequest, congress: Congress, *, valid_only: bool) -> HttpResponse:
    token = request.POST.get("token", "")
    report = None
    try:
        stored, _kept = PENDING.kept(request, token, congress)
        report = importing.parse(stored.read_bytes(), congress=congress)
        created = importing.suggestions_import(
            actor=_user(request), congress=congress, report=report, valid_only=valid_only
        )
    except DomainError as error:
        if report is None:
            token = ""
        return _page(request, congress, error=error, report=report, token=token, status=_status(error))
    PENDING.drop(request, token)
    messages.success(request, _("已导入 %(count)d 件建议") % {"count": len(created)})
    return redirect(_after_import())


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


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _staff_congress(request)
    response = HttpResponse(
        importing.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = importing.TEMPLATE_DISPOSITION
    return response


urlpatterns: list[URLPattern] = [
    path("import/", import_page, name="import"),
    path("import/template.xlsx", import_template, name="import_template"),
]
