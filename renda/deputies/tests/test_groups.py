"""Deputies' groups: members, activities and the duty entries they log."""
# ruff: noqa: F811 - the fixtures imported from _stations_world are requested by name

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.errors import InvalidInput, NotPermitted
from renda.core.models import AuditEvent
from renda.deputies.actions import groups
from renda.deputies.models import DeputyProfile, DutyEntry, EntryKind, GroupActivity
from renda.deputies.tests._stations_world import acting, deputies, make_profile, staff  # noqa: F401 - fixtures
from renda.organizations.models import Congress

pytestmark = pytest.mark.django_db


def test_activity_logs_an_entry_per_participant(city: Congress, staff: User, deputies: list[DeputyProfile]) -> None:
    group = groups.group_create(
        actor=staff, congress=city, kind="professional", name="财经专业小组", leader=deputies[0], members=deputies[1:3]
    )
    assert set(group.members.all()) == set(deputies[:3])
    activity = groups.group_activity_record(
        actor=staff, group=group, title="调研预算执行", held_on=dt.date(2026, 3, 2), participants=deputies[:2]
    )
    entries = DutyEntry.objects.filter(kind=EntryKind.GROUP_ACTIVITY)
    assert sorted(entries.values_list("profile_id", flat=True)) == sorted(p.pk for p in deputies[:2])
    assert entries.first().linked_id == str(activity.pk)  # type: ignore[union-attr]
    with pytest.raises(InvalidInput) as error:
        groups.group_activity_record(
            actor=staff, group=group, title="x", held_on=dt.date(2026, 3, 3), participants=[deputies[3]]
        )
    assert error.value.field == "participants"
    assert GroupActivity.objects.count() == 1


def test_only_staff_and_the_leader_record(city: Congress, staff: User, deputies: list[DeputyProfile]) -> None:
    group = groups.group_create(actor=staff, congress=city, kind="area", name="东湖小组", leader=deputies[0])
    leader = acting(deputies[0].user)
    groups.group_activity_record(
        actor=leader, group=group, title="小组学习", held_on=dt.date(2026, 2, 1), participants=[deputies[0]]
    )
    groups.group_members_add(actor=staff, group=group, profiles=[deputies[1]])
    member = acting(deputies[1].user)
    with pytest.raises(NotPermitted):
        groups.group_activity_record(
            actor=member, group=group, title="x", held_on=dt.date(2026, 2, 1), participants=[deputies[1]]
        )
    with pytest.raises(NotPermitted):
        groups.group_members_add(actor=leader, group=group, profiles=[deputies[2]])
    with pytest.raises(InvalidInput):
        groups.group_members_remove(actor=staff, group=group, profiles=[deputies[0]])  # the leader
    groups.group_members_remove(actor=staff, group=group, profiles=[deputies[1]])
    assert list(group.members.all()) == [deputies[0]]


def test_duplicate_name_and_other_congress(
    city: Congress, district: Congress, staff: User, deputies: list[DeputyProfile]
) -> None:
    groups.group_create(actor=staff, congress=city, kind="area", name="重名小组")
    with pytest.raises(InvalidInput) as error:
        groups.group_create(actor=staff, congress=city, kind="area", name="重名小组")
    assert error.value.field == "name"
    with pytest.raises(NotPermitted):
        groups.group_create(actor=staff, congress=district, kind="area", name="区里的小组")
    outsider = make_profile(district)
    with pytest.raises(InvalidInput) as error:
        groups.group_create(actor=staff, congress=city, kind="area", name="混编", members=[outsider])
    assert error.value.field == "members"


def test_pages(city: Congress, staff: User, deputies: list[DeputyProfile]) -> None:
    client = login_client(staff)
    response = client.post(
        reverse("deputies:group_list"), {"kind": "area", "name": "西湖小组", "leader": deputies[0].pk}
    )
    assert response.status_code == 302
    group = deputies[0].groups.get()
    detail = reverse("deputies:group_detail", kwargs={"group_id": group.pk})
    response = client.post(detail, {"operation": "add", "members": [deputies[1].pk, deputies[2].pk]})
    assert response.status_code == 302
    assert group.members.count() == 3
    activity_url = reverse("deputies:group_activity", kwargs={"group_id": group.pk})
    assert client.get(activity_url).status_code == 200
    response = client.post(
        activity_url, {"title": "走访", "held_on": "2026-04-01", "place": "社区", "participants": [deputies[1].pk]}
    )
    assert response.status_code == 302
    assert DutyEntry.objects.filter(kind=EntryKind.GROUP_ACTIVITY, profile=deputies[1]).exists()
    listing = client.get(reverse("deputies:group_list"))
    assert "西湖小组" in listing.content.decode()
    # A deputy outside the group does not see it.
    outsider = login_client(acting(deputies[3].user))
    assert outsider.get(detail).status_code == 404
    assert outsider.post(activity_url, {"title": "x", "held_on": "2026-04-01"}).status_code == 404
    assert AuditEvent.objects.filter(action="deputies.group_activity_recorded").count() == 1


def test_group_page_lists_activities_newest_first(city: Congress, staff: User, deputies: list[DeputyProfile]) -> None:
    group = groups.group_create(actor=staff, congress=city, kind="area", name="时序小组", leader=deputies[0])
    for title, day in [
        ("三月活动", dt.date(2026, 3, 22)),
        ("一月活动", dt.date(2026, 1, 6)),
        ("九月活动", dt.date(2026, 9, 30)),
    ]:
        groups.group_activity_record(actor=staff, group=group, title=title, held_on=day, participants=[deputies[0]])
    page = login_client(staff).get(reverse("deputies:group_detail", kwargs={"group_id": group.pk})).content.decode()
    # The participant count is an aggregate, and Django drops Meta.ordering from aggregate queries.
    assert page.index("九月活动") < page.index("三月活动") < page.index("一月活动")
