"""API for the caller's own account: who am I, switch role, change password, personal tokens."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import update_session_auth_hash
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from renda.accounts import actions
from renda.accounts.models import User
from renda.core.errors import NotPermitted
from renda.organizations.actions import role_switch
from renda.organizations.middleware import SESSION_KEY, active_assignments, resolve_assignment
from renda.organizations.models import RoleAssignment

router = Router(tags=["账户 Account"])


class AssignmentOut(Schema):
    id: int
    congress_id: int
    congress_name: str
    role: str
    role_label: str
    unit_id: int | None
    unit_name: str | None


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    phone_masked: str
    active_assignment_id: int | None
    assignments: list[AssignmentOut]


def assignment_out(assignment: RoleAssignment) -> AssignmentOut:
    return AssignmentOut(
        id=assignment.pk,
        congress_id=assignment.congress_id,
        congress_name=assignment.congress.name,
        role=assignment.role,
        role_label=str(assignment.get_role_display()),
        unit_id=assignment.unit_id,
        unit_name=assignment.unit.name if assignment.unit else None,
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/me", response=MeOut, summary="当前用户与角色")
def me(request: HttpRequest) -> MeOut:
    user = _user(request)
    active = user.active_assignment
    return MeOut(
        id=user.pk,
        username=user.username,
        full_name=user.full_name,
        phone_masked=user.masked_phone(),
        active_assignment_id=active.pk if active else None,
        assignments=[assignment_out(item) for item in active_assignments(user)],
    )


class RoleSwitchIn(Schema):
    assignment_id: int


@router.post("/me/role", response=AssignmentOut, summary="切换当前角色")
def switch_role(request: HttpRequest, payload: RoleSwitchIn) -> AssignmentOut:
    user = _user(request)
    assignment = resolve_assignment(user, payload.assignment_id)
    if assignment is None or assignment.pk != payload.assignment_id:
        raise Http404
    role_switch(user=user, assignment=assignment)
    if hasattr(request, "session"):
        request.session[SESSION_KEY] = assignment.pk
    return assignment_out(assignment)


class PasswordChangeIn(Schema):
    old_password: str = Field(..., max_length=128)
    new_password: str = Field(..., max_length=128)


class OkOut(Schema):
    ok: bool = True


@router.post("/me/password", response=OkOut, summary="修改密码")
def change_password(request: HttpRequest, payload: PasswordChangeIn) -> OkOut:
    user = _user(request)
    actions.password_change(user=user, old_password=payload.old_password, new_password=payload.new_password)
    if not getattr(request, "authenticated_by_token", False):
        # Keep the browser session that made the change logged in (others are logged out).
        update_session_auth_hash(request, user)
    return OkOut()


class TokenOut(Schema):
    id: int
    name: str
    key_prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    secret: str


class TokenIn(Schema):
    name: str = Field(..., max_length=60)


@router.get("/me/tokens", response=list[TokenOut], summary="我的个人令牌")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    return [TokenOut.model_validate(token, from_attributes=True) for token in _user(request).api_tokens.all()]


@router.post("/me/tokens", response={201: TokenCreatedOut}, summary="新建个人令牌（密钥只显示一次）")
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    if getattr(request, "authenticated_by_token", False):
        # A leaked token must not be able to mint more tokens; that needs a full (TOTP) login.
        raise NotPermitted("只能在登录后的页面或会话中新建令牌，不能用令牌新建令牌")
    token, secret = actions.token_create(user=_user(request), name=payload.name)
    data = TokenOut.model_validate(token, from_attributes=True).model_dump()
    return Status(201, TokenCreatedOut(**data, secret=secret))


@router.post("/me/tokens/{token_id}/revoke", response=TokenOut, summary="撤销个人令牌")
def revoke_token(request: HttpRequest, token_id: int) -> TokenOut:
    user = _user(request)
    token = user.api_tokens.filter(pk=token_id).first()
    if token is None:
        raise Http404
    token = actions.token_revoke(actor=user, token=token)
    return TokenOut.model_validate(token, from_attributes=True)
