from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

from renda.accounts import sms
from renda.accounts.models import User
from renda.core import jobs, notify, todo
from renda.core.errors import InvalidInput
from renda.core.models import DeliveryStatus, FailedJob, Notification, TodoItem, TodoStatus
from renda.organizations.models import Congress, Unit
from renda.organizations.roles import Role

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # 20:00 in Shanghai: outside SMS quiet hours


def _item(
    congress: Congress, *, unit: Unit | None = None, user: User | None = None, due_in_days: float, **extra: object
) -> TodoItem:
    return todo.todo_open(
        congress=congress,
        kind="test.duty",
        title="签收代表建议第 12 号",
        due_at=timezone.now() + dt.timedelta(days=due_in_days),
        url="/todo/",
        unit=unit,
        user=user,
        **extra,  # type: ignore[arg-type]
    )


def _assigned(recipient: User, item: TodoItem) -> Notification | None:
    """Tell ``recipient`` about ``item`` with the plain "new to-do" message."""
    return notify.notify_send(
        recipient=recipient, event="todo.assigned", target=item, context={"title": "t", "due": "d", "link": "/"}
    )


def test_a_duty_needs_an_owner_in_the_same_congress(city: Congress, other_unit: Unit) -> None:
    with pytest.raises(InvalidInput) as missing:
        todo.todo_open(congress=city, kind="x", title="无主事项", due_at=None)
    assert missing.value.field == "assignee"
    with pytest.raises(InvalidInput) as foreign:
        todo.todo_open(congress=city, kind="x", title="别处单位", due_at=None, unit=other_unit)
    assert foreign.value.code == "wrong_congress"
    assert not TodoItem.objects.exists()


