from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from renda.accounts.models import User
from renda.core import audit
from renda.core.models import AppendOnlyError, AuditChainHead, AuditEvent
from renda.organizations.models import Congress
from renda.organizations.roles import Role


def _record(n: int, actor: User | None = None, congress: Congress | None = None) -> list[AuditEvent]:
    events = []
    for index in range(n):
        with transaction.atomic():
            events.append(
                audit.audit_record(
                    actor=actor, action="test.event", congress=congress, summary={"n": index, "名": "值"}
                )
            )
    return events


@pytest.mark.django_db
def test_events_are_chained_by_hash_and_numbered_without_gaps(city: Congress) -> None:
    events = _record(5, congress=city)
    assert [event.sequence for event in events] == [1, 2, 3, 4, 5]
    assert events[0].previous_hash == audit.GENESIS_HASH
    for before, after in itertools.pairwise(events):
        assert after.previous_hash == before.event_hash
    head = AuditChainHead.objects.get(pk=1)
    assert head.last_sequence == 5 and head.last_hash == events[-1].event_hash
    assert audit.verify_chain().ok


def test_sm3_is_used_when_hashlib_offers_it() -> None:
    expected = "sm3" if "sm3" in hashlib.algorithms_available else "sha256"
    assert expected == audit.HASH_ALGORITHM


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError):
        audit.audit_record(actor=None, action="test.event")
    assert AuditEvent.objects.count() == 0


@pytest.mark.django_db
def test_the_app_has_no_path_to_edit_or_delete_an_event(city: Congress) -> None:
    event = _record(1, congress=city)[0]
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    event.refresh_from_db()
    assert event.action == "test.event"


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_raw_update() -> None:
    with transaction.atomic():
        audit.audit_record(actor=None, action="test.event")
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'x'")
    assert AuditEvent.objects.get().action == "test.event"


def _drop_update_guard() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_update")
        else:
            # Simulates someone with database superuser rights working around the trigger.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_no_change")


@pytest.mark.django_db
def test_verify_names_the_first_tampered_event(city: Congress) -> None:
    _record(6, congress=city)
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET target_label = 'forged' WHERE sequence IN (4, 5)")
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_sequence == 4
    assert report.checked == 3
    with pytest.raises(CommandError, match="#4"):
        call_command("audit_verify")


@pytest.mark.django_db
def test_verify_names_a_missing_event(city: Congress) -> None:
    _record(5, congress=city)
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE sequence = 3")
    report = audit.verify_chain()
    assert (report.ok, report.first_bad_sequence) == (False, 3)


@pytest.mark.django_db
def test_verify_notices_events_cut_from_the_end(city: Congress) -> None:
    _record(4, congress=city)
    _drop_update_guard()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE sequence = 4")
    report = audit.verify_chain()
    assert (report.ok, report.first_bad_sequence) == (False, 4)


@pytest.mark.django_db
def test_verify_command_reports_an_intact_chain(city: Congress, capsys: pytest.CaptureFixture[str]) -> None:
    _record(3, congress=city)
    call_command("audit_verify")
    assert "3 个事件" in capsys.readouterr().out


@pytest.mark.django_db
def test_event_records_actor_role_congress_target_and_ip(
    admin_client: object, admin_user: User, city: Congress
) -> None:
    from django.test import Client

    assert isinstance(admin_client, Client)
    response = admin_client.post(
        f"/manage/congresses/{city.pk}/",
        {"form": "congress", "name": "江城市人大（改）", "short_name": "江城", "is_active": "on"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="congress.updated")
    assert event.actor == admin_user
    assert event.acting_role == Role.STAFF_ADMIN
    assert event.congress_id == city.pk
    assert event.target_type == "organizations.congress"
    assert event.target_id == str(city.pk)
    assert event.ip_address == "10.1.2.3"
    assert event.summary == {"fields": ["name", "short_name"]}


@pytest.mark.django_db
def test_auditor_filters_the_audit_viewer(
    make_person: Callable[..., User], client_for: Callable[..., object], city: Congress, other_city: Congress
) -> None:
    auditor = make_person(Role.AUDITOR)
    with transaction.atomic():
        audit.audit_record(actor=auditor, action="account.login", congress=city)
        audit.audit_record(actor=None, action="unit.created", congress=city)
        audit.audit_record(actor=None, action="account.login", congress=other_city, summary={"secret": "other"})
    client = client_for(auditor)
    response = client.get("/audit/", {"action": "account."})  # type: ignore[attr-defined]
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [event.action for event in rows] == ["account.login"]
    assert all(event.congress_id == city.pk for event in rows)
    bad = client.get("/audit/", {"date_from": "2026-13-01"})  # type: ignore[attr-defined]
    assert bad.status_code == 400
    assert "日期格式" in bad.content.decode()


@pytest.mark.django_db
def test_only_auditors_see_the_audit_viewer(admin_client: object) -> None:
    from django.test import Client

    assert isinstance(admin_client, Client)
    assert admin_client.get("/audit/").status_code == 403
    assert admin_client.get("/api/v1/audit/events").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_postgresql_also_refuses_a_raw_delete() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "the DELETE trigger exists on PostgreSQL only (see migration 0002); this runs in the PostgreSQL pass"
        )
    with transaction.atomic():
        audit.audit_record(actor=None, action="test.event")
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")
    assert AuditEvent.objects.count() == 1
