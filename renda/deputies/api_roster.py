"""API of the roster (代表名册): the same actions and permission fetchers as the pages.

Profiles are always returned masked (phone ``139****0001``, ID ``110***********002X``);
the clear values come only from ``POST /deputies/profiles/{id}/unmask``, which is audited.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import composition, permissions, roster_io
from renda.deputies.actions import roster as actions
from renda.deputies.models import DeputyProfile, DeputyTerm
from renda.organizations.models import Congress, Unit

router = Router(tags=["人大代表 · 名册"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _reader_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.reader_congress_id(_user(request))
    if congress_id is None:
        raise NotPermitted("只有人大工作机构和领导可以查看代表名册")
    return Congress.objects.get(pk=congress_id)


def _staff_congress(request: HttpRequest) -> Congress:
    congress_id = permissions.staff_congress_id(_user(request))
    if congress_id is None:
        raise NotPermitted("只有人大代表工作机构可以管理代表名册")
    return Congress.objects.get(pk=congress_id)


def _delegation(congress: Congress, delegation_id: int | None) -> Unit | None:
    if delegation_id is None:
        return None
    unit = Unit.objects.filter(pk=delegation_id, congress=congress).first()
    if unit is None:
        raise InvalidInput("所选代表团不存在", code="unknown_delegation", field="delegation_id")
    return unit


def _fields(error: InvalidInput) -> InvalidInput:
    if error.field == "delegation":
        error.field = "delegation_id"
    return error


# --- schemas ---


class TermOut(Schema):
    id: int
    congress_id: int
    congress_name: str
    term_number: int
    delegation_id: int | None
    delegation_name: str
    electoral_unit: str
    starts_on: dt.date
    ends_on: dt.date | None
    status: str = Field(..., description="in_office 在任 / resigned 辞职 / recalled 罢免 / terminated 资格终止")
    status_on: dt.date | None
    status_reason: str
    in_office: bool = Field(..., description="今天是否在任")

    @staticmethod
    def from_term(term: DeputyTerm) -> TermOut:
        return TermOut(
            id=term.pk,
            congress_id=term.congress_id,
            congress_name=term.congress.name,
            term_number=term.term_number,
            delegation_id=term.delegation_id,
            delegation_name=term.delegation.name if term.delegation else "",
            electoral_unit=term.electoral_unit,
            starts_on=term.starts_on,
            ends_on=term.ends_on,
            status=term.status,
            status_on=term.status_on,
            status_reason=term.status_reason,
            in_office=actions.is_current(term),
        )


class ProfileSummaryOut(Schema):
    id: int
    name: str
    gender: str
    party: str
    occupation: str
    employer: str
    title: str
    card_number: str
    phone_masked: str = Field(..., description="遮蔽的手机号")

    @staticmethod
    def resolve_phone_masked(obj: DeputyProfile) -> str:
        return actions.mask_phone(obj.phone)


class ProfileOut(Schema):
    id: int
    name: str
    gender: str
    party: str
    occupation: str
    employer: str
    title: str
    card_number: str
    phone_masked: str = Field(..., description="遮蔽的手机号")
    user_id: int
    ethnicity: str
    birth_date: dt.date
    id_number_masked: str = Field(..., description="遮蔽的身份证号")
    public_code: str
    has_photo: bool
    terms: list[TermOut]

    @staticmethod
    def from_profile(profile: DeputyProfile) -> ProfileOut:
        terms = profile.terms.select_related("congress", "delegation").order_by("-starts_on")
        return ProfileOut(
            id=profile.pk,
            user_id=profile.user_id,
            name=profile.name,
            gender=profile.gender,
            ethnicity=profile.ethnicity,
            birth_date=profile.birth_date,
            party=profile.party,
            occupation=profile.occupation,
            employer=profile.employer,
            title=profile.title,
            card_number=profile.card_number,
            phone_masked=actions.mask_phone(profile.phone),
            id_number_masked=profile.id_number_masked,
            public_code=profile.public_code,
            has_photo=bool(profile.photo),
            terms=[TermOut.from_term(term) for term in terms],
        )


class TermIn(Schema):
    term_number: int = Field(..., description="届次，如 17")
    delegation_id: int | None = Field(None, description="代表团（本级人大的代表团单位）")
    electoral_unit: str = Field("", max_length=100, description="选举单位（选区）")
    starts_on: dt.date
    ends_on: dt.date | None = None


class ProfileIn(Schema):
    name: str = Field(..., max_length=60)
    gender: str = Field(..., description="male 男 / female 女")
    ethnicity: str = Field("汉族", max_length=20)
    birth_date: dt.date | None = Field(None, description="可不填，按身份证号")
    party: str = Field(..., description="政治面貌代码，如 cpc 中共党员、non_party 无党派人士、masses 群众")
    occupation: str = Field(..., description="职业构成代码，如 worker、farmer、professional、official、enterprise")
    employer: str = Field("", max_length=100)
    title: str = Field("", max_length=100)
    phone: str = Field(..., description="手机号（代表用它接收短信验证码登录）")
    id_number: str = Field(..., description="18 位身份证号（加密保存）")
    card_number: str = Field("", max_length=30, description="代表证号")
    user_id: int | None = Field(None, description="已有账号；不填则按手机号查找或新建")
    term: TermIn | None = Field(None, description="同时登记的本级任期")


class ProfilePatch(Schema):
    name: str | None = None
    gender: str | None = None
    ethnicity: str | None = None
    birth_date: dt.date | None = None
    party: str | None = None
    occupation: str | None = None
    employer: str | None = None
    title: str | None = None
    phone: str | None = None
    id_number: str | None = Field(None, description="完整的新身份证号；不改则不填")
    card_number: str | None = None


class StatusIn(Schema):
    status: str = Field(..., description="resigned 辞职 / recalled 罢免 / terminated 资格终止")
    on: dt.date
    reason: str = Field(..., max_length=300)


class UnmaskIn(Schema):
    field: str = Field(..., description="phone 或 id_number")


class UnmaskOut(Schema):
    field: str
    value: str


class RosterQuery(Schema):
    q: str = Field("", max_length=60, description="姓名（包含）或代表证号（完全相同）")
    delegation_id: int | None = None
    status: str = ""
    occupation: str = ""


class ExportQuery(RosterQuery):
    unmasked: bool = Field(False, description="含完整手机号和身份证号（仅代表工作机构，记入审计）")


class RowErrorOut(Schema):
    column: str
    message: str


class RowOut(Schema):
    row: int
    ok: bool
    name: str
    errors: list[RowErrorOut]


class ImportOut(Schema):
    rows: list[RowOut]
    valid: int
    invalid: int
    imported: int = Field(..., description="导入的代表人数（dry_run 时为 0）")
    new_accounts: int


class FigureOut(Schema):
    key: str
    label: str
    count: int
    percent: float
    indent: bool


class BreakdownOut(Schema):
    key: str
    title: str
    figures: list[FigureOut]


class CompositionOut(Schema):
    congress_id: int
    on: dt.date
    total: int
    breakdowns: list[BreakdownOut]


# --- endpoints ---


@router.get("/deputies/profiles", response=list[ProfileSummaryOut], summary="代表名册（工作机构和领导；遮蔽）")
@paginate(LimitOffsetPagination)
def list_profiles(
    request: HttpRequest,
    q: str = "",
    delegation_id: int | None = None,
    status: str = "",
    occupation: str = "",
) -> QuerySet[DeputyProfile]:
    """Filters: ``q`` name (contains) or card number (exact), delegation, term status, occupation."""
    congress = _reader_congress(request)
    return roster_io.roster_profiles(
        congress,
        q=q.strip()[:60],
        delegation=_delegation(congress, delegation_id),
        status=status,
        occupation=occupation,
    )


@router.post("/deputies/profiles", response={201: ProfileOut}, summary="登记代表（代表工作机构）")
def create_profile(request: HttpRequest, body: ProfileIn) -> Status[ProfileOut]:
    congress = _staff_congress(request)
    user = None
    if body.user_id is not None:
        user = User.objects.filter(pk=body.user_id).first()
        if user is None:
            raise InvalidInput("所选账号不存在", code="unknown_user", field="user_id")
    term = body.term
    try:
        profile = actions.profile_create(
            actor=_user(request),
            congress=congress,
            name=body.name,
            gender=body.gender,
            ethnicity=body.ethnicity,
            birth_date=body.birth_date,
            party=body.party,
            occupation=body.occupation,
            employer=body.employer,
            title=body.title,
            phone=body.phone,
            id_number=body.id_number,
            card_number=body.card_number,
            user=user,
            term_number=term.term_number if term else None,
            delegation=_delegation(congress, term.delegation_id) if term else None,
            electoral_unit=term.electoral_unit if term else "",
            starts_on=term.starts_on if term else None,
            ends_on=term.ends_on if term else None,
        )
    except InvalidInput as error:
        raise _fields(error) from None
    return Status(201, ProfileOut.from_profile(profile))


@router.get("/deputies/profiles/{int:profile_id}", response=ProfileOut, summary="代表信息（遮蔽；代表本人可看自己的）")
def get_profile(request: HttpRequest, profile_id: int) -> ProfileOut:
    return ProfileOut.from_profile(permissions.get_readable_profile(_user(request), profile_id))


@router.patch("/deputies/profiles/{int:profile_id}", response=ProfileOut, summary="修改代表信息（代表工作机构）")
def update_profile(request: HttpRequest, profile_id: int, body: ProfilePatch) -> ProfileOut:
    profile = permissions.get_manageable_profile(_user(request), profile_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    profile = actions.profile_update(actor=_user(request), profile=profile, **changes)
    return ProfileOut.from_profile(profile)


@router.post(
    "/deputies/profiles/{int:profile_id}/photo",
    response=ProfileOut,
    summary="上传代表照片（代表工作机构；multipart 字段 file，图片不超过 5 MB）",
)
def set_photo(request: HttpRequest, profile_id: int, file: File[UploadedFile | None] = None) -> ProfileOut:
    profile = permissions.get_manageable_profile(_user(request), profile_id)
    if file is None:
        raise InvalidInput("请选择照片", code="required", field="file")
    try:
        profile = actions.photo_set(actor=_user(request), profile=profile, upload=file)
    except InvalidInput as error:
        error.field = "file"
        raise
    return ProfileOut.from_profile(profile)


@router.get(
    "/deputies/profiles/{int:profile_id}/photo",
    summary="代表照片",
    openapi_extra={"responses": {200: {"description": "图片", "content": {"image/*": {}}}}},
)
def get_photo(request: HttpRequest, profile_id: int) -> FileResponse:
    profile = permissions.get_readable_profile(_user(request), profile_id)
    if not profile.photo:
        raise Http404
    return FileResponse(profile.photo.open("rb"))


@router.get("/deputies/profiles/{int:profile_id}/terms", response=list[TermOut], summary="代表的任期")
def list_terms(request: HttpRequest, profile_id: int) -> list[TermOut]:
    profile = permissions.get_readable_profile(_user(request), profile_id)
    terms = profile.terms.select_related("congress", "delegation").order_by("-starts_on")
    return [TermOut.from_term(term) for term in terms]


@router.post(
    "/deputies/profiles/{int:profile_id}/terms",
    response={201: TermOut},
    summary="登记任期（代表工作机构；同一层级的任期不能重叠）",
)
def add_term(request: HttpRequest, profile_id: int, body: TermIn) -> Status[TermOut]:
    actor = _user(request)
    profile = permissions.get_readable_profile(actor, profile_id)
    congress = _staff_congress(request)
    try:
        term = actions.term_add(
            actor=actor,
            profile=profile,
            congress=congress,
            term_number=body.term_number,
            delegation=_delegation(congress, body.delegation_id),
            electoral_unit=body.electoral_unit,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
        )
    except InvalidInput as error:
        raise _fields(error) from None
    return Status(201, TermOut.from_term(term))


@router.post(
    "/deputies/terms/{int:term_id}/status",
    response=TermOut,
    summary="变更代表状态：辞职、罢免、资格终止（代表工作机构；代表角色随之失效）",
)
def change_status(request: HttpRequest, term_id: int, body: StatusIn) -> TermOut:
    term = permissions.get_manageable_term(_user(request), term_id)
    term = actions.status_change(actor=_user(request), term=term, status=body.status, on=body.on, reason=body.reason)
    return TermOut.from_term(DeputyTerm.objects.select_related("congress", "delegation").get(pk=term.pk))


@router.post(
    "/deputies/profiles/{int:profile_id}/unmask",
    response=UnmaskOut,
    summary="查看完整的手机号或身份证号（代表工作机构；记入审计）",
)
def unmask(request: HttpRequest, profile_id: int, body: UnmaskIn) -> UnmaskOut:
    profile = permissions.get_readable_profile(_user(request), profile_id)
    value = actions.unmask(actor=_user(request), profile=profile, field=body.field)
    return UnmaskOut(field=body.field, value=value)


@router.post(
    "/deputies/roster/import",
    response=ImportOut,
    summary="从 Excel 导入代表名册（代表工作机构）：默认只校验（dry_run），返回逐行校验结果",
    description=(
        "multipart/form-data：file 为 .xlsx（模板见 GET /deputies/roster/template.xlsx）。"
        "dry_run=true 只校验不保存；dry_run=false 时，只要有一行错误就不导入任何数据，"
        "除非 valid_only=true（只导入有效行）。"
    ),
)
def import_roster(
    request: HttpRequest,
    dry_run: Form[bool] = True,
    valid_only: Form[bool] = False,
    file: File[UploadedFile | None] = None,
) -> ImportOut:
    # Permission first: a refused caller learns nothing about the file, and nothing is read or saved.
    congress = _staff_congress(request)
    if file is None:
        raise InvalidInput("请上传要导入的 Excel 文件（.xlsx）", code="required", field="file")
    report = roster_io.parse(file, congress=congress)
    imported = new_accounts = 0
    if not dry_run:
        result = roster_io.roster_import(actor=_user(request), congress=congress, report=report, valid_only=valid_only)
        imported, new_accounts = result.profiles, result.new_accounts
    return ImportOut(
        rows=[
            RowOut(
                row=row.row,
                ok=row.ok,
                name=row.name,
                errors=[RowErrorOut(column=error.column, message=error.message) for error in row.errors],
            )
            for row in report.rows
        ],
        valid=report.valid,
        invalid=report.invalid,
        imported=imported,
        new_accounts=new_accounts,
    )


@router.get(
    "/deputies/roster/template.xlsx",
    summary="代表名册导入模板（.xlsx，代表工作机构）",
    openapi_extra={"responses": {200: {"description": "Excel 模板", "content": {roster_io.XLSX: {}}}}},
)
def roster_template(request: HttpRequest) -> HttpResponse:
    _staff_congress(request)
    response = HttpResponse(roster_io.template_workbook(), content_type=roster_io.XLSX)
    response["Content-Disposition"] = roster_io.TEMPLATE_DISPOSITION
    return response


@router.get(
    "/deputies/roster/export.xlsx",
    summary="导出代表名册（.xlsx；默认遮蔽，unmasked=true 仅代表工作机构且记入审计）",
    openapi_extra={"responses": {200: {"description": "Excel 名册", "content": {roster_io.XLSX: {}}}}},
)
def roster_export(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    congress = _reader_congress(request)
    profiles = roster_io.roster_profiles(
        congress,
        q=query.q.strip(),
        delegation=_delegation(congress, query.delegation_id),
        status=query.status,
        occupation=query.occupation,
    )
    content = roster_io.roster_export(
        actor=_user(request), congress=congress, profiles=profiles, unmasked=query.unmasked
    )
    response = HttpResponse(content, content_type=roster_io.XLSX)
    response["Content-Disposition"] = roster_io.export_disposition(congress, unmasked=query.unmasked)
    return response


@router.get(
    "/deputies/composition",
    response=CompositionOut,
    summary="代表构成统计：性别、年龄、职业、政治面貌、民族（某日在任代表；人数和占比）",
)
def get_composition(request: HttpRequest, on: dt.date | None = None) -> CompositionOut:
    congress = _reader_congress(request)
    result = composition.compute(congress, on or timezone.localdate())
    return CompositionOut(
        congress_id=congress.pk,
        on=result.on,
        total=result.total,
        breakdowns=[
            BreakdownOut(
                key=item.key,
                title=item.title,
                figures=[
                    FigureOut(
                        key=figure.key,
                        label=figure.label,
                        count=figure.count,
                        percent=float(figure.percent),
                        indent=figure.indent,
                    )
                    for figure in item.figures
                ],
            )
            for item in result.breakdowns
        ],
    )
