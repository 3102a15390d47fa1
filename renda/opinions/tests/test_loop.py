"""The closed loop through the actions: triage, dispatch, accept/return, reply, relay, rate, reopen, clusters, overdue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from renda.accounts import sms
from renda.core.calendar import due_date, end_of_day
from renda.core.errors import InvalidInput, InvalidTransition, NotPermitted
from renda.core.models import AuditEvent, Notification, TodoItem, TodoStatus
from renda.opinions import actions, permissions
from renda.opinions.models import Dispatch, Opinion, OpinionRating, Source, Status
from renda.opinions.tests.loop_world import LoopWorld, build_world, deputy_profile
from renda.organizations.models import Congress, Unit
from renda.suggestions.models import Status as SuggestionStatus
from renda.tests_support import factories


@pytest.fixture
def w(city: Congress, unit: Unit) -> LoopWorld:
    return build_world(city, unit)


def fresh(opinion: Opinion) -> Opinion:
    return Opinion.objects.get(pk=opinion.pk)


def events(opinion: Opinion, action: str) -> Any:
    return AuditEvent.objects.filter(action=f"opinion.{action}", target_id=str(opinion.pk))


def todos(target: Any, kind: str) -> Any:
    return TodoItem.objects.filter(
        target_type=f"opinions.{target._meta.model_name}", target_id=str(target.pk), kind=kind
    )


def dispatched(w: LoopWorld, **fields: Any) -> Opinion:
    opinion = w.submit(**fields)
    actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="urban", unit=w.unit)
    return fresh(opinion)


def replied(w: LoopWorld, **fields: Any) -> Opinion:
    opinion = dispatched(w, **fields)
    actions.dispatch_accept(actor=w.officer, opinion=opinion)
    actions.dispatch_reply(actor=w.officer, opinion=opinion, text="路灯已于本周修复。")
    return fresh(opinion)


# --- triage ---


def test_grade_dispatches_with_the_deadline_a_duty_and_a_message(w: LoopWorld) -> None:
    opinion = w.submit()
    dispatch = actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="urban", unit=w.unit)
    opinion = fresh(opinion)
    expected = end_of_day(due_date("opinion_handling", start=timezone.localdate(), congress=w.city))
    assert (opinion.status, opinion.level, opinion.category, opinion.unit_id) == (
        Status.DISPATCHED,
        "L3",
        "urban",
        w.unit.pk,
    )
    assert opinion.round == dispatch.round == 1
    assert dispatch.due_at == opinion.due_at == expected
    assert dispatch.state == Dispatch.State.PENDING and dispatch.dispatched_by_id == w.staff.pk
    assert opinion.triaged_by_id == w.staff.pk
    assert todos(opinion, "opinion.triage").get().status == TodoStatus.DONE
    duty = todos(dispatch, "opinion.handle").get()
    assert (duty.assignee_unit_id, duty.due_at, duty.supervising_unit_id) == (w.unit.pk, expected, w.office.pk)
    told = set(Notification.objects.filter(event="opinion.dispatched").values_list("recipient_id", flat=True))
    assert told == {w.officer.pk, w.head.pk}
    assert events(opinion, "dispatched").get().summary["unit"] == w.unit.pk


def test_a_complex_item_gets_the_longer_deadline(w: LoopWorld) -> None:
    opinion = w.submit()
    dispatch = actions.triage_grade(
        actor=w.staff, opinion=opinion, level="L2", category="traffic", unit=w.unit, is_complex=True
    )
    expected = end_of_day(due_date("opinion_handling_complex", start=timezone.localdate(), congress=w.city))
    assert (
        dispatch.due_at
        == expected
        > end_of_day(due_date("opinion_handling", start=timezone.localdate(), congress=w.city))
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"level": "L9"}, "level"),
        ({"category": "x"}, "category"),
    ],
)
def test_grade_input_is_checked(w: LoopWorld, fields: dict[str, Any], field: str) -> None:
    opinion = w.submit()
    values = {"level": "L1", "category": "urban", "unit": w.unit, **fields}
    with pytest.raises(InvalidInput) as caught:
        actions.triage_grade(actor=w.staff, opinion=opinion, **values)
    assert caught.value.field == field
    assert fresh(opinion).status == Status.RECEIVED and not Dispatch.objects.exists()


def test_stations_delegations_and_foreign_units_do_not_handle(w: LoopWorld, other_unit: Unit) -> None:
    opinion = w.submit()
    for unit in (w.station.unit, other_unit, factories.UnitFactory(congress=w.city, kind="delegation")):
        with pytest.raises(InvalidInput) as caught:
            actions.triage_grade(actor=w.staff, opinion=opinion, level="L1", category="urban", unit=unit)
        assert caught.value.field == "unit"
    assert not Dispatch.objects.exists()


def test_who_triages(w: LoopWorld) -> None:
    portal = w.submit()
    at_station = w.submit(source=Source.STATION_QR, station=w.station)
    to_deputy = w.submit(source=Source.DEPUTY_QR, deputy=w.deputy)
    for who in (w.officer, w.leader, w.sc_member, w.citizen, w.station_staff, w.deputy.user):
        with pytest.raises(NotPermitted):
            actions.triage_grade(actor=who, opinion=portal, level="L1", category="urban", unit=w.unit)
    for who in (w.other_station_staff, w.deputy.user):
        with pytest.raises(NotPermitted):
            actions.triage_answer_on_spot(actor=who, opinion=at_station, answer="已解释")
    with pytest.raises(NotPermitted):
        actions.triage_answer_on_spot(actor=w.other_deputy.user, opinion=to_deputy, answer="已解释")
    actions.triage_grade(actor=w.station_staff, opinion=at_station, level="L1", category="urban", unit=w.unit)
    actions.triage_answer_on_spot(actor=w.deputy.user, opinion=to_deputy, answer="已当面解释政策。")
    assert fresh(at_station).status == Status.DISPATCHED
    assert fresh(to_deputy).status == Status.ANSWERED_ON_SPOT


def test_triage_twice_is_refused(w: LoopWorld) -> None:
    opinion = dispatched(w)
    with pytest.raises(InvalidTransition):
        actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="urban", unit=w.other_unit)
    with pytest.raises(InvalidTransition):
        actions.triage_answer_on_spot(actor=w.staff, opinion=opinion, answer="已解释")
    assert Dispatch.objects.count() == 1


def test_answer_on_the_spot_ends_the_loop(w: LoopWorld) -> None:
    opinion = w.submit()
    with pytest.raises(InvalidInput):
        actions.triage_answer_on_spot(actor=w.staff, opinion=opinion, answer="  ")
    actions.triage_answer_on_spot(actor=w.staff, opinion=opinion, answer="该路段已列入本月维修计划。")
    opinion = fresh(opinion)
    assert opinion.status == Status.ANSWERED_ON_SPOT and opinion.closed_at is not None
    assert opinion.on_spot_answer == "该路段已列入本月维修计划。"
    assert events(opinion, "answered_on_spot").count() == 1
    assert todos(opinion, "opinion.triage").get().status == TodoStatus.DONE


def test_refuse_needs_a_channel_from_the_list(w: LoopWorld) -> None:
    opinion = w.submit()
    for channel, code in (("", "required"), ("法院", "invalid_choice")):
        with pytest.raises(InvalidInput) as caught:
            actions.triage_refuse(actor=w.staff, opinion=opinion, reason="属于民事纠纷", channel=channel)
        assert (caught.value.field, caught.value.code) == ("channel", code)
    with pytest.raises(InvalidInput) as caught:
        actions.triage_refuse(actor=w.staff, opinion=opinion, reason="", channel="诉讼")
    assert caught.value.field == "reason"
    assert fresh(opinion).status == Status.RECEIVED
    actions.triage_refuse(actor=w.staff, opinion=opinion, reason="属于民事纠纷", channel="诉讼")
    opinion = fresh(opinion)
    assert (opinion.status, opinion.redirect_channel, opinion.refuse_reason) == (Status.REFUSED, "诉讼", "属于民事纠纷")
    assert events(opinion, "refused").get().summary["channel"] == "诉讼"


def test_convert_makes_a_draft_suggestion_for_the_deputy(w: LoopWorld) -> None:
    opinion = w.submit(address="东湖路 8 号")
    suggestion = actions.triage_convert(
        actor=w.staff, opinion=opinion, deputy=w.deputy, title="关于完善路灯管护机制的建议"
    )
    opinion = fresh(opinion)
    assert opinion.status == Status.CONVERTED and opinion.converted_suggestion_id == suggestion.pk
    assert opinion.deputy_id == w.deputy.pk
    assert suggestion.status == SuggestionStatus.DRAFT and suggestion.lead_deputy_id == w.deputy.user_id
    assert suggestion.congress_id == w.city.pk and opinion.tracking_code in suggestion.body
    assert "东湖路 8 号" in suggestion.body
    assert events(opinion, "converted").get().summary["suggestion"] == suggestion.pk
    # The staff's own role was not disturbed.
    assert w.deputy.user.active_assignment is not None


def test_a_deputy_converts_their_own_without_naming_themselves(w: LoopWorld) -> None:
    opinion = w.submit(source=Source.DEPUTY_QR, deputy=w.deputy)
    suggestion = actions.triage_convert(actor=w.deputy.user, opinion=opinion, title="关于路灯的建议")
    assert suggestion.lead_deputy_id == w.deputy.user_id


def test_convert_needs_a_deputy_of_this_congress(w: LoopWorld, other_city: Congress) -> None:
    opinion = w.submit()
    outsider = deputy_profile(other_city)
    with pytest.raises(InvalidInput) as caught:
        actions.triage_convert(actor=w.staff, opinion=opinion, deputy=outsider, title="关于路灯的建议")
    assert caught.value.field == "deputy"
    with pytest.raises(InvalidInput) as caught:
        actions.triage_convert(actor=w.staff, opinion=opinion, deputy=None, title="关于路灯的建议")
    assert caught.value.field == "deputy"
    assert fresh(opinion).status == Status.RECEIVED


# --- the unit ---


def test_only_the_dispatched_unit_accepts(w: LoopWorld) -> None:
    opinion = dispatched(w)
    for who in (w.other_officer, w.staff, w.station_staff):
        with pytest.raises(NotPermitted):
            actions.dispatch_accept(actor=who, opinion=opinion)
    actions.dispatch_accept(actor=w.head, opinion=opinion)
    assert fresh(opinion).status == Status.ACCEPTED
    assert Dispatch.objects.get().state == Dispatch.State.ACCEPTED
    with pytest.raises(InvalidTransition):
        actions.dispatch_accept(actor=w.officer, opinion=opinion)


def test_reply_needs_acceptance_first(w: LoopWorld) -> None:
    opinion = dispatched(w)
    with pytest.raises(InvalidTransition):
        actions.dispatch_reply(actor=w.officer, opinion=opinion, text="已修复")
    actions.dispatch_accept(actor=w.officer, opinion=opinion)
    with pytest.raises(InvalidInput) as caught:
        actions.dispatch_reply(actor=w.officer, opinion=opinion, text=" ")
    assert caught.value.field == "text"


def test_reply_on_time_opens_the_relay_duty(w: LoopWorld) -> None:
    opinion = replied(w)
    dispatch = Dispatch.objects.get()
    assert opinion.status == Status.REPLIED and opinion.replied_on_time is True
    assert dispatch.state == Dispatch.State.REPLIED and dispatch.reply == "路灯已于本周修复。"
    assert todos(dispatch, "opinion.handle").get().status == TodoStatus.DONE
    assert todos(opinion, "opinion.relay").get().assignee_unit_id == w.office.pk
    assert Notification.objects.filter(event="opinion.replied", recipient=w.staff).exists()


def test_a_late_reply_is_not_on_time(w: LoopWorld) -> None:
    opinion = dispatched(w)
    actions.dispatch_accept(actor=w.officer, opinion=opinion)
    Dispatch.objects.update(due_at=timezone.now() - dt.timedelta(days=1))
    actions.dispatch_reply(actor=w.officer, opinion=opinion, text="已修复")
    assert fresh(opinion).replied_on_time is False


def test_return_goes_back_to_triage_and_can_be_dispatched_again(w: LoopWorld) -> None:
    opinion = dispatched(w)
    with pytest.raises(InvalidInput):
        actions.dispatch_return(actor=w.officer, opinion=opinion, reason="")
    actions.dispatch_return(actor=w.officer, opinion=opinion, reason="路灯由市交通运输局管护")
    opinion = fresh(opinion)
    first = Dispatch.objects.get()
    assert (opinion.status, opinion.unit_id, opinion.due_at) == (Status.RECEIVED, None, None)
    assert first.state == Dispatch.State.RETURNED and first.return_reason == "路灯由市交通运输局管护"
    assert todos(first, "opinion.handle").get().status == TodoStatus.CANCELLED
    assert todos(opinion, "opinion.triage").filter(status=TodoStatus.OPEN).count() == 1
    assert Notification.objects.filter(event="opinion.returned", recipient=w.staff).exists()
    # The unit still reads what it once held; it may no longer act on it.
    assert permissions.can_view_opinion(w.officer, opinion)
    with pytest.raises(NotPermitted):
        actions.dispatch_accept(actor=w.officer, opinion=opinion)
    actions.triage_grade(actor=w.staff, opinion=opinion, level="L3", category="traffic", unit=w.other_unit)
    opinion = fresh(opinion)
    assert opinion.unit_id == w.other_unit.pk and opinion.round == 1
    assert Dispatch.objects.filter(opinion=opinion).count() == 2


# --- relay and rating ---


def test_relay_texts_the_citizen_the_tracking_link(w: LoopWorld, django_capture_on_commit_callbacks: Any) -> None:
    opinion = replied(w)
    with pytest.raises(NotPermitted):
        actions.reply_relay(actor=w.officer, opinion=opinion)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_relay(actor=w.staff, opinion=opinion)
    opinion = fresh(opinion)
    assert opinion.status == Status.RELAYED
    ((phone, message),) = sms.outbox
    assert phone == "13912345678"
    assert opinion.tracking_code in message and f"/portal/opinions/track/{opinion.tracking_code}/" in message
    assert events(opinion, "relayed").get().summary["sms"] is True
    assert todos(opinion, "opinion.relay").get().status == TodoStatus.DONE
    with pytest.raises(InvalidTransition):
        actions.reply_relay(actor=w.staff, opinion=opinion)


def test_relay_without_a_phone_sends_nothing(w: LoopWorld, django_capture_on_commit_callbacks: Any) -> None:
    opinion = replied(w, citizen_phone="", citizen_name="")
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_relay(actor=w.staff, opinion=opinion)
    assert sms.outbox == []


def test_relay_before_the_reply_is_refused(w: LoopWorld) -> None:
    with pytest.raises(InvalidTransition):
        actions.reply_relay(actor=w.staff, opinion=dispatched(w))


@pytest.mark.parametrize("state", ["received", "dispatched", "accepted"])
def test_rating_an_open_item_is_refused(w: LoopWorld, state: str) -> None:
    opinion = w.submit() if state == "received" else dispatched(w)
    if state == "accepted":
        actions.dispatch_accept(actor=w.officer, opinion=opinion)
    with pytest.raises(InvalidTransition) as caught:
        actions.opinion_rate(opinion=opinion, rating="satisfied")
    assert caught.value.status_code == 409 and "不能评价" in caught.value.message
    assert not OpinionRating.objects.exists()


def test_satisfied_closes_and_a_second_rating_is_refused(w: LoopWorld) -> None:
    opinion = replied(w)
    actions.reply_relay(actor=w.staff, opinion=opinion)
    rated = actions.opinion_rate(opinion=opinion, rating="basically_satisfied", comment="修好了")
    opinion = fresh(opinion)
    assert (opinion.status, opinion.rating) == (Status.CLOSED, "basically_satisfied") and opinion.closed_at
    assert (rated.round, rated.reopened) == (1, False)
    with pytest.raises(InvalidTransition):
        actions.opinion_rate(opinion=opinion, rating="satisfied")
    assert OpinionRating.objects.count() == 1
    assert events(opinion, "rated").count() == 1


def test_a_rating_row_for_the_round_blocks_another(w: LoopWorld) -> None:
    """The database constraint: a rating already stored for the round refuses a second with 409."""
    opinion = replied(w)
    OpinionRating.objects.create(opinion=opinion, round=1, rating="satisfied")
    with pytest.raises(InvalidTransition) as caught:
        actions.opinion_rate(opinion=opinion, rating="dissatisfied")
    assert caught.value.code == "already_rated"


def test_rating_in_replied_closes_the_relay_duty(w: LoopWorld) -> None:
    opinion = replied(w)
    actions.opinion_rate(opinion=opinion, rating="satisfied")
    assert todos(opinion, "opinion.relay").get().status == TodoStatus.DONE


def test_dissatisfied_without_reopening_closes(w: LoopWorld) -> None:
    opinion = replied(w)
    actions.opinion_rate(opinion=opinion, rating="dissatisfied", reopen=False)
    opinion = fresh(opinion)
    assert (opinion.status, opinion.rating, opinion.reopen_count) == (Status.CLOSED, "dissatisfied", 0)


def test_bad_rating_is_refused(w: LoopWorld) -> None:
    opinion = replied(w)
    with pytest.raises(InvalidInput) as caught:
        actions.opinion_rate(opinion=opinion, rating="great")
    assert caught.value.field == "rating"
    with pytest.raises(InvalidInput) as caught:
        actions.opinion_rate(opinion=opinion, rating="satisfied", comment="长" * 1001)
    assert caught.value.field == "comment"
    assert not OpinionRating.objects.exists()


def test_reopen_twice_then_the_rating_closes(w: LoopWorld) -> None:
    opinion = replied(w)
    for round_number in (2, 3):
        rated = actions.opinion_rate(opinion=opinion, rating="dissatisfied", comment="还是不亮", reopen=True)
        assert rated.reopened is True
        opinion = fresh(opinion)
        assert (opinion.status, opinion.round, opinion.unit_id) == (Status.DISPATCHED, round_number, w.unit.pk)
        assert opinion.reopen_count == round_number - 1
        live = Dispatch.objects.get(opinion=opinion, round=round_number)
        assert live.state == Dispatch.State.PENDING and live.unit_id == w.unit.pk
        assert todos(live, "opinion.handle").get().status == TodoStatus.OPEN
        assert Notification.objects.filter(event="opinion.reopened", recipient=w.officer).count() == round_number - 1
        actions.dispatch_accept(actor=w.officer, opinion=opinion)
        actions.dispatch_reply(actor=w.officer, opinion=opinion, text=f"第{round_number}次答复")
        opinion = fresh(opinion)
    last = actions.opinion_rate(opinion=opinion, rating="dissatisfied", reopen=True)
    opinion = fresh(opinion)
    assert last.reopened is False and last.round == 3
    assert (opinion.status, opinion.reopen_count, opinion.rating) == (Status.CLOSED, 2, "dissatisfied")
    assert OpinionRating.objects.filter(opinion=opinion).count() == 3


def test_the_citizen_rating_is_audited_without_an_actor(w: LoopWorld) -> None:
    opinion = replied(w)
    actions.opinion_rate(opinion=opinion, rating="satisfied")
    event = events(opinion, "rated").get()
    assert event.actor_id is None and event.summary["rating"] == "satisfied"


# --- clusters handled as one ---


def _cluster(w: LoopWorld, size: int) -> tuple[Any, list[Opinion]]:
    from renda.insight.models import Cluster

    now = timezone.now()
    cluster = Cluster.objects.create(congress=w.city, title="东湖路路灯", first_received_at=now, last_received_at=now)
    members = [w.submit(citizen_phone=f"1391234{index:04d}") for index in range(size)]
    Opinion.objects.filter(pk__in=[item.pk for item in members]).update(cluster=cluster)
    return cluster, [fresh(item) for item in members]


def test_a_cluster_handled_as_one_answers_every_citizen(w: LoopWorld, django_capture_on_commit_callbacks: Any) -> None:
    cluster, members = _cluster(w, 3)
    already = w.submit()  # of the group, but dispatched on its own to another unit before
    actions.triage_grade(actor=w.staff, opinion=already, level="L3", category="urban", unit=w.other_unit)
    Opinion.objects.filter(pk=already.pk).update(cluster=cluster)
    with pytest.raises(NotPermitted):
        actions.cluster_dispatch(actor=w.station_staff, cluster=cluster, level="L3", category="urban", unit=w.unit)
    dispatches = actions.cluster_dispatch(actor=w.staff, cluster=cluster, level="L3", category="urban", unit=w.unit)
    assert sorted(item.opinion_id for item in dispatches) == sorted(item.pk for item in members)
    cluster.refresh_from_db()
    assert cluster.handled_as_one is True
    assert (
        Notification.objects.filter(event="opinion.dispatched", recipient=w.officer).count() == 1
    )  # one for the group
    actions.dispatch_accept(actor=w.officer, opinion=members[0])
    assert {fresh(item).status for item in members} == {Status.ACCEPTED}
    assert fresh(already).status == Status.DISPATCHED  # another unit's: not carried over
    actions.dispatch_reply(actor=w.officer, opinion=members[1], text="东湖路路灯已全部更换。")
    assert {fresh(item).status for item in members} == {Status.REPLIED}
    assert set(Dispatch.objects.filter(opinion__in=members).values_list("reply", flat=True)) == {
        "东湖路路灯已全部更换。"
    }
    assert all(events(item, "replied").count() == 1 for item in members)
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.reply_relay(actor=w.staff, opinion=members[2])
    assert {fresh(item).status for item in members} == {Status.RELAYED}
    assert sorted(phone for phone, _ in sms.outbox) == [f"1391234{index:04d}" for index in range(3)]
    for item in members:
        actions.opinion_rate(opinion=item, rating="satisfied")
    assert {fresh(item).status for item in members} == {Status.CLOSED}


def test_an_empty_cluster_is_refused(w: LoopWorld) -> None:
    cluster, _members = _cluster(w, 0)
    with pytest.raises(InvalidTransition):
        actions.cluster_dispatch(actor=w.staff, cluster=cluster, level="L3", category="urban", unit=w.unit)


def test_returning_one_of_a_group_returns_the_group(w: LoopWorld) -> None:
    cluster, members = _cluster(w, 2)
    actions.cluster_dispatch(actor=w.staff, cluster=cluster, level="L3", category="urban", unit=w.unit)
    actions.dispatch_return(actor=w.officer, opinion=members[0], reason="不属于本单位")
    assert {fresh(item).status for item in members} == {Status.RECEIVED}
    cluster.refresh_from_db()
    assert cluster.handled_as_one is False


# --- overdue ---


def test_overdue_dispatches_are_flagged_once(w: LoopWorld) -> None:
    opinion = dispatched(w)
    on_time = dispatched(w)
    Dispatch.objects.filter(opinion=opinion).update(due_at=timezone.now() - dt.timedelta(hours=1))
    assert list(actions.overdue_dispatches().values_list("opinion_id", flat=True)) == [opinion.pk]
    assert actions.overdue_flag() == 1
    assert actions.overdue_flag() == 0
    assert events(opinion, "overdue").count() == 1 and not events(on_time, "overdue").exists()
    assert Notification.objects.filter(event="opinion.overdue", recipient=w.head).count() == 1
