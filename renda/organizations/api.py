"""API for congresses, units, users and roles: the same actions and permission fetchers as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from ninja import Body, Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from renda.accounts import actions as account_actions
from renda.accounts.api import AssignmentOut, OkOut, assignment_out
from renda.accounts.models import User
from renda.core import calendar
from renda.core.errors import InvalidInput
from renda.organizations import actions, permissions
from renda.organizations.config import SETTINGS
from renda.organizations.models import CalendarAdjustment, Congress, RoleAssignment, Unit

router = Router(tags=["组织机构 Organizations"])


def _actor(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    if not permissions.can_administer(user):
        raise PermissionDenied
    return user


class CongressOut(Schema):
    id: int
    name: str
    short_name: str
    code: str
    level: str
    parent_id: int | None
    is_active: bool


class CongressPatch(Schema):
    name: str | None = Field(None, max_length=100)
    short_name: str | None = Field(None, max_length=40)
    is_active: bool | None = None


class CongressChildIn(Schema):
    name: str = Field(..., max_length=100)
    short_name: str = Field("", max_length=40)
    code: str = Field(..., max_length=40)


@router.get("/congresses", response=list[CongressOut], summary="我管理的人大（树）")
@paginate(PageNumberPagination, page_size=100)
def list_congresses(request: HttpRequest) -> QuerySet[Congress]:
    return permissions.congresses_for_admin(_actor(request)).order_by("level", "code")


@router.get("/congresses/{congress_id}", response=CongressOut, summary="人大详情")
def get_congress(request: HttpRequest, congress_id: int) -> Congress:
    return permissions.get_congress_for_admin(_actor(request), congress_id)


@router.patch("/congresses/{congress_id}", response=CongressOut, summary="修改人大")
def patch_congress(request: HttpRequest, congress_id: int, payload: CongressPatch) -> Congress:
    actor = _actor(request)
    congress = permissions.get_congress_for_admin(actor, congress_id)
    return actions.congress_update(
        actor=actor,
        congress=congress,
        name=payload.name if payload.name is not None else congress.name,
        short_name=payload.short_name if payload.short_name is not None else congress.short_name,
        is_active=payload.is_active if payload.is_active is not None else congress.is_active,
    )


@router.post("/congresses/{congress_id}/children", response={201: CongressOut}, summary="设立下级人大")
def create_child_congress(request: HttpRequest, congress_id: int, payload: CongressChildIn) -> Status[Congress]:
    actor = _actor(request)
    parent = permissions.get_congress_for_admin(actor, congress_id)
    return Status(201, actions.congress_create(actor=actor, parent=parent, **payload.model_dump()))


class SettingOut(Schema):
    key: str
    label: str
    section: str
    kind: str
    default: Any
    value: Any


@router.get("/congresses/{congress_id}/settings", response=list[SettingOut], summary="人大配置（全部阈值）")
def get_settings(request: HttpRequest, congress_id: int) -> list[SettingOut]:
    congress = permissions.get_congress_for_admin(_actor(request), congress_id)
    return [
        SettingOut(
            key=spec.key,
            label=str(spec.label),
            section=spec.section,
            kind=spec.kind,
            default=spec.default,
            value=congress.setting(spec.key),
        )
        for spec in SETTINGS
    ]


@router.patch("/congresses/{congress_id}/settings", response=list[SettingOut], summary="修改人大配置")
def patch_settings(request: HttpRequest, congress_id: int, payload: Body[dict[str, Any]]) -> list[SettingOut]:
    actor = _actor(request)
    congress = permissions.get_congress_for_admin(actor, congress_id)
    actions.congress_settings_update(actor=actor, congress=congress, values=payload)
    return get_settings(request, congress_id)


class UnitOut(Schema):
    id: int
    congress_id: int
    parent_id: int | None
    kind: str
    name: str
    short_name: str
    is_active: bool


class UnitIn(Schema):
    congress_id: int
    name: str = Field(..., max_length=100)
    short_name: str = Field("", max_length=40)
    kind: str = Field(..., max_length=40)
    parent_id: int | None = None


class UnitPatch(Schema):
    name: str | None = Field(None, max_length=100)
    short_name: str | None = Field(None, max_length=40)
    kind: str | None = Field(None, max_length=40)
    parent_id: int | None = None
    is_active: bool | None = None


def _parent_unit(actor: User, parent_id: int | None) -> Unit | None:
    """A parent outside the actor's scope is reported as a bad field, not as a hidden 404."""
    if parent_id is None:
        return None
    parent = permissions.units_for_admin(actor).filter(pk=parent_id).first()
    if parent is None:
        raise InvalidInput("上级单位不存在或不属于你管理的人大", code="wrong_congress", field="parent_id")
    return parent


