"""Deputies' groups (代表小组 by area, 代表专业小组 by field): create, change, members, activities.

A recorded activity logs a ``group_activity`` duty entry for each participant (一事一记).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions._activity import (
    NAME_MAX,
    PLACE_MAX,
    TEXT_MAX,
    TITLE_MAX,
    not_in_future,
    record,
    require_congress_deputies,
    require_date,
    unique_profiles,
)
from renda.deputies.feed import record_system_entry
from renda.deputies.models import DeputyGroup, DeputyProfile, EntryKind, GroupActivity, GroupKind

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress


def _require_manager(actor: User, congress: Congress) -> None:
    if not permissions.can_manage_groups(actor, congress):
        raise NotPermitted("只有本级人大工作机构可以管理代表小组")


def _clean_leader(leader: DeputyProfile | None, congress: Congress) -> DeputyProfile | None:
    if leader is None:
        return None
    unique_profiles([leader], field="leader", label="组长")
    require_congress_deputies([leader], congress, field="leader", label="组长")
    return leader


def _clean_name(congress: Congress, name: str, *, exclude: int | None = None) -> str:
    name = clean_text(name, field="name", label="小组名称", max_length=NAME_MAX)
    clash = DeputyGroup.objects.filter(congress=congress, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise InvalidInput(f"本级人大已有名为“{name}”的小组", code="duplicate", field="name")
    return name


@transaction.atomic
def group_create(
    *,
    actor: User,
    congress: Congress,
    kind: str,
    name: str,
    scope: str = "",
    leader: DeputyProfile | None = None,
    members: Iterable[DeputyProfile] = (),
) -> DeputyGroup:
    """Open a group; the leader is always one of its members."""
    _require_manager(actor, congress)
    kind = clean_choice(kind, GroupKind.values, field="kind", label="小组类型")
    name = _clean_name(congress, name)
    scope = clean_text(scope, field="scope", label="区域或领域", max_length=NAME_MAX, required=False)
    leader = _clean_leader(leader, congress)
    profiles = unique_profiles(members, field="members", label="小组成员", required=False)
    require_congress_deputies(profiles, congress, field="members", label="小组成员")
    group = DeputyGroup.objects.create(congress=congress, kind=kind, name=name, scope=scope, leader=leader)
    if leader is not None and leader not in profiles:
        profiles.append(leader)
    group.members.add(*profiles)
    record(actor, "group_created", group, congress, kind=kind, members=len(profiles))
    return group


@transaction.atomic
def group_update(
    *,
    actor: User,
    group: DeputyGroup,
    name: str,
    scope: str = "",
    leader: DeputyProfile | None = None,
    is_active: bool = True,
) -> DeputyGroup:
    _require_manager(actor, group.congress)
    group = DeputyGroup.objects.select_for_update().get(pk=group.pk)
    group.name = _clean_name(group.congress, name, exclude=group.pk)
    group.scope = clean_text(scope, field="scope", label="区域或领域", max_length=NAME_MAX, required=False)
    group.leader = _clean_leader(leader, group.congress)
    group.is_active = bool(is_active)
    group.save(update_fields=["name", "scope", "leader", "is_active"])
    if group.leader is not None:
        group.members.add(group.leader)
    record(actor, "group_updated", group, group.congress, name=group.name, is_active=group.is_active)
    return group


@transaction.atomic
def group_members_add(*, actor: User, group: DeputyGroup, profiles: Iterable[DeputyProfile]) -> DeputyGroup:
    _require_manager(actor, group.congress)
    added = unique_profiles(profiles, field="members", label="小组成员")
    require_congress_deputies(added, group.congress, field="members", label="小组成员")
    group.members.add(*added)
    record(actor, "group_members_added", group, group.congress, profiles=[p.pk for p in added])
    return group


@transaction.atomic
def group_members_remove(*, actor: User, group: DeputyGroup, profiles: Iterable[DeputyProfile]) -> DeputyGroup:
    _require_manager(actor, group.congress)
    removed = list({p.pk: p for p in profiles}.values())
    if not removed:
        raise InvalidInput("请选择要移出的成员", code="required", field="members")
    if group.leader_id is not None and any(p.pk == group.leader_id for p in removed):
        raise InvalidInput("组长不能移出小组，请先更换组长", code="leader", field="members")
    group.members.remove(*removed)
    record(actor, "group_members_removed", group, group.congress, profiles=[p.pk for p in removed])
    return group


@transaction.atomic
def group_activity_record(
    *,
    actor: User,
    group: DeputyGroup,
    title: str,
    held_on: dt.date,
    participants: Iterable[DeputyProfile],
    place: str = "",
    summary: str = "",
) -> GroupActivity:
    """Record a held activity; each participating member gets a ``group_activity`` entry in their file."""
    if not permissions.can_record_group_activity(actor, group):
        raise NotPermitted("只有本级人大工作机构或小组组长可以登记小组活动")
    if not group.is_active:
        raise InvalidInput("该小组已停用，不能登记活动", code="inactive", field="group")
    title = clean_text(title, field="title", label="活动名称", max_length=TITLE_MAX)
    held_on = require_date(held_on, field="held_on", label="活动日期")
    not_in_future(held_on, field="held_on", label="活动日期")
    place = clean_text(place, field="place", label="地点", max_length=PLACE_MAX, required=False)
    summary = clean_text(summary, field="summary", label="活动情况", max_length=TEXT_MAX, required=False)
    people = unique_profiles(participants, field="participants", label="参加代表")
    member_ids = set(group.members.values_list("pk", flat=True))
    outsiders = [p for p in people if p.pk not in member_ids]
    if outsiders:
        raise InvalidInput(f"{outsiders[0].name} 不是本小组成员", code="not_member", field="participants")
    activity = GroupActivity.objects.create(
        group=group, title=title, held_on=held_on, place=place, summary=summary, created_by=actor
    )
    activity.participants.add(*people)
    for profile in people:
        record_system_entry(
            profile=profile,
            congress=group.congress,
            kind=EntryKind.GROUP_ACTIVITY,
            date=held_on,
            title=f"{group.name}：{title}",
            linked=activity,
            actor=actor,
        )
    record(actor, "group_activity_recorded", group, group.congress, activity=activity.pk, participants=len(people))
    return activity