def test_one_list_across_roles_and_the_unit_head_sees_the_units_list(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    head = make_person(Role.UNIT_HEAD)
    officer = make_person(Role.UNIT_OFFICER)
    deputy_role_holder = make_person(Role.DEPUTY)
    mine = _item(city, user=deputy_role_holder, due_in_days=3)
    units = _item(city, unit=unit, due_in_days=3)
    assert set(todo.todos_for(head)) == {units}
    assert set(todo.todos_for(officer)) == {units}
    assert set(todo.todos_for(deputy_role_holder)) == {mine}
    # The same person acting in another role still sees both lists in one.
    from renda.organizations.models import RoleAssignment

    RoleAssignment.objects.create(user=deputy_role_holder, congress=city, role=Role.UNIT_OFFICER, unit=unit)
    assert set(todo.todos_for(deputy_role_holder)) == {mine, units}


def test_overdue_is_computed_when_read_not_stored(city: Congress, unit: Unit) -> None:
    item = _item(city, unit=unit, due_in_days=1)
    assert not todo.is_overdue(item)
    later = timezone.now() + dt.timedelta(days=2)
    assert todo.is_overdue(item, later)
    counts = todo.count_buckets(TodoItem.objects.all(), later)
    assert (counts.open, counts.overdue, counts.due_soon, counts.done) == (1, 1, 0, 0)
    assert list(todo.filter_bucket(TodoItem.objects.all(), "overdue", later)) == [item]
    with pytest.raises(InvalidInput):
        todo.filter_bucket(TodoItem.objects.all(), "late")


def test_the_fulfilling_action_closes_the_item(city: Congress, unit: Unit, admin_user: User) -> None:
    from django.db import transaction

    item = todo.todo_open(congress=city, kind="unit.review", title="审核单位信息", due_at=None, unit=unit, target=unit)
    with transaction.atomic():
        assert todo.todo_close(target=unit, kind="unit.review", actor=admin_user) == 1
    item.refresh_from_db()
    assert item.status == TodoStatus.DONE and item.closed_by == admin_user and item.closed_at is not None


def test_notification_is_self_contained_and_goes_to_every_channel(
    city: Congress,
    unit: Unit,
    make_person: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="officer@example.gov.cn", phone="13900000031")
    item = _item(city, unit=unit, due_in_days=5)
    sms.outbox.clear()
    with override_settings(RENDA_SMS_QUIET_HOURS=(0, 0)), django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        note = notify.notify_send(
            recipient=officer,
            event="todo.reminder",
            target=item,
            context={"title": item.title, "due": notify.format_due(item.due_at), "days": 5, "link": "/todo/"},
        )
    assert note is not None
    note.refresh_from_db()
    assert (
        "签收代表建议第 12 号" in note.body and "还剩 5 天" in note.body and "http://127.0.0.1:8000/todo/" in note.body
    )
    assert notify.format_due(item.due_at)[:4] in note.body
    assert (note.email_status, note.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert mail.outbox[-1].to == ["officer@example.gov.cn"]
    assert sms.outbox[-1][0] == "13900000031"


def test_no_address_falls_back_to_the_inbox_and_is_logged(
    city: Congress, unit: Unit, make_person: Callable[..., User], caplog: pytest.LogCaptureFixture
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="", phone=None)
    item = _item(city, unit=unit, due_in_days=5)
    with caplog.at_level(logging.INFO, logger="renda.notify"):
        note = notify.notify_send(
            recipient=officer,
            event="todo.assigned",
            target=item,
            context={"title": item.title, "due": "x", "link": "/todo/"},
        )
    assert note is not None
    assert (note.email_status, note.sms_status) == (DeliveryStatus.SKIPPED, DeliveryStatus.SKIPPED)
    assert Notification.objects.filter(recipient=officer).count() == 1
    assert "inbox only" in caplog.text


def test_a_notification_never_reaches_someone_who_may_not_see_the_item(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    stranger = make_person(Role.DEPUTY)
    item = _item(city, unit=unit, due_in_days=5)
    result = notify.notify_send(
        recipient=stranger, event="todo.assigned", target=item, context={"title": item.title, "due": "x", "link": "/"}
    )
    assert result is None
    assert not Notification.objects.exists()


def test_objects_without_a_visibility_rule_are_never_described(city: Congress, admin_user: User) -> None:
    assert _assigned(admin_user, city) is None


def test_sms_waits_for_quiet_hours_to_end(
    city: Congress,
    unit: Unit,
    make_person: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="", phone="13900000032", notify_by_email=False)
    item = _item(city, unit=unit, due_in_days=5)
    sms.outbox.clear()
    hour = timezone.localtime().hour
    quiet_now = (hour, (hour + 1) % 24)  # a one-hour quiet window that contains this moment
    with override_settings(RENDA_SMS_QUIET_HOURS=quiet_now), django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        note = notify.notify_send(
            recipient=officer,
            event="todo.assigned",
            target=item,
            context={"title": item.title, "due": "x", "link": "/"},
        )
        assert jobs.pending_delivery_ids()[1] == []
    assert note is not None and note.sms_send_after is not None
    assert note.sms_send_after > timezone.now()
    assert sms.outbox == []
    with override_settings(RENDA_SMS_QUIET_HOURS=(0, 0)):
        jobs.run_periodic_jobs(note.sms_send_after + dt.timedelta(minutes=1))
    note.refresh_from_db()
    assert note.sms_status == DeliveryStatus.SENT and sms.outbox[-1][0] == "13900000032"


def test_preferences_turn_channels_off(
    city: Congress, unit: Unit, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="o@example.gov.cn", phone="13900000033")
    client = client_for(officer)
    assert client.post("/notifications/preferences/", {"by_email": "on"}).status_code == 302
    officer.refresh_from_db()
    assert officer.notify_by_email and not officer.notify_by_sms
    note = _assigned(officer, _item(city, unit=unit, due_in_days=3))
    assert note is not None and note.sms_status == ""


def test_reminders_go_out_seven_and_one_day_before_and_only_once(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    make_person(Role.UNIT_OFFICER, email="o@example.gov.cn")
    make_person(Role.UNIT_HEAD, email="h@example.gov.cn")
    soon = _item(city, unit=unit, due_in_days=6)
    _item(city, unit=unit, due_in_days=30)
    assert jobs.send_due_reminders() == 2  # officer and head, for the item due in 6 days
    assert jobs.send_due_reminders() == 0
    soon.refresh_from_db()
    assert soon.last_reminder_days == 7
    one_day_before = soon.due_at - dt.timedelta(hours=20)  # type: ignore[operator]
    assert jobs.send_due_reminders(one_day_before) == 2
    assert jobs.send_due_reminders(one_day_before) == 0
    bodies = list(Notification.objects.filter(event="todo.reminder").values_list("body", flat=True))
    assert len(bodies) == 4 and all("签收代表建议第 12 号" in body for body in bodies)


def test_overdue_items_escalate_to_the_unit_head_then_the_supervising_staff(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    from renda.tests_support.factories import UnitFactory

    committee = UnitFactory(congress=city, name="人代选任工委", kind="working_body")
    head = make_person(Role.UNIT_HEAD)
    make_person(Role.UNIT_OFFICER)
    clerk = make_person(Role.COMMITTEE_STAFF, role_unit=committee)
    item = _item(city, unit=unit, due_in_days=-1, supervising_unit=committee)
    assert jobs.escalate_overdue() == (1, 0)
    assert Notification.objects.get(event="todo.overdue_unit_head").recipient == head
    assert jobs.escalate_overdue() == (0, 0)
    later = timezone.now() + dt.timedelta(days=3)
    assert jobs.escalate_overdue(later) == (0, 1)
    assert Notification.objects.get(event="todo.overdue_supervisor").recipient == clerk
    item.refresh_from_db()
    assert item.escalation_level == 2
    assert todo.can_view_todo(clerk, item)


class BrokenMail:
    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise ConnectionError("mail server unreachable")


@override_settings(EMAIL_BACKEND="renda.core.tests.test_todo_notify.BrokenMail")
def test_a_failing_job_is_retried_then_shown_to_staff(
    city: Congress,
    unit: Unit,
    make_person: Callable[..., User],
    admin_client: Client,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="o@example.gov.cn", notify_by_sms=False)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        note = _assigned(officer, _item(city, unit=unit, due_in_days=3))
    assert note is not None
    job = FailedJob.objects.get()
    assert job.task_name == "renda.core.tasks.deliver_email"
    assert job.retries == 3 and "mail server unreachable" in job.error
    note.refresh_from_db()
    assert note.email_status == DeliveryStatus.FAILED
    page = admin_client.get("/jobs/failed/")
    assert "mail server unreachable" in page.content.decode()
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        django_capture_on_commit_callbacks(execute=True),
    ):  # type: ignore[attr-defined]
        assert admin_client.post(f"/jobs/failed/{job.pk}/retry/").status_code == 302
    note.refresh_from_db()
    job.refresh_from_db()
    assert job.resolved_at is not None and note.email_status == DeliveryStatus.SENT


def test_home_page_puts_overdue_items_first_and_marks_them(
    city: Congress, unit: Unit, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    head = make_person(Role.UNIT_HEAD)
    _item(city, unit=unit, due_in_days=10)
    late = todo.todo_open(
        congress=city, kind="x", title="超期的答复", due_at=timezone.now() - dt.timedelta(days=2), unit=unit
    )
    response = client_for(head).get("/")
    html = response.content.decode()
    assert response.context["todo_counts"].overdue == 1
    assert response.context["todo_items"][0] == late
    assert 'class="todo-item todo-overdue"' in html and "已超期" in html


def test_todo_and_inbox_api(
    city: Congress, unit: Unit, make_person: Callable[..., User], client_for: Callable[[User], Client]
) -> None:
    officer = make_person(Role.UNIT_OFFICER)
    item = _item(city, unit=unit, due_in_days=-1)
    client = client_for(officer)
    listing = client.get("/api/v1/todo?status=overdue").json()
    assert listing["count"] == 1 and listing["items"][0]["overdue"] is True and listing["items"][0]["id"] == item.pk
    assert client.get("/api/v1/todo/counts").json() == {"open": 1, "overdue": 1, "due_soon": 0, "done": 0}
    bad = client.get("/api/v1/todo?status=late")
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    note = _assigned(officer, item)
    assert note is not None
    assert client.get("/api/v1/inbox?unread=true").json()["count"] == 1
    assert client.post(f"/api/v1/inbox/{note.pk}/read").json()["read_at"] is not None
    assert client.get("/api/v1/inbox?unread=true").json()["count"] == 0


def test_a_message_is_sent_once_even_if_two_workers_pick_it_up(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="o@example.gov.cn", notify_by_sms=False)
    note = _assigned(officer, _item(city, unit=unit, due_in_days=3))
    assert note is not None
    mail.outbox.clear()
    assert notify.deliver_email(note.pk) == DeliveryStatus.SENT
    assert notify.deliver_email(note.pk) == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


def test_periodic_jobs_do_not_queue_fresh_messages_again(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="o@example.gov.cn", notify_by_sms=False)
    note = _assigned(officer, _item(city, unit=unit, due_in_days=30))
    assert note is not None
    assert jobs.pending_delivery_ids() == ([], [])
    an_hour_later = timezone.now() + dt.timedelta(hours=2)
    assert jobs.pending_delivery_ids(an_hour_later)[0] == [note.pk]  # a lost task is picked up again


@override_settings(RENDA_SMS_BACKEND="renda.accounts.sms.DisabledSmsBackend", RENDA_SMS_QUIET_HOURS=(0, 0))
def test_without_an_sms_gateway_the_message_is_not_claimed_as_sent(
    city: Congress,
    unit: Unit,
    make_person: Callable[..., User],
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    officer = make_person(Role.UNIT_OFFICER, email="", phone="13900000041")
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[attr-defined]
        note = _assigned(officer, _item(city, unit=unit, due_in_days=3))
    assert note is not None
    note.refresh_from_db()
    assert note.sms_status == DeliveryStatus.SKIPPED
    assert not FailedJob.objects.exists()


def test_supervising_staff_see_an_item_only_once_it_is_escalated_to_them(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    from renda.tests_support.factories import UnitFactory

    committee = UnitFactory(congress=city, name="城建环保委", kind="special_committee")
    clerk = make_person(Role.COMMITTEE_STAFF, role_unit=committee)
    item = _item(city, unit=unit, due_in_days=-10, supervising_unit=committee)
    assert not todo.can_view_todo(clerk, item) and item not in todo.todos_for(clerk)
    jobs.escalate_overdue()
    jobs.escalate_overdue()
    item.refresh_from_db()
    assert todo.can_view_todo(clerk, item) and item in todo.todos_for(clerk)


def test_failed_jobs_are_for_the_city_administrator_only(
    make_person: Callable[..., User], client_for: Callable[[User], Client], admin_client: Client, district: Congress
) -> None:
    FailedJob.objects.create(task_name="renda.core.tasks.deliver_email", arguments=[1], error="x")
    assert admin_client.get("/jobs/failed/").status_code == 200
    district_admin = make_person(Role.STAFF_ADMIN, congress=district)
    assert client_for(district_admin).get("/jobs/failed/").status_code == 403
    assert client_for(district_admin).get("/api/v1/jobs/failed").status_code == 403


@override_settings(EMAIL_BACKEND="renda.core.tests.test_todo_notify.BrokenMail")
def test_a_batch_hands_a_failing_message_to_its_own_retried_task(
    city: Congress, unit: Unit, make_person: Callable[..., User]
) -> None:
    from renda.core import tasks

    make_person(Role.UNIT_OFFICER, email="o@example.gov.cn", notify_by_sms=False)
    _item(city, unit=unit, due_in_days=2)
    assert jobs.send_due_reminders() == 1
    note = Notification.objects.get()
    result = tasks.deliver_batch.delay([note.pk], []).get()
    assert result == {"emails": 1, "sms": 0, "handed_to_retry": 1}
    note.refresh_from_db()
    assert note.email_status == DeliveryStatus.FAILED
    assert FailedJob.objects.get().arguments == [note.pk]