@router.get("/units", response=list[UnitOut], summary="单位列表")
@paginate(PageNumberPagination, page_size=50)
def list_units(request: HttpRequest, congress_id: int | None = None, q: str = "") -> QuerySet[Unit]:
    units = permissions.units_for_admin(_actor(request)).order_by("congress_id", "sort_order", "name")
    if congress_id is not None:
        units = units.filter(congress_id=congress_id)
    if q:
        units = units.filter(Q(name__contains=q[:50]) | Q(short_name__contains=q[:50]))
    return units


@router.post("/units", response={201: UnitOut}, summary="新建单位")
def create_unit(request: HttpRequest, payload: UnitIn) -> Status[Unit]:
    actor = _actor(request)
    congress = permissions.congresses_for_admin(actor).filter(pk=payload.congress_id).first()
    if congress is None:
        raise InvalidInput("所属人大不存在或不在你的管理范围内", code="wrong_congress", field="congress_id")
    unit = actions.unit_create(
        actor=actor,
        congress=congress,
        name=payload.name,
        short_name=payload.short_name,
        kind=payload.kind,
        parent=_parent_unit(actor, payload.parent_id),
    )
    return Status(201, unit)


@router.get("/units/{unit_id}", response=UnitOut, summary="单位详情")
def get_unit(request: HttpRequest, unit_id: int) -> Unit:
    return permissions.get_unit_for_admin(_actor(request), unit_id)


@router.patch("/units/{unit_id}", response=UnitOut, summary="修改单位")
def patch_unit(request: HttpRequest, unit_id: int, payload: UnitPatch) -> Unit:
    actor = _actor(request)
    unit = permissions.get_unit_for_admin(actor, unit_id)
    fields = payload.model_dump(exclude_unset=True)
    parent = _parent_unit(actor, fields["parent_id"]) if "parent_id" in fields else unit.parent
    return actions.unit_update(
        actor=actor,
        unit=unit,
        name=fields.get("name") or unit.name,
        short_name=fields["short_name"] if fields.get("short_name") is not None else unit.short_name,
        kind=fields.get("kind") or unit.kind,
        parent=parent,
        is_active=fields["is_active"] if fields.get("is_active") is not None else unit.is_active,
    )


class UserOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str
    email: str
    is_active: bool
    locked_until: dt.datetime | None
    must_change_password: bool


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.pk,
        username=user.username,
        full_name=user.full_name,
        phone_masked=user.masked_phone(),
        email=user.email,
        is_active=user.is_active,
        locked_until=user.locked_until,
        must_change_password=user.must_change_password,
    )


class UserDetailOut(UserOut):
    assignments: list[AssignmentOut]


class MemberIn(Schema):
    username: str = Field(..., max_length=150)
    full_name: str = Field(..., max_length=60)
    password: str = Field(..., max_length=128)
    phone: str = Field("", max_length=20)
    email: str = Field("", max_length=254)
    congress_id: int
    role: str = Field(..., max_length=40)
    unit_id: int | None = None


class UserPatch(Schema):
    full_name: str | None = Field(None, max_length=60)
    phone: str | None = Field(None, max_length=20)
    email: str | None = Field(None, max_length=254)
    is_active: bool | None = None


class RoleIn(Schema):
    congress_id: int
    role: str = Field(..., max_length=40)
    unit_id: int | None = None


class PasswordIn(Schema):
    new_password: str = Field(..., max_length=128)


def _congress_and_unit(actor: User, congress_id: int, unit_id: int | None) -> tuple[Congress, Unit | None]:
    congress = permissions.congresses_for_admin(actor).filter(pk=congress_id).first()
    if congress is None:
        raise InvalidInput("人大不存在或不在你的管理范围内", code="wrong_congress", field="congress_id")
    unit = None
    if unit_id is not None:
        unit = permissions.units_for_admin(actor).filter(pk=unit_id).first()
        if unit is None:
            raise InvalidInput("单位不存在或不在你的管理范围内", code="wrong_congress", field="unit_id")
    return congress, unit


def _detail(actor: User, member: User) -> UserDetailOut:
    scope = permissions.administered_congress_ids(actor)
    assignments = RoleAssignment.objects.filter(user=member, congress_id__in=scope).select_related("congress", "unit")
    return UserDetailOut(**user_out(member).model_dump(), assignments=[assignment_out(a) for a in assignments])


