"""The two contact systems: who records which visit, and the duty entries they log."""
# ruff: noqa: F811 - the fixtures imported from _stations_world are requested by name

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.urls import reverse

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies.actions import contacts
from renda.deputies.models import ContactVisit, DeputyProfile, DutyEntry, EntryKind
from renda.deputies.tests._stations_world import acting, deputies, staff  # noqa: F401 - fixtures
from renda.organizations.models import Congress

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 4, 8)


@pytest.fixture
def sc_member(make_person: Callable[..., User]) -> User:
    return acting(make_person("sc_member"))


def test_sc_member_records_own_visit(
    sc_member: User, deputies: list[DeputyProfile], make_person: Callable[..., User]
) -> None:
    visit = contacts.contact_record(
        actor=sc_member, kind="sc_member_to_deputy", visitor=sc_member, deputy=deputies[0], date=DAY, method="走访"
    )
    entry = DutyEntry.objects.get(kind=EntryKind.CONTACTED_BY_SC)
    assert entry.profile == deputies[0]
    assert entry.linked_id == str(visit.pk)
    other = make_person("sc_member")
    with pytest.raises(NotPermitted):
        contacts.contact_record(
            actor=sc_member, kind="sc_member_to_deputy", visitor=other, deputy=deputies[1], date=DAY
        )
    with pytest.raises(NotPermitted):
        contacts.contact_record(
            actor=sc_member, kind="deputy_to_citizens", deputy=deputies[1], date=DAY, people_count=3
        )
    assert ContactVisit.objects.count() == 1


def test_deputy_records_own_contacts_with_citizens(deputies: list[DeputyProfile]) -> None:
    deputy = acting(deputies[0].user)
    contacts.contact_record(actor=deputy, kind="deputy_to_citizens", deputy=deputies[0], date=DAY, people_count=25)
    entry = DutyEntry.objects.get(kind=EntryKind.CONTACT_CITIZENS)
    assert entry.profile == deputies[0]
    with pytest.raises(NotPermitted):
        contacts.contact_record(actor=deputy, kind="deputy_to_citizens", deputy=deputies[1], date=DAY, people_count=2)
    with pytest.raises(InvalidInput) as error:
        contacts.contact_record(actor=deputy, kind="deputy_to_citizens", deputy=deputies[0], date=DAY, people_count=0)
    assert error.value.field == "people_count"
    with pytest.raises(InvalidInput) as error:
        contacts.contact_record(
            actor=deputy, kind="deputy_to_citizens", deputy=deputies[0], date=dt.date(2999, 1, 1), people_count=2
        )
    assert error.value.field == "date"


def test_staff_record_any_and_visitor_must_be_sc_member(
    staff: User, sc_member: User, deputies: list[DeputyProfile], make_person: Callable[..., User], district: Congress
) -> None:
    contacts.contact_record(actor=staff, kind="sc_member_to_deputy", visitor=sc_member, deputy=deputies[1], date=DAY)
    citizen = make_person("citizen")
    with pytest.raises(InvalidInput) as error:
        contacts.contact_record(actor=staff, kind="sc_member_to_deputy", visitor=citizen, deputy=deputies[1], date=DAY)
    assert error.value.field == "visitor"
    assert DutyEntry.objects.filter(kind=EntryKind.CONTACTED_BY_SC).count() == 1


def test_pages(sc_member: User, deputies: list[DeputyProfile], city: Congress) -> None:
    client = login_client(sc_member)
    form = client.get(reverse("deputies:contact_create"))
    assert form.status_code == 200
    response = client.post(
        reverse("deputies:contact_create"),
        {"kind": "sc_member_to_deputy", "visitor": sc_member.pk, "deputy": deputies[2].pk, "date": "2026-04-09"},
    )
    assert response.status_code == 302
    listing = client.get(reverse("deputies:contact_list"))
    assert deputies[2].name in listing.content.decode()
    deputy_client = login_client(acting(deputies[3].user))
    listing = deputy_client.get(reverse("deputies:contact_list"))
    assert deputies[2].name not in listing.content.decode()
    response = deputy_client.post(
        reverse("deputies:contact_create"),
        {"kind": "deputy_to_citizens", "deputy": deputies[3].pk, "date": "2026-04-09", "people_count": "0"},
    )
    assert response.status_code == 400
    assert "请填写联系群众人次" in response.content.decode()
