"""API for importing suggestions from the secretariat's Excel sheet: thin adapters over ``importing``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, UploadedFile

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.organizations.models import Congress
from renda.suggestions import importing, permissions

router = Router(tags=["代表建议 Suggestions"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _staff_congress(request: HttpRequest, congress_id: int | None) -> Congress:
    """The congress the caller acts for as 交办机构; another congress is not found."""
    own = permissions.staff_congress_id(_user(request))
    if own is None:
        raise NotPermitted("只有交办机构工作人员可以导入建议")
    if congress_id is not None and congress_id != own:
        raise Http404
    return Congress.objects.get(pk=own)


class RowErrorOut(Schema):
    column: str
    message: str


class RowOut(Schema):
    row: int
    ok: bool
    errors: list[RowErrorOut]


class ImportOut(Schema):
    rows: list[RowOut]
    valid: int
    invalid: int
    imported: list[int]


@router.post(
    "/suggestions/import",
    response=ImportOut,
    summary="从 Excel 导入建议（交办机构）：默认只校验（dry_run），返回逐行校验结果",
    description=(
        "multipart/form-data：file 为 .xlsx（模板见 GET /suggestions/import/template.xlsx），"
        "congress_id 默认为本人所在人大。dry_run=true 只校验不保存；dry_run=false 时，"
        "只要有一行错误就不导入任何数据，除非 valid_only=true（只导入有效行）。"
        "导入的建议进入待审核队列，联名代表视为已确认。"
    ),
)
def import_suggestions(
    request: HttpRequest,
    congress_id: Form[int | None] = None,
    dry_run: Form[bool] = True,
    valid_only: Form[bool] = False,
    file: File[UploadedFile | None] = None,
) -> ImportOut:
    # Permission first: a refused caller learns nothing about the file, and nothing is read or saved.
    congress = _staff_congress(request, congress_id)
    if file is None:
        raise InvalidInput("请上传要导入的 Excel 文件（.xlsx）", code="required", field="file")
    report = importing.parse(file, congress=congress)
    imported: list[int] = []
    if not dry_run:
        created = importing.suggestions_import(
            actor=_user(request), congress=congress, report=report, valid_only=valid_only
        )
        imported = [suggestion.pk for suggestion in created]
    return ImportOut(
        rows=[
            RowOut(
                row=row.row,
                ok=row.ok,
                errors=[RowErrorOut(column=error.column, message=error.message) for error in row.errors],
            )
            for row in report.rows
        ],
        valid=report.valid,
        invalid=report.invalid,
        imported=imported,
    )


@router.get(
    "/suggestions/import/template.xlsx",
    summary="建议导入模板（.xlsx，交办机构）",
    openapi_extra={"responses": {200: {"description": "Excel 模板", "content": {XLSX: {}}}}},
)
def import_template(request: HttpRequest) -> HttpResponse:
    _staff_congress(request, None)
    response = HttpResponse(importing.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = importing.TEMPLATE_DISPOSITION
    return response