@router.get("/users", response=list[UserOut], summary="用户列表")
@paginate(PageNumberPagination, page_size=50)
def list_users(request: HttpRequest, q: str = "") -> QuerySet[User]:
    users = permissions.users_for_admin(_actor(request)).order_by("username")
    if q:
        users = users.filter(Q(username__contains=q[:50]) | Q(full_name__contains=q[:50]))
    return users


@router.post("/users", response={201: UserDetailOut}, summary="新建用户（同时授予第一个角色）")
def create_user(request: HttpRequest, payload: MemberIn) -> Status[UserDetailOut]:
    actor = _actor(request)
    congress, unit = _congress_and_unit(actor, payload.congress_id, payload.unit_id)
    member = actions.member_create(
        actor=actor,
        congress=congress,
        role=payload.role,
        unit=unit,
        username=payload.username,
        full_name=payload.full_name,
        password=payload.password,
        phone=payload.phone,
        email=payload.email,
    )
    return Status(201, _detail(actor, member))


@router.get("/users/{user_id}", response=UserDetailOut, summary="用户详情")
def get_user(request: HttpRequest, user_id: int) -> UserDetailOut:
    actor = _actor(request)
    return _detail(actor, permissions.get_user_for_admin(actor, user_id))


@router.patch("/users/{user_id}", response=UserDetailOut, summary="修改用户")
def patch_user(request: HttpRequest, user_id: int, payload: UserPatch) -> UserDetailOut:
    actor = _actor(request)
    member = permissions.get_user_for_admin(actor, user_id)
    account_actions.user_update(actor=actor, user=member, fields=payload.model_dump(exclude_unset=True))
    return _detail(actor, member)


@router.post("/users/{user_id}/roles", response={201: AssignmentOut}, summary="授予角色")
def grant_role(request: HttpRequest, user_id: int, payload: RoleIn) -> Status[AssignmentOut]:
    actor = _actor(request)
    member = permissions.get_user_for_admin(actor, user_id)
    congress, unit = _congress_and_unit(actor, payload.congress_id, payload.unit_id)
    assignment = actions.role_grant(actor=actor, user=member, congress=congress, role=payload.role, unit=unit)
    return Status(201, assignment_out(assignment))


@router.post("/roles/{assignment_id}/revoke", response=AssignmentOut, summary="撤销角色")
def revoke_role(request: HttpRequest, assignment_id: int) -> AssignmentOut:
    actor = _actor(request)
    assignment = permissions.get_assignment_for_admin(actor, assignment_id)
    return assignment_out(actions.role_revoke(actor=actor, assignment=assignment))


@router.post("/users/{user_id}/unlock", response=OkOut, summary="解锁账户")
def unlock_user(request: HttpRequest, user_id: int) -> OkOut:
    actor = _actor(request)
    account_actions.user_unlock(actor=actor, user=permissions.get_user_for_admin(actor, user_id))
    return OkOut()


@router.post("/users/{user_id}/totp/reset", response=OkOut, summary="重置动态口令（下次登录重新绑定）")
def reset_totp(request: HttpRequest, user_id: int) -> OkOut:
    actor = _actor(request)
    account_actions.totp_reset(actor=actor, user=permissions.get_user_for_admin(actor, user_id))
    return OkOut()


@router.post("/users/{user_id}/password", response=OkOut, summary="设置临时密码")
def reset_password(request: HttpRequest, user_id: int, payload: PasswordIn) -> OkOut:
    actor = _actor(request)
    member = permissions.get_user_for_admin(actor, user_id)
    account_actions.password_set_by_admin(actor=actor, user=member, new_password=payload.new_password)
    return OkOut()


# --- working calendar and due dates (renda/core/calendar.py, docs/calendar.md) ---


def _congress_for_calendar(user: User, congress_id: int) -> Congress:
    """A congress whose calendar the person may read, or 404 without saying whether it exists.

    TODO(calendar): move next to the other fetchers in permissions.py.
    """
    # Any congress the person holds an active role in...
    held = RoleAssignment.objects.filter(user=user, is_active=True).values("congress_id")
    # ...or administers now (their own and every one below it).
    administered = permissions.administered_congress_ids(user)
    congress = Congress.objects.filter(Q(pk__in=held) | Q(pk__in=administered), pk=congress_id).first()
    if congress is None:
        raise Http404
    return congress


