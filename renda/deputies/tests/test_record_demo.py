"""The demo step of the duty record: a year of entries made by the real actions, fast and by the rules."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.utils import timezone

from renda.core.models import TodoItem, TodoStatus
from renda.deputies.actions import record
from renda.deputies.demo import records as demo
from renda.deputies.models import DutyEntry, DutyEvidence, EntryKind, EntrySource, EntryStatus
from renda.deputies.tests._record_world import make_profile, media_root  # noqa: F401 - fixture
from renda.organizations.models import Congress, CongressSession, RoleAssignment
from renda.organizations.roles import Role
from renda.tests_support import factories

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(timezone.localdate() < dt.date(2026, 1, 10), reason="the demo's session lies in the future")
def test_demo_year_of_records(city: Congress, media: Path) -> None:
    office = factories.UnitFactory(congress=city, name="人代选任工委", kind="working_body")
    clerk = factories.UserFactory(username="clerk")
    RoleAssignment.objects.create(user=clerk, congress=city, role=Role.COMMITTEE_STAFF, unit=office)
    deputy = factories.UserFactory(username="deputy", full_name="演示代表")
    RoleAssignment.objects.create(user=deputy, congress=city, role=Role.DEPUTY)
    demo_profile = make_profile(deputy, city)
    for index in range(60):
        user = factories.UserFactory(username=f"deputy{index:04d}")
        RoleAssignment.objects.create(user=user, congress=city, role=Role.DEPUTY)
        make_profile(user, city)
    CongressSession.objects.create(
        congress=city,
        term=17,
        number=5,
        name="第五次会议",
        opens_on=dt.date(2026, 1, 10),
        closes_on=dt.date(2026, 1, 14),
    )

    started = time.monotonic()
    demo.build(city=city, seed=2026)
    assert time.monotonic() - started < 20

    self_reported = DutyEntry.objects.filter(source=EntrySource.SELF)
    assert self_reported.count() == demo.TARGET_ENTRIES + 2
    assert self_reported.filter(status=EntryStatus.PENDING).count() == demo.PENDING + 2
    assert self_reported.filter(status=EntryStatus.REJECTED).exists()
    assert self_reported.filter(status=EntryStatus.VERIFIED, verified_by=clerk).count() > 1300
    assert TodoItem.objects.filter(kind=record.TODO_VERIFY, status=TodoStatus.OPEN).count() == demo.PENDING + 2
    assert DutyEvidence.objects.filter(entry__profile=demo_profile).count() == 2
    assert demo_profile.entries.count() >= 30
    attended = DutyEntry.objects.filter(kind=EntryKind.ATTEND_SESSION).count()
    absent = DutyEntry.objects.filter(kind=EntryKind.ABSENT).count()
    assert attended + absent == 61 and absent == 61 // 20
    held = [day for day, _number in demo.SC_MEETINGS if day <= timezone.localdate()]
    assert DutyEntry.objects.filter(kind=EntryKind.ATTEND_SC).values("linked_id").distinct().count() == len(held)
    assert not DutyEntry.objects.filter(date__gt=timezone.localdate()).exists()
