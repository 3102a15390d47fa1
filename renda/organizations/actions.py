"""Every change to congresses, units and role assignments.

Actions take keyword-only arguments and an explicit actor, check permission
and input before touching anything, run in one transaction and write one audit
event.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from renda.core.audit import audit_record
from renda.core.calendar import FIRST_SUPPORTED_DATE, LAST_SUPPORTED_DATE
from renda.core.errors import InvalidInput, NotPermitted
from renda.organizations import permissions
from renda.organizations.config import clean_setting
from renda.organizations.models import (
    CalendarAdjustment,
    CalendarAdjustmentKind,
    Congress,
    CongressLevel,
    RoleAssignment,
    Unit,
    UnitKind,
)
from renda.organizations.roles import ROLES_REQUIRING_UNIT, Role

if TYPE_CHECKING:
    from renda.accounts.models import User

CHILD_LEVEL = {CongressLevel.CITY: CongressLevel.DISTRICT, CongressLevel.DISTRICT: CongressLevel.TOWNSHIP}


def _clean_name(value: str, *, field: str, label: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{label}不能为空", code="required", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字", code="too_long", field=field)
    return value


@transaction.atomic
def congress_create(*, actor: User, parent: Congress, name: str, short_name: str, code: str) -> Congress:
    if not permissions.can_create_child_congress(actor, parent):
        raise NotPermitted("无权在该人大下设立下级人大")
    name = _clean_name(name, field="name", label="名称", max_length=100)
    short_name = _clean_name(short_name, field="short_name", label="简称", max_length=40, required=False)
    code = _clean_name(code, field="code", label="代码", max_length=40)
    if not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in code):
        raise InvalidInput("代码只能包含英文字母、数字、- 和 _", code="invalid", field="code")
    if Congress.objects.filter(code=code).exists():
        raise InvalidInput("代码已被使用", code="duplicate", field="code")
    level = CHILD_LEVEL[CongressLevel(parent.level)]
    congress = Congress.objects.create(name=name, short_name=short_name, code=code, level=level, parent=parent)
    audit_record(
        actor=actor, action="congress.created", target=congress, congress=congress, summary={"parent": parent.pk}
    )
    return congress


@transaction.atomic
def congress_update(*, actor: User, congress: Congress, name: str, short_name: str, is_active: bool) -> Congress:
    if not permissions.can_administer_congress(actor, congress):
        raise NotPermitted("无权修改该人大")
    own = actor.active_assignment
    if not is_active and own is not None and own.congress_id == congress.pk:
        raise InvalidInput("不能停用自己所在的人大", code="self_deactivate", field="is_active")
    name = _clean_name(name, field="name", label="名称", max_length=100)
    short_name = _clean_name(short_name, field="short_name", label="简称", max_length=40, required=False)
    changes = {
        key: value
        for key, value in {"name": name, "short_name": short_name, "is_active": is_active}.items()
        if getattr(congress, key) != value
    }
    for key, value in changes.items():
        setattr(congress, key, value)
    if changes:
        congress.save(update_fields=list(changes))
    audit_record(
        actor=actor, action="congress.updated", target=congress, congress=congress, summary={"fields": sorted(changes)}
    )
    return congress


@transaction.atomic
def congress_settings_update(*, actor: User, congress: Congress, values: dict[str, Any]) -> Congress:
    """Change [config] thresholds. All values are checked before any is saved."""
    if not permissions.can_administer_congress(actor, congress):
        raise NotPermitted("无权修改该人大的配置")
    cleaned = {key: clean_setting(key, value) for key, value in values.items()}
    before = {key: congress.setting(key) for key in cleaned}
    changed = {key: value for key, value in cleaned.items() if before[key] != value}
    congress.settings = {**congress.settings, **changed}
    congress.save(update_fields=["settings"])
    audit_record(
        actor=actor,
        action="congress.settings_changed",
        target=congress,
        congress=congress,
        summary={"changed": {key: {"from": before[key], "to": value} for key, value in changed.items()}},
    )
    return congress


def _clean_parent_unit(parent: Unit | None, congress: Congress, unit: Unit | None = None) -> Unit | None:
    if parent is None:
        return None
    if parent.congress_id != congress.pk:
        raise InvalidInput("上级单位必须属于同一个人大", code="wrong_congress", field="parent")
    node: Unit | None = parent
    while node is not None:
        if unit is not None and node.pk == unit.pk:
            raise InvalidInput("上级单位不能是本单位或其下级", code="cycle", field="parent")
        node = node.parent
    return parent


def _clean_unit_fields(*, name: str, short_name: str, kind: str) -> tuple[str, str, str]:
    name = _clean_name(name, field="name", label="单位名称", max_length=100)
    short_name = _clean_name(short_name, field="short_name", label="简称", max_length=40, required=False)
    if kind not in UnitKind.values:
        raise InvalidInput("请选择单位类型", code="invalid_choice", field="kind")
    return name, short_name, kind


@transaction.atomic
def unit_create(
    *,
    actor: User,
    congress: Congress,
    name: str,
    short_name: str,
    kind: str,
    parent: Unit | None = None,
    sort_order: int = 0,
) -> Unit:
    if not permissions.can_administer_congress(actor, congress):
        raise NotPermitted("无权在该人大下设立单位")
    name, short_name, kind = _clean_unit_fields(name=name, short_name=short_name, kind=kind)
    parent = _clean_parent_unit(parent, congress)
    if Unit.objects.filter(congress=congress, name=name).exists():
        raise InvalidInput("该人大已有同名单位", code="duplicate", field="name")
    unit = Unit.objects.create(
        congress=congress, name=name, short_name=short_name, kind=kind, parent=parent, sort_order=sort_order
    )
    audit_record(actor=actor, action="unit.created", target=unit, congress=congress, summary={"kind": kind})
    return unit


@transaction.atomic
def unit_update(
    *, actor: User, unit: Unit, name: str, short_name: str, kind: str, parent: Unit | None, is_active: bool
) -> Unit:
    if not permissions.can_administer_unit(actor, unit):
        raise NotPermitted("无权修改该单位")
    name, short_name, kind = _clean_unit_fields(name=name, short_name=short_name, kind=kind)
    parent = _clean_parent_unit(parent, unit.congress, unit)
    if name != unit.name and Unit.objects.filter(congress=unit.congress, name=name).exclude(pk=unit.pk).exists():
        raise InvalidInput("该人大已有同名单位", code="duplicate", field="name")
    new_values = {
        "name": name,
        "short_name": short_name,
        "kind": kind,
        "parent_id": parent.pk if parent else None,
        "is_active": is_active,
    }
    changes = {key: value for key, value in new_values.items() if getattr(unit, key) != value}
    for key, value in changes.items():
        setattr(unit, key, value)
    if changes:
        unit.save(update_fields=list(changes))
    audit_record(
        actor=actor, action="unit.updated", target=unit, congress=unit.congress, summary={"fields": sorted(changes)}
    )
    return unit


def _clean_role(*, congress: Congress, role: str, unit: Unit | None) -> tuple[str, Unit | None]:
    if role not in Role.values:
        raise InvalidInput("请选择角色", code="invalid_choice", field="role")
    if role in ROLES_REQUIRING_UNIT and unit is None:
        raise InvalidInput("该角色必须指定所在单位", code="required", field="unit")
    if unit is not None and unit.congress_id != congress.pk:
        raise InvalidInput("所选单位不属于该人大", code="wrong_congress", field="unit")
    return role, unit


@transaction.atomic
def role_grant(*, actor: User, user: User, congress: Congress, role: str, unit: Unit | None = None) -> RoleAssignment:
    if not permissions.can_grant_role(actor, congress, role):
        raise NotPermitted("无权在该人大授予角色")
    role, unit = _clean_role(congress=congress, role=role, unit=unit)
    if user.role_assignments.exists() and not permissions.can_administer_user(actor, user):
        raise NotPermitted("该用户在你管理范围之外还担任职务，无权为其授予角色")
    if not permissions.can_grant_role(actor, congress, role, target=user):
        if user.pk == actor.pk:
            raise InvalidInput("不能给自己授予角色", code="self_grant", field="role")
        raise InvalidInput("系统管理员和审计员不能由同一人在同一人大兼任", code="separation_of_duties", field="role")
    existing = RoleAssignment.objects.filter(user=user, congress=congress, role=role, unit=unit).first()
    if existing is not None and existing.is_active:
        raise InvalidInput("该用户已拥有此角色", code="duplicate", field="role")
    if existing is not None:
        existing.is_active = True
        existing.save(update_fields=["is_active"])
        assignment = existing
    else:
        try:
            with transaction.atomic():
                assignment = RoleAssignment.objects.create(user=user, congress=congress, role=role, unit=unit)
        except IntegrityError:
            raise InvalidInput("该用户已拥有此角色", code="duplicate", field="role") from None
    audit_record(
        actor=actor,
        action="role.granted",
        target=assignment,
        congress=congress,
        summary={"user": user.pk, "role": role, "unit": unit.pk if unit else None},
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> RoleAssignment:
    if not permissions.can_administer_congress(actor, assignment.congress):
        raise NotPermitted("无权撤销该角色")
    if not assignment.is_active:
        raise InvalidInput("该角色已撤销", code="already_revoked")
    if assignment.user_id == actor.pk and assignment.role == Role.STAFF_ADMIN:
        raise InvalidInput("不能撤销自己的系统管理员角色", code="self_revoke", field="role")
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="role.revoked",
        target=assignment,
        congress=assignment.congress,
        summary={"user": assignment.user_id, "role": assignment.role},
    )
    return assignment


@transaction.atomic
def member_create(
    *,
    actor: User,
    congress: Congress,
    role: str,
    unit: Unit | None,
    username: str,
    full_name: str,
    password: str,
    phone: str = "",
    email: str = "",
) -> User:
    """Create an account together with its first role, so no account exists outside every congress."""
    from renda.accounts.actions import user_create

    if not permissions.can_grant_role(actor, congress, role):
        raise NotPermitted("无权在该人大创建用户")
    _clean_role(congress=congress, role=role, unit=unit)
    user = user_create(actor=actor, username=username, full_name=full_name, password=password, phone=phone, email=email)
    role_grant(actor=actor, user=user, congress=congress, role=role, unit=unit)
    return user


@transaction.atomic
def role_switch(*, user: User, assignment: RoleAssignment) -> RoleAssignment:
    """The person starts acting in another of their roles."""
    if assignment.user_id != user.pk or not assignment.is_active:
        raise NotPermitted("不能切换到该角色")
    audit_record(
        actor=user,
        action="account.role_switched",
        target=assignment,
        congress=assignment.congress,
        acting_role=assignment.role,
        summary={"role": assignment.role},
    )
    user.active_assignment = assignment
    return assignment


def _clean_adjustment_date(value: object) -> dt.date:
    # A datetime is a date too, but which day it means depends on a time zone.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise InvalidInput("日期必须写作 年-月-日", code="invalid_date", field="date")
    if not FIRST_SUPPORTED_DATE <= value <= LAST_SUPPORTED_DATE:
        raise InvalidInput(
            f"日期必须在 {FIRST_SUPPORTED_DATE.year} 年至 {LAST_SUPPORTED_DATE.year} 年之间",
            code="out_of_range",
            field="date",
        )
    return value


@transaction.atomic
def calendar_adjustment_set(
    *, actor: User, congress: Congress, date: dt.date, kind: str, name: str
) -> CalendarAdjustment:
    """Make one day an extra holiday or an extra working day for this congress (and those below it).

    A day already adjusted for this congress is changed in place: one row per
    congress and day. Calendars built afterwards see the change (renda/core/calendar.py).
    """
    if not permissions.can_administer_congress(actor, congress):
        raise NotPermitted("无权调整该人大的工作日历")
    date = _clean_adjustment_date(date)
    if kind not in CalendarAdjustmentKind.values:
        raise InvalidInput("类型只能是“休息日”或“工作日”", code="invalid_choice", field="kind")
    name = _clean_name(name, field="name", label="名称", max_length=60)
    adjustment = CalendarAdjustment.objects.select_for_update().filter(congress=congress, date=date).first()
    previous = None if adjustment is None else {"kind": adjustment.kind, "name": adjustment.name}
    if adjustment is None:
        try:
            with transaction.atomic():
                adjustment = CalendarAdjustment.objects.create(congress=congress, date=date, kind=kind, name=name)
        except IntegrityError:
            # Someone set the same day at the same moment; their row stands.
            raise InvalidInput("该日期刚被他人调整，请刷新后重试", code="duplicate", field="date") from None
    else:
        adjustment.kind = kind
        adjustment.name = name
        adjustment.save(update_fields=["kind", "name"])
    audit_record(
        actor=actor,
        action="calendar.adjustment_set",
        target=adjustment,
        congress=congress,
        summary={"date": date.isoformat(), "kind": kind, "name": name, "previous": previous},
    )
    return adjustment


@transaction.atomic
def calendar_adjustment_remove(*, actor: User, adjustment: CalendarAdjustment) -> None:
    """Drop an adjustment: the day follows the national calendar (or a congress above) again."""
    if not permissions.can_administer_congress(actor, adjustment.congress):
        raise NotPermitted("无权调整该人大的工作日历")
    audit_record(
        actor=actor,
        action="calendar.adjustment_removed",
        target=adjustment,
        congress=adjustment.congress,
        summary={"date": adjustment.date.isoformat(), "kind": adjustment.kind, "name": adjustment.name},
    )
    adjustment.delete()