def _adjustment_for_admin(user: User, adjustment_id: int) -> CalendarAdjustment:
    """TODO(calendar): move next to the other fetchers in permissions.py."""
    adjustment = (
        CalendarAdjustment.objects.filter(pk=adjustment_id, congress_id__in=permissions.administered_congress_ids(user))
        .select_related("congress")
        .first()
    )
    if adjustment is None:
        raise Http404
    return adjustment


class CalendarAdjustmentOut(Schema):
    id: int
    congress_id: int
    date: dt.date
    kind: str
    name: str
    inherited: bool = Field(description="由上级人大设置（本人大未另行设置同一天时生效）")
    created_at: dt.datetime


class CalendarAdjustmentIn(Schema):
    date: dt.date
    kind: str = Field(..., max_length=20, description="holiday（休息日）或 working_day（工作日）")
    name: str = Field(..., max_length=60)


@router.get(
    "/congresses/{congress_id}/calendar",
    response=list[CalendarAdjustmentOut],
    summary="工作日历调整（本人大及上级人大设置的）",
)
@paginate(PageNumberPagination, page_size=100)
def list_calendar_adjustments(
    request: HttpRequest, congress_id: int, year: int | None = None
) -> QuerySet[CalendarAdjustment]:
    congress = _congress_for_calendar(request.user, congress_id)  # type: ignore[arg-type]
    adjustments = CalendarAdjustment.objects.filter(congress_id__in=[congress.pk, *congress.ancestor_ids()]).annotate(
        inherited=Case(
            When(congress_id=congress.pk, then=Value(False)), default=Value(True), output_field=BooleanField()
        )
    )
    if year is not None:
        adjustments = adjustments.filter(date__year=year)
    return adjustments.order_by("date", "inherited")


@router.post(
    "/congresses/{congress_id}/calendar",
    response={201: CalendarAdjustmentOut},
    summary="设置工作日历调整（某日放假或上班）",
)
def set_calendar_adjustment(
    request: HttpRequest, congress_id: int, payload: CalendarAdjustmentIn
) -> Status[CalendarAdjustmentOut]:
    actor = _actor(request)
    congress = permissions.get_congress_for_admin(actor, congress_id)
    adjustment = actions.calendar_adjustment_set(
        actor=actor, congress=congress, date=payload.date, kind=payload.kind, name=payload.name
    )
    return Status(
        201,
        CalendarAdjustmentOut(
            id=adjustment.pk,
            congress_id=congress.pk,
            date=adjustment.date,
            kind=adjustment.kind,
            name=adjustment.name,
            inherited=False,
            created_at=adjustment.created_at,
        ),
    )


@router.post("/calendar/{adjustment_id}/remove", response=OkOut, summary="删除工作日历调整")
def remove_calendar_adjustment(request: HttpRequest, adjustment_id: int) -> OkOut:
    actor = _actor(request)
    actions.calendar_adjustment_remove(actor=actor, adjustment=_adjustment_for_admin(actor, adjustment_id))
    return OkOut()


class DueDateOut(Schema):
    rule: str
    label: str
    description: str
    unit: str
    setting: str = Field(description="给出期限长度的人大配置项")
    amount: int
    congress_id: int | None
    start: dt.date
    due_date: dt.date
    unadjusted_date: dt.date = Field(description="顺延前的届满日（按日、按月计算的期限）")
    rolled_forward: bool
    uses_fallback: bool = Field(description="期间内有年份缺少国家节假日数据，只按周末和人工录入的调整计算")


@router.get("/calendar/due-date", response=DueDateOut, summary="计算期限届满日")
def get_due_date(
    request: HttpRequest,
    rule: str,
    start: dt.date,
    congress_id: int | None = None,
    amount: int | None = None,
) -> DueDateOut:
    """Without congress_id: the congress of the role the caller acts in, or the national calendar and defaults."""
    user: User = request.user  # type: ignore[assignment]
    congress: Congress | None
    if congress_id is not None:
        congress = _congress_for_calendar(user, congress_id)
    else:
        assignment = permissions.acting_role(user)
        congress = assignment.congress if assignment is not None else None
    result = calendar.due_date_details(rule, start=start, congress=congress, amount=amount)
    return DueDateOut(
        rule=result.rule.name,
        label=result.rule.label,
        description=result.description,
        unit=result.rule.unit.value,
        setting=result.rule.setting,
        amount=result.amount,
        congress_id=congress.pk if congress is not None else None,
        start=result.start,
        due_date=result.due,
        unadjusted_date=result.unadjusted,
        rolled_forward=result.rolled_forward,
        uses_fallback=result.uses_fallback,
    )
