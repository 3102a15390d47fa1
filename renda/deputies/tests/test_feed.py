"""The duty record's feed: suggestions submitted and co-signed, motions filed, logged by the processes themselves."""

from __future__ import annotations

import datetime as dt

import pytest

from renda.deputies.feed import record_system_entry, withdraw_system_entry
from renda.deputies.models import DutyEntry, EntryKind, EntrySource, EntryStatus
from renda.deputies.tests._record_world import (  # noqa: F401 - fixtures
    RecordWorld,
    media_root,
    record_world,
    suggestion_world,
)
from renda.motions import actions as motion_actions
from renda.organizations.models import CongressSession
from renda.suggestions import actions as suggestion_actions
from renda.suggestions.tests.conftest import drive

pytestmark = pytest.mark.django_db


def entries_of(rw: RecordWorld, kind: str) -> list[DutyEntry]:
    return list(DutyEntry.objects.filter(kind=kind).select_related("profile").order_by("profile__name"))


def test_submitting_logs_the_lead_and_each_confirmed_cosigner(rw: RecordWorld) -> None:
    suggestion = drive(rw.sw, "submitted")

    (lead,) = entries_of(rw, EntryKind.SUGGESTION)
    assert lead.profile == rw.profile
    assert (lead.source, lead.status) == (EntrySource.SYSTEM, EntryStatus.VERIFIED)
    assert (lead.linked_type, lead.linked_id) == ("suggestions.suggestion", str(suggestion.pk))
    assert lead.title == suggestion.title
    assert lead.term is not None and lead.congress == rw.sw.city
    # The second co-signer has no roster profile yet: skipped silently, the submission went through.
    (cosigned,) = entries_of(rw, EntryKind.SUGGESTION_COSIGNED)
    assert cosigned.profile == rw.cosigner_profile


def test_a_draft_is_not_logged(rw: RecordWorld) -> None:
    drive(rw.sw, "draft")
    assert not DutyEntry.objects.exists()


def test_resubmission_adds_nothing_twice_and_drops_a_removed_cosigner(rw: RecordWorld) -> None:
    suggestion = drive(rw.sw, "submitted")
    suggestion_actions.suggestion_return(actor=rw.staff, suggestion=suggestion, note="请补充具体地点")
    suggestion_actions.cosigner_remove(actor=rw.deputy, suggestion=suggestion, deputy=rw.cosigner)
    suggestion_actions.suggestion_submit(actor=rw.deputy, suggestion=suggestion)

    assert len(entries_of(rw, EntryKind.SUGGESTION)) == 1
    assert entries_of(rw, EntryKind.SUGGESTION_COSIGNED) == []


def test_withdrawing_the_suggestion_removes_its_entries(rw: RecordWorld) -> None:
    suggestion = drive(rw.sw, "submitted")
    assert DutyEntry.objects.count() == 2
    suggestion_actions.suggestion_withdraw(actor=rw.deputy, suggestion=suggestion, reason="问题已解决")
    assert not DutyEntry.objects.exists()


def test_record_system_entry_is_idempotent(rw: RecordWorld) -> None:
    kwargs = {
        "profile": rw.profile,
        "congress": rw.sw.city,
        "kind": EntryKind.STATION_RECEPTION,
        "date": dt.date(2026, 3, 2),
        "title": "进站接待群众",
        "linked": ("reception", "7"),
    }
    first = record_system_entry(**kwargs)  # type: ignore[arg-type]
    again = record_system_entry(**kwargs)  # type: ignore[arg-type]
    assert first.pk == again.pk
    assert DutyEntry.objects.count() == 1
    withdraw_system_entry(profile=rw.profile, kind=EntryKind.STATION_RECEPTION, linked=("reception", "7"))
    assert not DutyEntry.objects.exists()


def test_filing_a_motion_logs_a_motion_for_the_lead_only(rw: RecordWorld) -> None:
    city = rw.sw.city
    city.settings = {**city.settings, "motion_cosigner_threshold": 2}
    city.save(update_fields=["settings"])
    session = CongressSession.objects.create(
        congress=city, term=17, number=9, name="测试会议", opens_on=dt.date(2027, 1, 10), closes_on=dt.date(2027, 1, 14)
    )
    motion = motion_actions.motion_create(
        actor=rw.deputy,
        congress=city,
        session=session,
        title="关于制定养犬管理条例的议案",
        reason="r",
        grounds="g",
        plan="p",
    )
    motion_actions.cosigner_invite(actor=rw.deputy, motion=motion, deputies=[rw.cosigner])
    motion_actions.cosigner_respond(actor=rw.cosigner, motion=motion, accept=True)
    motion_actions.motion_file(actor=rw.deputy, motion=motion)

    (entry,) = DutyEntry.objects.all()
    assert (entry.kind, entry.profile, entry.title) == (EntryKind.MOTION, rw.profile, motion.title)
    assert (entry.linked_type, entry.linked_id) == ("motions.motion", str(motion.pk))


def test_a_deputy_without_a_profile_is_skipped(rw: RecordWorld) -> None:
    rw.profile.terms.all().delete()
    rw.profile.delete()
    drive(rw.sw, "submitted")
    assert [entry.profile for entry in DutyEntry.objects.all()] == [rw.cosigner_profile]
