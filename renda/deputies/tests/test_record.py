"""The duty record: self-reports with evidence, verification by staff only, staff entries, attendance, pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from renda.accounts.models import User
from renda.conftest import login_client
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent, Notification, TodoItem, TodoStatus
from renda.core.todo import todos_for
from renda.deputies.actions import record
from renda.deputies.models import DutyEntry, DutyEvidence, EntryKind, EntrySource, EntryStatus
from renda.deputies.tests._record_world import (  # noqa: F401 - fixtures
    PNG,
    RecordWorld,
    files_in,
    make_profile,
    media_root,
    pdf,
    photo,
    record_world,
    suggestion_world,
)
from renda.organizations.roles import Role
from renda.tests_support import factories

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 5)


def report(rw: RecordWorld, **overrides: Any) -> DutyEntry:
    values: dict[str, Any] = {
        "actor": rw.deputy,
        "kind": EntryKind.INSPECTION,
        "date": DAY,
        "title": "参加养老服务工作视察",
        "detail": "走访三家养老机构",
        "hours": "3.5",
        "uploads": [photo()],
    }
    values.update(overrides)
    return record.entry_self_report(**values)


# --- the deputy reports ---


def test_self_report_with_a_photo_waits_for_the_staff(rw: RecordWorld, media: Path) -> None:
    entry = report(rw)

    assert (entry.source, entry.status, entry.profile) == (EntrySource.SELF, EntryStatus.PENDING, rw.profile)
    assert entry.term is not None and str(entry.hours) == "3.5"
    (evidence,) = entry.evidence.all()
    assert (evidence.name, evidence.content_type, evidence.size) == ("现场.png", "image/png", len(PNG))
    stored = media / evidence.file.name
    assert stored.read_bytes() == PNG
    assert "现场" not in evidence.file.name  # a random stored name
    todo = TodoItem.objects.get(kind=record.TODO_VERIFY)
    assert todo.assignee_unit == rw.sw.office and todo.status == TodoStatus.OPEN
    assert todos_for(rw.staff).filter(pk=todo.pk).exists()
    assert AuditEvent.objects.filter(action="duty_entry.self_reported", target_id=str(entry.pk)).count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        SimpleUploadedFile("脚本.exe", b"MZ\x90\x00", "application/octet-stream"),
        SimpleUploadedFile("伪装.jpg", b"<script>alert(1)</script>", "image/jpeg"),
        SimpleUploadedFile("表格.docx", b"PK\x03\x04rest", "application/vnd.openxmlformats"),
    ],
)
def test_a_wrong_file_refuses_the_whole_entry(rw: RecordWorld, media: Path, bad: SimpleUploadedFile) -> None:
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as refused:
        report(rw, uploads=[photo(), pdf(), bad])
    assert refused.value.field == "uploads"
    assert not DutyEntry.objects.exists() and not DutyEvidence.objects.exists()
    assert files_in(media) == []
    assert not TodoItem.objects.exists() and AuditEvent.objects.count() == events


def test_too_many_or_too_large_files_are_refused(rw: RecordWorld, settings: Any) -> None:
    with pytest.raises(InvalidInput, match="最多 9 个"):
        report(rw, uploads=[photo(f"{n}.png") for n in range(10)])
    big = SimpleUploadedFile("大.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "application/pdf")
    with pytest.raises(InvalidInput, match="10 MB"):
        report(rw, uploads=[big])
    assert not DutyEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": EntryKind.SUGGESTION}, "kind"),
        ({"kind": EntryKind.ATTEND_SESSION}, "kind"),
        ({"kind": "nonsense"}, "kind"),
        ({"date": None}, "date"),
        ({"date": dt.date(2021, 12, 31)}, "date"),  # before the term
        ({"title": "  "}, "title"),
        ({"title": "事" * 201}, "title"),
        ({"hours": "-1"}, "hours"),
        ({"hours": "abc"}, "hours"),
    ],
)
def test_self_report_rules(rw: RecordWorld, overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        report(rw, **overrides)
    assert refused.value.field == field
    assert not DutyEntry.objects.exists()


def test_a_date_in_the_future_is_refused(rw: RecordWorld) -> None:
    with pytest.raises(InvalidInput, match="不能晚于今天"):
        report(rw, date=timezone.localdate() + dt.timedelta(days=1))


def test_only_a_deputy_reports_for_themself(rw: RecordWorld) -> None:
    for person in (rw.staff, rw.leader, rw.sw.citizen):
        with pytest.raises(NotPermitted):
            report(rw, actor=person)
    assert not DutyEntry.objects.exists()


# --- verification ---


def test_staff_verify_closes_the_todo_and_tell_the_deputy(rw: RecordWorld) -> None:
    entry = report(rw)
    record.entry_verify(actor=rw.staff, entry=entry)

    entry.refresh_from_db()
    assert (entry.status, entry.verified_by) == (EntryStatus.VERIFIED, rw.staff)
    assert TodoItem.objects.get(kind=record.TODO_VERIFY).status == TodoStatus.DONE
    assert Notification.objects.filter(recipient=rw.deputy, event="duty_entry.verified").exists()
    assert AuditEvent.objects.filter(action="duty_entry.verified", target_id=str(entry.pk)).exists()
    with pytest.raises(InvalidTransition):
        record.entry_verify(actor=rw.staff, entry=entry)


def test_a_deputy_can_never_verify(rw: RecordWorld) -> None:
    own = report(rw)
    others = report(rw, actor=rw.other_deputy)
    for entry, deputy in ((own, rw.deputy), (others, rw.deputy), (own, rw.other_deputy)):
        with pytest.raises(NotPermitted):
            record.entry_verify(actor=deputy, entry=entry)
        with pytest.raises(NotPermitted):
            record.entry_reject(actor=deputy, entry=entry, reason="不实")
    assert set(DutyEntry.objects.values_list("status", flat=True)) == {EntryStatus.PENDING}


def test_staff_never_verify_their_own_entry(rw: RecordWorld) -> None:
    """Someone who is both a deputy and staff verifies nothing about themself, even acting as staff."""
    from renda.organizations.models import RoleAssignment
    from renda.suggestions.tests.conftest import acting

    entry = report(rw)
    RoleAssignment.objects.create(user=rw.deputy, congress=rw.sw.city, role=Role.COMMITTEE_STAFF, unit=rw.sw.office)
    acting(rw.deputy, Role.COMMITTEE_STAFF)
    with pytest.raises(NotPermitted, match="本人"):
        record.entry_verify(actor=rw.deputy, entry=entry)


def test_leaders_and_other_congresses_do_not_verify(rw: RecordWorld) -> None:
    entry = report(rw)
    for person in (rw.leader, rw.other_staff):
        with pytest.raises(NotPermitted):
            record.entry_verify(actor=person, entry=entry)


def test_reject_needs_a_reason_and_tells_the_deputy(rw: RecordWorld) -> None:
    entry = report(rw)
    with pytest.raises(InvalidInput) as refused:
        record.entry_reject(actor=rw.staff, entry=entry, reason=" ")
    assert refused.value.field == "reason"
    record.entry_reject(actor=rw.staff, entry=entry, reason="照片与事项不符")
    entry.refresh_from_db()
    assert (entry.status, entry.reject_reason) == (EntryStatus.REJECTED, "照片与事项不符")
    assert TodoItem.objects.get(kind=record.TODO_VERIFY).status == TodoStatus.DONE
    assert Notification.objects.filter(recipient=rw.deputy, event="duty_entry.rejected").exists()


def test_batch_verify(rw: RecordWorld) -> None:
    entries = [report(rw, title=f"调研{n}") for n in range(3)]
    record.entry_verify(actor=rw.staff, entry=entries[0])
    assert record.entry_verify_batch(actor=rw.staff, entries=entries) == 2
    assert set(DutyEntry.objects.values_list("status", flat=True)) == {EntryStatus.VERIFIED}
    assert not TodoItem.objects.filter(status=TodoStatus.OPEN).exists()


def test_withdraw_own_pending_entry_deletes_it_and_its_files(
    rw: RecordWorld, media: Path, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    entry = report(rw)
    with pytest.raises(NotPermitted):
        record.entry_withdraw(actor=rw.other_deputy, entry=entry)
    with django_capture_on_commit_callbacks(execute=True):
        record.entry_withdraw(actor=rw.deputy, entry=entry)
    assert not DutyEntry.objects.exists() and files_in(media) == []
    assert TodoItem.objects.get(kind=record.TODO_VERIFY).status == TodoStatus.CANCELLED
    verified = report(rw)
    record.entry_verify(actor=rw.staff, entry=verified)
    with pytest.raises(InvalidTransition):
        record.entry_withdraw(actor=rw.deputy, entry=verified)


# --- staff entries and attendance ---


def test_staff_add_is_verified_at_once(rw: RecordWorld) -> None:
    entry = record.entry_staff_add(
        actor=rw.staff, profile=rw.profile, kind=EntryKind.LAW_INSPECTION, date=DAY, title="食品安全法执法检查"
    )
    assert (entry.source, entry.status, entry.verified_by) == (EntrySource.STAFF, EntryStatus.VERIFIED, rw.staff)
    with pytest.raises(InvalidInput):
        record.entry_staff_add(actor=rw.staff, profile=rw.profile, kind=EntryKind.SUGGESTION, date=DAY, title="x")
    for person in (rw.leader, rw.deputy, rw.other_staff):
        with pytest.raises(NotPermitted):
            record.entry_staff_add(actor=person, profile=rw.profile, kind=EntryKind.INSPECTION, date=DAY, title="x")


def test_attendance_is_logged_once_per_meeting_and_can_be_corrected(rw: RecordWorld) -> None:
    def run(attended: list[Any], absent: list[Any]) -> record.AttendanceResult:
        return record.attendance_record(
            actor=rw.staff,
            congress=rw.sw.city,
            kind=EntryKind.ATTEND_SESSION,
            title="第十七届人民代表大会第五次会议",
            date=dt.date(2026, 1, 10),
            attended=attended,
            absent=absent,
            linked_key="session-5",
        )

    result = run([rw.profile, rw.cosigner_profile], [rw.other_profile])
    assert (result.attended, result.absent) == (2, 1)
    assert DutyEntry.objects.filter(kind=EntryKind.ATTEND_SESSION).count() == 2
    absent = DutyEntry.objects.get(kind=EntryKind.ABSENT)
    assert absent.profile == rw.other_profile and absent.status == EntryStatus.VERIFIED
    run([rw.profile, rw.cosigner_profile], [rw.other_profile])
    assert DutyEntry.objects.count() == 3
    run([rw.other_profile], [])  # the absence was a mistake
    assert not DutyEntry.objects.filter(kind=EntryKind.ABSENT).exists()
    assert DutyEntry.objects.filter(kind=EntryKind.ATTEND_SESSION).count() == 3
    with pytest.raises(InvalidInput, match="既出席又缺席"):
        run([rw.profile], [rw.profile])
    with pytest.raises(NotPermitted):
        record.attendance_record(
            actor=rw.deputy,
            congress=rw.sw.city,
            kind=EntryKind.ATTEND_SC,
            title="常委会会议",
            date=dt.date(2026, 1, 10),
            attended=[rw.profile],
            absent=[],
            linked_key="sc-1",
        )


def test_attendance_refuses_someone_not_in_office(rw: RecordWorld, other_city: Any) -> None:
    outsider = make_profile(factories.UserFactory(), other_city)
    with pytest.raises(InvalidInput, match="不是本级人大在任代表"):
        record.attendance_record(
            actor=rw.staff,
            congress=rw.sw.city,
            kind=EntryKind.ATTEND_SC,
            title="常委会第二十次会议",
            date=dt.date(2026, 2, 10),
            attended=[outsider],
            absent=[],
            linked_key="sc-20",
        )


def test_entries_import_keeps_the_rules(rw: RecordWorld) -> None:
    rows = [
        record.EntryRow(
            profile=rw.profile, kind=EntryKind.RESEARCH, date=DAY, title="调研", status=EntryStatus.VERIFIED
        ),
        record.EntryRow(
            profile=rw.profile, kind=EntryKind.OTHER, date=DAY, title="其他", status="rejected", reject_reason="不实"
        ),
        record.EntryRow(profile=rw.other_profile, kind=EntryKind.CONTACT_CITIZENS, date=DAY, title="走访"),
    ]
    assert record.entries_import(actor=rw.staff, congress=rw.sw.city, rows=rows) == 3
    assert TodoItem.objects.filter(kind=record.TODO_VERIFY, status=TodoStatus.OPEN).count() == 1
    bad = [record.EntryRow(profile=rw.profile, kind=EntryKind.SUGGESTION, date=DAY, title="x")]
    with pytest.raises(InvalidInput, match="第 1 条"):
        record.entries_import(actor=rw.staff, congress=rw.sw.city, rows=bad)
    with pytest.raises(NotPermitted):
        record.entries_import(actor=rw.deputy, congress=rw.sw.city, rows=rows)
    assert DutyEntry.objects.count() == 3


# --- pages ---


def client(user: User) -> Client:
    return login_client(user)


def test_entry_form_posts_a_photo_from_the_phone(rw: RecordWorld) -> None:
    page = client(rw.deputy).get(reverse("deputies:entry_new"))
    assert page.status_code == 200
    assert b'accept="image/*"' in page.content and b"capture" in page.content
    response = client(rw.deputy).post(
        reverse("deputies:entry_new"),
        {"kind": "inspection", "date": "2026-03-05", "title": "视察", "uploads": [photo()]},
    )
    entry = DutyEntry.objects.get()
    assert response.status_code == 302 and response.url == reverse("deputies:entry_detail", args=[entry.pk])
    detail = client(rw.deputy).get(response.url)
    evidence_url = reverse("deputies:evidence", args=[entry.evidence.get().pk])
    assert evidence_url.encode() in detail.content
    assert b"/media/" not in detail.content
    served = client(rw.deputy).get(evidence_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]


def test_entry_form_refuses_a_wrong_file_and_saves_nothing(rw: RecordWorld, media: Path) -> None:
    bad = SimpleUploadedFile("照片.jpg", b"<html>no</html>", "image/jpeg")
    response = client(rw.deputy).post(
        reverse("deputies:entry_new"),
        {"kind": "inspection", "date": "2026-03-05", "title": "视察", "uploads": [photo(), bad]},
    )
    assert response.status_code == 400
    assert "内容与扩展名" in response.content.decode()
    assert not DutyEntry.objects.exists() and files_in(media) == []


def test_another_deputy_sees_nothing_of_a_file(rw: RecordWorld) -> None:
    entry = report(rw)
    evidence = entry.evidence.get()
    outsider = client(rw.other_deputy)
    for url in (
        reverse("deputies:file", args=[rw.profile.pk]),
        reverse("deputies:entry_detail", args=[entry.pk]),
        reverse("deputies:evidence", args=[evidence.pk]),
        reverse("deputies:annual_report", args=[rw.profile.pk]),
    ):
        assert outsider.get(url).status_code == 404, url
        assert client(rw.other_staff).get(url).status_code == 404, url
    assert client(rw.leader).get(reverse("deputies:entry_detail", args=[entry.pk])).status_code == 200


def test_file_page_groups_and_counts(rw: RecordWorld) -> None:
    report(rw, title="三月视察")
    verified = report(rw, title="二月调研", kind=EntryKind.RESEARCH, date=dt.date(2026, 2, 1))
    record.entry_verify(actor=rw.staff, entry=verified)
    mine = client(rw.deputy).get(reverse("deputies:my_file"))
    text = mine.content.decode()
    assert mine.status_code == 200
    assert "三月视察" in text and "二月调研" in text and "2026年" in text
    filtered = (
        client(rw.staff).get(reverse("deputies:file", args=[rw.profile.pk]) + "?status=verified").content.decode()
    )
    assert "二月调研" in filtered and "三月视察" not in filtered
    assert client(rw.staff).get(reverse("deputies:my_file")).status_code == 403


def test_deputy_cannot_verify_through_the_page(rw: RecordWorld) -> None:
    entry = report(rw)
    response = client(rw.deputy).post(reverse("deputies:entry_verify", args=[entry.pk]))
    assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PENDING


def test_verify_queue_batch_and_reject(rw: RecordWorld) -> None:
    first, second, third = (report(rw, title=f"活动{n}") for n in range(3))
    staff = client(rw.staff)
    queue = staff.get(reverse("deputies:verify_queue"))
    assert queue.status_code == 200 and "活动2" in queue.content.decode()
    staff.post(reverse("deputies:verify_queue"), {"entries": [first.pk, second.pk]})
    staff.post(reverse("deputies:entry_reject", args=[third.pk]), {"reason": "无佐证", "next": "queue"})
    statuses = dict(DutyEntry.objects.values_list("pk", "status"))
    assert statuses == {first.pk: "verified", second.pk: "verified", third.pk: "rejected"}
    assert client(rw.deputy).get(reverse("deputies:verify_queue")).status_code == 403


def test_attendance_page_records_the_session(rw: RecordWorld) -> None:
    staff = client(rw.staff)
    assert staff.get(reverse("deputies:attendance")).status_code == 200
    response = staff.post(
        reverse("deputies:attendance"),
        {
            "kind": "attend_session",
            "title": "第五次会议",
            "date": "2026-01-10",
            "linked_key": "session-5",
            "marked": [rw.other_profile.pk],
        },
    )
    assert response.status_code == 302
    kinds = dict(DutyEntry.objects.values_list("profile_id", "kind"))
    assert kinds == {
        rw.profile.pk: "attend_session",
        rw.cosigner_profile.pk: "attend_session",
        rw.other_profile.pk: "absent",
    }


# --- API ---


def test_api_self_report_and_verify(rw: RecordWorld, media: Path) -> None:
    deputy = client(rw.deputy)
    created = deputy.post(
        "/api/v1/deputies/entries",
        {"kind": "research", "date": "2026-03-05", "title": "调研", "hours": "2", "uploads": [photo(), pdf()]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "pending" and len(body["evidence"]) == 2
    assert body["evidence"][0]["url"].startswith("/api/v1/deputies/evidence/")
    assert deputy.get(body["evidence"][1]["url"]).status_code == 200
    entry_url = f"/api/v1/deputies/entries/{body['id']}"

    refused = deputy.post(f"{entry_url}/verify")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client(rw.other_deputy).get(entry_url).status_code == 404
    assert client(rw.other_deputy).get(f"/api/v1/deputies/profiles/{rw.profile.pk}/entries").status_code == 404

    verified = client(rw.staff).post(f"{entry_url}/verify")
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    listed = client(rw.staff).get("/api/v1/deputies/entries?status=verified").json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]
    assert client(rw.sw.lead_officer).get("/api/v1/deputies/entries").status_code == 403


def test_api_refuses_a_wrong_file_and_a_non_deputy(rw: RecordWorld, media: Path) -> None:
    bad = SimpleUploadedFile("a.svg", b"<svg onload=alert(1)>", "image/svg+xml")
    refused = client(rw.deputy).post(
        "/api/v1/deputies/entries",
        {"kind": "research", "date": "2026-03-05", "title": "调研", "uploads": [photo(), bad]},
    )
    assert refused.status_code == 400 and refused.json()["field"] == "uploads"
    assert (
        client(rw.staff)
        .post(
            "/api/v1/deputies/entries",
            {"kind": "research", "date": "2026-03-05", "title": "调研", "uploads": [photo()]},
        )
        .status_code
        == 403
    )
    assert not DutyEntry.objects.exists() and files_in(media) == []


def test_api_attendance_and_staff_add(rw: RecordWorld) -> None:
    staff = client(rw.staff)
    response = staff.post(
        "/api/v1/deputies/attendance",
        {
            "kind": "attend_sc",
            "title": "常委会第二十次会议",
            "date": "2026-02-10",
            "linked_key": "sc-20",
            "attended_ids": [rw.profile.pk],
        },
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json() == {"attended": 1, "absent": 0}
    added = staff.post(
        f"/api/v1/deputies/profiles/{rw.profile.pk}/entries",
        {"kind": "inspection", "date": "2026-02-11", "title": "视察"},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["source"] == "staff"
    assert (
        client(rw.leader)
        .post(
            "/api/v1/deputies/attendance",
            {
                "kind": "attend_sc",
                "title": "x",
                "date": "2026-02-10",
                "linked_key": "y",
                "attended_ids": [rw.profile.pk],
            },
            content_type="application/json",
        )
        .status_code
        == 403
    )
