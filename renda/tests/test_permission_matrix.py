"""Every role against every page and API endpoint: allowed or denied, and a denied request changes nothing.

The tables below must name every route in the URLconf and every operation in the
OpenAPI schema; a new route without an entry fails ``test_matrix_covers_*``.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from renda.accounts.actions import token_create
from renda.accounts.models import User
from renda.conftest import login_client
from renda.organizations.models import CalendarAdjustment, Congress, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.tests import world_deputies, world_livelihood, world_opinions
from renda.tests_support.factories import UserFactory

ALL_ROLES = [role.value for role in Role]
ANYONE = "anyone"
LOGGED_IN = "logged_in"

BALLOT_STAFF = {Role.STAFF_ADMIN, Role.COMMITTEE_STAFF}
BALLOT_ELECTORATE = {Role.SC_MEMBER, Role.DEPUTY}
BALLOT_VIEWERS = BALLOT_STAFF | BALLOT_ELECTORATE

# The world's suggestion: the city's staff and leader read it, the deputy leads it, the unit answered it.
SUGGESTION_STAFF = {Role.STAFF_ADMIN, Role.COMMITTEE_STAFF}
SUGGESTION_UNIT = {Role.UNIT_OFFICER, Role.UNIT_HEAD}
SUGGESTION_VIEWERS = SUGGESTION_STAFF | SUGGESTION_UNIT | {Role.LEADER, Role.DEPUTY}

# Page name → who may GET it (200). POST-only routes are listed with method "POST".
PAGES: dict[str, tuple[str, Any]] = {
    "home": ("GET", LOGGED_IN),
    "accounts:login": ("GET", ANYONE),
    "accounts:totp": ("GET", "flow"),
    "accounts:totp_setup": ("GET", "flow"),
    "accounts:sms_login": ("GET", ANYONE),
    "accounts:logout": ("POST", LOGGED_IN),
    "accounts:password_change": ("GET", LOGGED_IN),
    "accounts:tokens": ("GET", LOGGED_IN),
    "accounts:token_revoke": ("POST", "owner"),
    "accounts:role_switch": ("POST", "owner"),
    "organizations:congress_tree": ("GET", {Role.STAFF_ADMIN}),
    "organizations:congress_detail": ("GET", {Role.STAFF_ADMIN}),
    "organizations:unit_list": ("GET", {Role.STAFF_ADMIN}),
    "organizations:unit_create": ("GET", {Role.STAFF_ADMIN}),
    "organizations:unit_edit": ("GET", {Role.STAFF_ADMIN}),
    "organizations:user_list": ("GET", {Role.STAFF_ADMIN}),
    "organizations:user_create": ("GET", {Role.STAFF_ADMIN}),
    "organizations:user_detail": ("GET", {Role.STAFF_ADMIN}),
    "organizations:role_revoke": ("POST", {Role.STAFF_ADMIN}),
    "audit_list": ("GET", {Role.AUDITOR}),
    "todo_list": ("GET", LOGGED_IN),
    "inbox": ("GET", LOGGED_IN),
    "notification_read": ("POST", "owner"),
    "notification_preferences": ("GET", LOGGED_IN),
    "failed_jobs": ("GET", {Role.STAFF_ADMIN}),
    "failed_job_retry": ("POST", {Role.STAFF_ADMIN}),
    "ballots:list": ("GET", LOGGED_IN),  # each sees the ballots they run or vote in
    # The world's ballot: run by the city's staff; the SC member and the deputy are its electorate.
    "ballots:detail": ("GET", BALLOT_VIEWERS),  # POST casts a vote: see test_denied_ballot_posts_change_nothing
    "ballots:screen": ("GET", BALLOT_VIEWERS),
    "ballots:open": ("POST", BALLOT_STAFF),
    "ballots:close": ("POST", BALLOT_STAFF),
    "ballots:code_vote": ("GET", ANYONE),  # the public page for one-time voting codes (test_code_voters.py)
    "ballots:code_slips": ("POST", BALLOT_STAFF),
    # --- suggestions (the world's item: led by the deputy, assigned to the unit, replied) ---
    "suggestions:stats": ("GET", SUGGESTION_STAFF | {Role.LEADER}),
    "suggestions:stats_export": ("GET", SUGGESTION_STAFF | {Role.LEADER}),
    "suggestions:ledger": ("GET", SUGGESTION_STAFF | {Role.LEADER}),
    "suggestions:ledger_export": ("GET", SUGGESTION_STAFF | {Role.LEADER}),
    # --- motions (the world's motion: filed by the deputy; staff and the leader read it, staff decide) ---
    "motions:list": ("GET", LOGGED_IN),  # each sees their own motions, or (staff, leaders) the filed ones
    "motions:create": ("GET", {Role.DEPUTY}),
    "motions:detail": ("GET", SUGGESTION_STAFF | {Role.LEADER, Role.DEPUTY}),
    "motions:edit": ("GET", {Role.DEPUTY}),  # the lead deputy; filed, so the page only says it is locked
    "motions:invite": ("POST", {Role.DEPUTY}),
    "motions:respond": ("POST", {Role.DEPUTY}),
    "motions:file": ("POST", {Role.DEPUTY}),
    "motions:decide": ("POST", SUGGESTION_STAFF),
    "motions:withdraw": ("POST", {Role.DEPUTY}),
    "motions:withdraw_agree": ("POST", SUGGESTION_STAFF),
    "motions:vote": ("POST", SUGGESTION_STAFF),
    "suggestions:search": ("GET", LOGGED_IN),  # each searches what they may see
    "portal:suggestions": ("GET", ANYONE),  # the public portal, no login
    "portal:suggestion": ("GET", "flow"),  # the world's item is not disclosed (404): see test_portal.py
    "suggestions:mine": ("GET", {Role.DEPUTY}),
    "suggestions:create": ("GET", {Role.DEPUTY}),
    # The lead deputy's pages: on the replied item, edit and co-signers explain why they are closed (200).
    "suggestions:edit": ("GET", {Role.DEPUTY}),
    "suggestions:cosigners": ("GET", {Role.DEPUTY}),
    "suggestions:evaluate": ("GET", {Role.DEPUTY}),  # open: the item is replied and not yet rated
    "suggestions:cosign": ("POST", {Role.DEPUTY}),  # an invited co-signer only
    "suggestions:submit": ("POST", {Role.DEPUTY}),
    "suggestions:withdraw": ("POST", {Role.DEPUTY}),
    "suggestions:attachment": ("GET", SUGGESTION_VIEWERS),  # the world's attachment belongs to a sent reply
    "suggestions:unit_queue": ("GET", SUGGESTION_UNIT),
    "suggestions:handling_sign": ("POST", SUGGESTION_UNIT),
    "suggestions:handling_dispute": ("POST", SUGGESTION_UNIT),
    "suggestions:handling_extension": ("POST", SUGGESTION_UNIT),
    "suggestions:handling_communicate": ("POST", SUGGESTION_UNIT),
    "suggestions:handling_opinion": ("POST", SUGGESTION_UNIT),
    "suggestions:handling_reply": ("POST", SUGGESTION_UNIT),
    "suggestions:reply_approve": ("POST", SUGGESTION_UNIT),
    "suggestions:reply_return": ("POST", SUGGESTION_UNIT),
    "suggestions:attachment_add": ("POST", SUGGESTION_UNIT),
    "suggestions:reply_letter": ("GET", SUGGESTION_VIEWERS),  # the world's reply is sent
    "suggestions:review_queue": ("GET", SUGGESTION_STAFF),
    "suggestions:assign_batch": ("GET", SUGGESTION_STAFF),
    "suggestions:requests": ("GET", SUGGESTION_STAFF),
    "suggestions:board": ("GET", SUGGESTION_STAFF | {Role.LEADER}),
    "suggestions:register": ("POST", SUGGESTION_STAFF),
    "suggestions:return": ("POST", SUGGESTION_STAFF),
    "suggestions:refuse": ("POST", SUGGESTION_STAFF),
    "suggestions:merge": ("POST", SUGGESTION_STAFF),
    "suggestions:assign": ("POST", SUGGESTION_STAFF),
    "suggestions:key": ("POST", SUGGESTION_STAFF),
    "suggestions:disclose": ("POST", SUGGESTION_STAFF),
    "suggestions:dispute_decide": ("POST", SUGGESTION_STAFF),
    "suggestions:extension_decide": ("POST", SUGGESTION_STAFF),
    "suggestions:import": ("GET", SUGGESTION_STAFF),
    "suggestions:import_template": ("GET", SUGGESTION_STAFF),
    "suggestions:detail": ("GET", SUGGESTION_VIEWERS),
}

# Admin pages that change data by POST: a denied POST must change nothing.
ADMIN_POSTS = {
    "organizations:congress_detail": {"form": "congress", "name": "改名", "short_name": "", "is_active": "on"},
    "organizations:unit_create": {"name": "新单位", "kind": "court", "congress": "{city}"},
    "organizations:unit_edit": {"name": "改名单位", "kind": "court", "congress": "{city}", "is_active": "on"},
    "organizations:user_create": {
        "username": "intruder",
        "full_name": "入侵",
        "password": "Temp#Pass2026",
        "congress": "{city}",
        "role": "staff_admin",
    },
    "organizations:user_detail": {"form": "grant", "congress": "{city}", "role": "staff_admin"},
    "organizations:role_revoke": {},
    "failed_job_retry": {},
    "notification_read": {},
}

# API operation "METHOD path" → who may call it.
API: dict[str, Any] = {
    "GET /api/v1/me": LOGGED_IN,
    "POST /api/v1/me/role": "owner",
    "POST /api/v1/me/password": LOGGED_IN,
    "GET /api/v1/me/tokens": LOGGED_IN,
    "POST /api/v1/me/tokens": LOGGED_IN,
    "POST /api/v1/me/tokens/{token_id}/revoke": "owner",
    "GET /api/v1/congresses": {Role.STAFF_ADMIN},
    "GET /api/v1/congresses/{congress_id}": {Role.STAFF_ADMIN},
    "PATCH /api/v1/congresses/{congress_id}": {Role.STAFF_ADMIN},
    "POST /api/v1/congresses/{congress_id}/children": {Role.STAFF_ADMIN},
    "GET /api/v1/congresses/{congress_id}/settings": {Role.STAFF_ADMIN},
    "PATCH /api/v1/congresses/{congress_id}/settings": {Role.STAFF_ADMIN},
    "GET /api/v1/units": {Role.STAFF_ADMIN},
    "POST /api/v1/units": {Role.STAFF_ADMIN},
    "GET /api/v1/units/{unit_id}": {Role.STAFF_ADMIN},
    "PATCH /api/v1/units/{unit_id}": {Role.STAFF_ADMIN},
    "GET /api/v1/users": {Role.STAFF_ADMIN},
    "POST /api/v1/users": {Role.STAFF_ADMIN},
    "GET /api/v1/users/{user_id}": {Role.STAFF_ADMIN},
    "PATCH /api/v1/users/{user_id}": {Role.STAFF_ADMIN},
    "POST /api/v1/users/{user_id}/roles": {Role.STAFF_ADMIN},
    "POST /api/v1/roles/{assignment_id}/revoke": {Role.STAFF_ADMIN},
    "POST /api/v1/users/{user_id}/unlock": {Role.STAFF_ADMIN},
    "POST /api/v1/users/{user_id}/totp/reset": {Role.STAFF_ADMIN},
    "POST /api/v1/users/{user_id}/password": {Role.STAFF_ADMIN},
    "GET /api/v1/audit/events": {Role.AUDITOR},
    "GET /api/v1/congresses/{congress_id}/calendar": LOGGED_IN,  # anyone holding a role in the congress
    "POST /api/v1/congresses/{congress_id}/calendar": {Role.STAFF_ADMIN},
    "POST /api/v1/calendar/{adjustment_id}/remove": {Role.STAFF_ADMIN},
    "GET /api/v1/calendar/due-date": LOGGED_IN,  # anyone holding a role in the congress
    "GET /api/v1/todo": LOGGED_IN,
    "GET /api/v1/todo/counts": LOGGED_IN,
    "GET /api/v1/inbox": LOGGED_IN,
    "POST /api/v1/inbox/{notification_id}/read": "owner",
    "GET /api/v1/me/notification-preferences": LOGGED_IN,
    "PUT /api/v1/me/notification-preferences": LOGGED_IN,
    "GET /api/v1/jobs/failed": {Role.STAFF_ADMIN},
    "POST /api/v1/jobs/failed/{job_id}/retry": {Role.STAFF_ADMIN},
    "GET /api/v1/ballots": LOGGED_IN,  # each sees the ballots they run or vote in
    "POST /api/v1/ballots": BALLOT_STAFF,
    # The world's ballot: run by the city's staff; the SC member and the deputy are its electorate.
    "GET /api/v1/ballots/{ballot_id}": BALLOT_VIEWERS,
    "POST /api/v1/ballots/{ballot_id}/open": BALLOT_STAFF,
    "POST /api/v1/ballots/{ballot_id}/close": BALLOT_STAFF,
    "POST /api/v1/ballots/{ballot_id}/votes": BALLOT_ELECTORATE,
    "GET /api/v1/ballots/{ballot_id}/result": BALLOT_VIEWERS,
    "GET /api/v1/ballots/{ballot_id}/receipt": BALLOT_VIEWERS,
    # Public, no login: the answer depends on the code (test_code_voters.py).
    "GET /api/v1/voter-codes/ballot": "flow",
    "POST /api/v1/voter-codes/vote": ANYONE,
    "GET /api/v1/suggestions/stats": SUGGESTION_STAFF | {Role.LEADER},
    "GET /api/v1/suggestions/stats.xlsx": SUGGESTION_STAFF | {Role.LEADER},
    "GET /api/v1/suggestions/ledger.xlsx": SUGGESTION_STAFF | {Role.LEADER},
    # The world's motion: filed by the deputy; staff and the leader read it, staff record the decisions.
    "GET /api/v1/motions": LOGGED_IN,
    "POST /api/v1/motions": {Role.DEPUTY},
    "GET /api/v1/motions/{motion_id}": SUGGESTION_STAFF | {Role.LEADER, Role.DEPUTY},
    "PATCH /api/v1/motions/{motion_id}": {Role.DEPUTY},
    "POST /api/v1/motions/{motion_id}/cosigners": {Role.DEPUTY},
    "POST /api/v1/motions/{motion_id}/cosign": {Role.DEPUTY},
    "POST /api/v1/motions/{motion_id}/file": {Role.DEPUTY},
    "POST /api/v1/motions/{motion_id}/decision": SUGGESTION_STAFF,
    "POST /api/v1/motions/{motion_id}/withdraw": {Role.DEPUTY},
    "POST /api/v1/motions/{motion_id}/withdraw/agree": SUGGESTION_STAFF,
    "POST /api/v1/motions/{motion_id}/vote": SUGGESTION_STAFF,
    # --- the suggestion workflow (renda/suggestions/api.py; the world's item, see _replied_suggestion) ---
    "GET /api/v1/suggestions": LOGGED_IN,  # each lists what they may see
    "POST /api/v1/suggestions": {Role.DEPUTY},
    "GET /api/v1/suggestions/{suggestion_id}": SUGGESTION_VIEWERS,
    "PATCH /api/v1/suggestions/{suggestion_id}": {Role.DEPUTY},
    "GET /api/v1/suggestions/{suggestion_id}/timeline": SUGGESTION_VIEWERS,
    "POST /api/v1/suggestions/{suggestion_id}/cosigners": {Role.DEPUTY},
    "POST /api/v1/suggestions/{suggestion_id}/cosigners/{user_id}/remove": {Role.DEPUTY},
    "POST /api/v1/suggestions/{suggestion_id}/cosign": {Role.DEPUTY},  # an invited co-signer only
    "POST /api/v1/suggestions/{suggestion_id}/submit": {Role.DEPUTY},
    "POST /api/v1/suggestions/{suggestion_id}/withdraw": {Role.DEPUTY},
    "POST /api/v1/suggestions/{suggestion_id}/evaluation": {Role.DEPUTY},
    "POST /api/v1/suggestions/{suggestion_id}/register": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/{suggestion_id}/return": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/{suggestion_id}/refuse": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/{suggestion_id}/merge": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/{suggestion_id}/assign": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/assign-batch": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/{suggestion_id}/key": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/{suggestion_id}/disclosure": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/disputes/{dispute_id}/decide": SUGGESTION_STAFF,
    "POST /api/v1/suggestions/extensions/{extension_id}/decide": SUGGESTION_STAFF,
    "GET /api/v1/suggestions/requests": SUGGESTION_STAFF,
    "GET /api/v1/suggestions/unit-queue": SUGGESTION_UNIT,
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/sign": SUGGESTION_UNIT,
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/dispute": SUGGESTION_UNIT,
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/extension": SUGGESTION_UNIT,
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/communications": SUGGESTION_UNIT,
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/opinion": SUGGESTION_UNIT,  # a co-handling unit
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/reply": SUGGESTION_UNIT,
    "POST /api/v1/suggestions/replies/{reply_id}/approve": {Role.UNIT_HEAD},
    "POST /api/v1/suggestions/replies/{reply_id}/return": {Role.UNIT_HEAD},
    "POST /api/v1/suggestions/replies/{reply_id}/attachments": SUGGESTION_UNIT,
    "GET /api/v1/suggestions/attachments/{attachment_id}": SUGGESTION_VIEWERS,  # the world's attachment belongs to a sent reply
    "GET /api/v1/suggestions/search": LOGGED_IN,  # each searches what they may see
    "GET /api/v1/suggestions/{suggestion_id}/similar": SUGGESTION_STAFF,
    "GET /api/v1/portal/suggestions": ANYONE,  # the public portal, no login
    "GET /api/v1/portal/suggestions/{suggestion_id}": "flow",  # the world's item is not disclosed: see test_portal.py
    "POST /api/v1/suggestions/import": SUGGESTION_STAFF,  # multipart; a denied JSON post changes nothing
    "GET /api/v1/suggestions/import/template.xlsx": SUGGESTION_STAFF,
}

# Query strings for GET operations that need parameters ("{city}" is filled in).
API_QUERIES: dict[str, str] = {
    "GET /api/v1/suggestions/search": "?q=公交",
    "GET /api/v1/calendar/due-date": "?rule=suggestion_reply&start=2024-01-31&congress_id={city}",
    "GET /api/v1/ballots/{ballot_id}/receipt": "?code=not-a-receipt",
    "GET /api/v1/suggestions/stats": "?congress_id={city}",
    "GET /api/v1/suggestions/stats.xlsx": "?congress_id={city}",
    "GET /api/v1/suggestions/ledger.xlsx": "?congress_id={city}",
    "GET /api/v1/suggestions/requests": "?congress_id={city}",
}

API_BODIES: dict[str, dict[str, Any]] = {
    "PATCH /api/v1/congresses/{congress_id}": {"name": "改名"},
    "POST /api/v1/congresses/{congress_id}/children": {"name": "新区人大", "code": "newdistrict"},
    "PATCH /api/v1/congresses/{congress_id}/settings": {"suggestion_due_months": 5},
    "POST /api/v1/units": {"congress_id": "{city}", "name": "新单位", "kind": "court"},
    "PATCH /api/v1/units/{unit_id}": {"name": "改名单位"},
    "POST /api/v1/users": {
        "username": "intruder",
        "full_name": "入侵",
        "password": "Temp#Pass2026",
        "congress_id": "{city}",
        "role": "staff_admin",
    },
    "PATCH /api/v1/users/{user_id}": {"full_name": "改名"},
    "POST /api/v1/users/{user_id}/roles": {"congress_id": "{city}", "role": "staff_admin"},
    "POST /api/v1/users/{user_id}/password": {"new_password": "Reset#Pass2026"},
    "POST /api/v1/congresses/{congress_id}/calendar": {"date": "2027-02-08", "kind": "holiday", "name": "春节"},
    "POST /api/v1/ballots": {
        "congress_id": "{city}",
        "title": "擅自发起的表决",
        "rule": "yes_no_abstain",
        "opens_at": "2027-01-01T09:00:00+08:00",
        "closes_at": "2027-01-01T10:00:00+08:00",
        "questions": [{"text": "事项"}],
        "electorate": [],
    },
    "POST /api/v1/ballots/{ballot_id}/votes": {"choices": []},
    "POST /api/v1/motions": {
        "congress_id": "{city}",
        "title": "擅自提出的议案",
        "reason": "r",
        "grounds": "g",
        "plan": "p",
    },
    "PATCH /api/v1/motions/{motion_id}": {"title": "改名"},
    "POST /api/v1/motions/{motion_id}/cosigners": {"deputy_ids": []},
    "POST /api/v1/motions/{motion_id}/cosign": {"accept": True},
    "POST /api/v1/motions/{motion_id}/decision": {"decision": "not_list", "note": "擅自决定"},
    "POST /api/v1/motions/{motion_id}/withdraw": {"reason": "擅自撤回"},
    "POST /api/v1/motions/{motion_id}/withdraw/agree": {"agree": True},
    "POST /api/v1/motions/{motion_id}/vote": {"result": "adopted"},
    "POST /api/v1/suggestions": {"title": "擅自提出的建议", "body": "内容", "category": "urban"},
    "POST /api/v1/suggestions/{suggestion_id}/cosign": {"accept": True},
    "POST /api/v1/suggestions/{suggestion_id}/evaluation": {
        "process_rating": "dissatisfied",
        "result_rating": "dissatisfied",
    },
    "POST /api/v1/suggestions/{suggestion_id}/merge": {"into_id": 1},
    "POST /api/v1/suggestions/assign-batch": {"congress_id": "{city}", "suggestion_ids": []},
    "POST /api/v1/suggestions/{suggestion_id}/key": {"is_key": False},
    "POST /api/v1/suggestions/{suggestion_id}/disclosure": {"is_public": True},
    "POST /api/v1/suggestions/disputes/{dispute_id}/decide": {"approve": False, "note": "不同意"},
    "POST /api/v1/suggestions/extensions/{extension_id}/decide": {"approve": True, "note": "同意"},
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/extension": {
        "requested_due": "2099-01-01",
        "reason": "情况复杂",
    },
    "POST /api/v1/suggestions/handling/{suggestion_assignment_id}/communications": {
        "kind": "phone",
        "date": "2026-01-01",
    },
}


def _route_names(patterns: list[Any], namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("admin", "api") or str(pattern.pattern).startswith(("i18n", "api")):
                continue
            prefix = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _route_names(pattern.url_patterns, prefix)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_matrix_covers_every_page() -> None:
    assert _route_names(get_resolver().url_patterns) == set(PAGES)


def test_matrix_covers_every_api_operation(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operations = {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}
    assert operations == set(API)


@pytest.fixture
def world(city: Congress, unit: Unit, other_city: Congress) -> dict[str, Any]:
    people: dict[str, User] = {}
    for role in ALL_ROLES:
        user = UserFactory(username=f"as-{role}")
        RoleAssignment.objects.create(
            user=user,
            congress=city,
            role=role,
            unit=unit if role in {"committee_staff", "unit_officer", "unit_head", "station_staff"} else None,
        )
        people[role] = user
    target = UserFactory(username="target")
    target_role = RoleAssignment.objects.create(user=target, congress=city, role=Role.DEPUTY)
    from renda.core.models import FailedJob, Notification

    notification = Notification.objects.create(recipient=target, event="todo.reminder", subject="别人的通知", body="x")
    adjustment = CalendarAdjustment.objects.create(congress=city, date="2027-10-08", kind="holiday", name="国庆节")
    job = FailedJob.objects.create(task_name="renda.core.tasks.deliver_email", arguments=[notification.pk], error="x")
    ballot = _closed_ballot(city, people)
    suggestion_objects = _replied_suggestion(city, unit, people)
    return {
        **suggestion_objects,
        "city": city,
        "unit": unit,
        "people": people,
        "target": target,
        "target_role": target_role,
        "notification": notification,
        "job": job,
        "adjustment": adjustment,
        "ballot": ballot,
        "motion": _filed_motion(city, people),
        **world_deputies.build(city, unit, people),
        **world_livelihood.build(city, unit, people),
        **world_opinions.build(city, unit, people),
    }


def _filed_motion(city: Congress, people: dict[str, User]) -> Any:
    """A motion the deputy filed to a session (the threshold lowered to one for it, then restored)."""
    import datetime as dt

    from renda.motions import actions as motion_actions
    from renda.organizations.models import CongressSession

    deputy = people[Role.DEPUTY]
    deputy.active_assignment = deputy.role_assignments.get()
    session = CongressSession.objects.filter(congress=city).first() or CongressSession.objects.create(
        congress=city, term=17, number=4, name="测试会议", opens_on=dt.date(2026, 1, 10), closes_on=dt.date(2026, 1, 14)
    )
    saved = dict(city.settings)
    city.settings = {**saved, "motion_cosigner_threshold": 1}
    city.save(update_fields=["settings"])
    motion = motion_actions.motion_create(
        actor=deputy,
        congress=city,
        session=session,
        title="关于制定养犬管理条例的议案",
        reason="r",
        grounds="g",
        plan="p",
    )
    motion_actions.motion_file(actor=deputy, motion=motion)
    city.settings = saved
    city.save(update_fields=["settings"])
    deputy.active_assignment = None
    return motion


def _closed_ballot(city: Congress, people: dict[str, User]) -> Any:
    """A ballot the city's staff ran and closed, with the SC member and the deputy as its electorate."""
    import datetime as dt

    from django.utils import timezone

    from renda.ballots import actions as ballot_actions

    staff = people[Role.COMMITTEE_STAFF]
    staff.active_assignment = staff.role_assignments.get()
    now = timezone.now()
    ballot = ballot_actions.ballot_create(
        actor=staff,
        congress=city,
        title="测试表决",
        rule="yes_no_abstain",
        questions=[ballot_actions.QuestionSpec(text="是否通过")],
        electorate=[people[Role.SC_MEMBER], people[Role.DEPUTY]],
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
    )
    ballot_actions.ballot_open(actor=staff, ballot=ballot)
    return ballot_actions.ballot_close(actor=staff, ballot=ballot, early=True)


def _replied_suggestion(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """The deputy's suggestion, assigned by the city's staff to ``unit`` (whose officer and head answer it).

    The unit contested it and asked for more time (both still pending), talked to the deputy and replied.
    """
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from renda.suggestions import actions as suggestion_actions

    def acting(user: User) -> User:
        user.active_assignment = user.role_assignments.select_related("unit").get()
        return user

    deputy, staff = acting(people[Role.DEPUTY]), acting(people[Role.COMMITTEE_STAFF])
    officer, head = acting(people[Role.UNIT_OFFICER]), acting(people[Role.UNIT_HEAD])
    suggestion = suggestion_actions.suggestion_create(
        actor=deputy, congress=city, title="关于增设公交线路的建议", body="建议增设公交线路。", category="urban"
    )
    suggestion_actions.suggestion_submit(actor=deputy, suggestion=suggestion)
    suggestion_actions.suggestion_register(actor=staff, suggestion=suggestion)
    (assignment,) = suggestion_actions.suggestion_assign(
        actor=staff, suggestion=suggestion, plan=suggestion_actions.Plan(lead=unit)
    )
    dispute = suggestion_actions.dispute_raise(actor=officer, assignment=assignment, reason="不属于本单位职责")
    extension = suggestion_actions.extension_request(
        actor=officer,
        assignment=assignment,
        requested_due=(assignment.due_at + dt.timedelta(days=30)).date(),
        reason="情况复杂",
    )
    suggestion_actions.communication_add(
        actor=officer,
        assignment=assignment,
        kind="phone",
        date=timezone.localdate(),
        participants="代表",
        content="沟通",
    )
    reply = suggestion_actions.reply_prepare(actor=officer, assignment=assignment, category="A", text="已解决。")
    attachment = suggestion_actions.attachment_add(
        actor=officer, reply=reply, upload=SimpleUploadedFile("答复.pdf", b"%PDF-1.4 test", "application/pdf")
    )
    suggestion_actions.reply_approve(actor=head, reply=reply)
    for user in (deputy, staff, officer, head):
        user.active_assignment = None
    return {
        "suggestion": suggestion,
        "assignment": assignment,
        "dispute": dispute,
        "extension": extension,
        "reply": reply,
        "attachment": attachment,
    }


# URL keyword → the world object it names.
WORLD_KWARGS = {
    "suggestion_id": "suggestion",
    "suggestion_assignment_id": "assignment",
    "dispute_id": "dispute",
    "extension_id": "extension",
    "reply_id": "reply",
    "attachment_id": "attachment",
    "motion_id": "motion",
}

# Each later process keeps its rows, objects and route keywords in its own module.
# A keyword or route two areas both define would silently name the wrong object (ids only sometimes agree).
for _area in (world_deputies, world_livelihood, world_opinions):
    for _mine, _theirs in (
        (PAGES, _area.PAGES),
        (API, _area.API),
        (API_QUERIES, _area.API_QUERIES),
        (API_BODIES, _area.API_BODIES),
        (WORLD_KWARGS, _area.WORLD_KWARGS),
    ):
        _clash = set(_mine) & set(_theirs)
        assert not _clash, f"{_area.__name__} redefines {sorted(_clash)}"
        _mine.update(_theirs)


def _reverse_with_world(name: str, world: dict[str, Any]) -> str:
    """Reverse a route whose keywords are among WORLD_KWARGS, trying each one it might take."""
    from django.urls import NoReverseMatch, reverse

    available = {key: world[obj].pk for key, obj in WORLD_KWARGS.items() if obj in world}
    for key, value in available.items():
        try:
            return reverse(name, kwargs={key: value})
        except NoReverseMatch:
            continue
    return reverse(name)


def _snapshot() -> list[Any]:
    rows = []
    for model in apps.get_models():
        if model._meta.db_table == "django_session":
            continue
        rows.append((model._meta.label, list(model.objects.order_by("pk").values())))
    return rows


def _allowed(rule: Any, role: str | None) -> bool:
    if rule == ANYONE:
        return True
    if rule == LOGGED_IN:
        return role is not None
    if isinstance(rule, set):
        return role in rule
    raise AssertionError(rule)


def _page_url(name: str, world: dict[str, Any]) -> str:
    from django.urls import reverse

    kwargs: dict[str, int] = {}
    if name == "organizations:congress_detail":
        kwargs = {"congress_id": world["city"].pk}
    elif name == "organizations:unit_edit":
        kwargs = {"unit_id": world["unit"].pk}
    elif name == "organizations:user_detail":
        kwargs = {"user_id": world["target"].pk}
    elif name == "organizations:role_revoke":
        kwargs = {"assignment_id": world["target_role"].pk}
    elif name == "failed_job_retry":
        kwargs = {"job_id": world["job"].pk}
    elif name == "notification_read":
        kwargs = {"notification_id": world["notification"].pk}
    elif name.startswith("ballots:") and name not in ("ballots:list", "ballots:code_vote"):
        kwargs = {"ballot_id": world["ballot"].pk}
    else:
        return _reverse_with_world(name, world)
    return reverse(name, kwargs=kwargs)


def _fill(value: Any, world: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if value == "{city}":
        return world["city"].pk
    return value


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ALL_ROLES])
def test_pages_by_role(role: str | None, world: dict[str, Any]) -> None:
    client = login_client(world["people"][role]) if role else Client()
    for name, (method, rule) in PAGES.items():
        if method != "GET" or rule == "flow":
            continue
        response = client.get(_page_url(name, world))
        if rule == ANYONE and role is not None:
            # The login pages send someone already logged in to their home page.
            assert response.status_code in (200, 302), (name, role)
        elif _allowed(rule, role):
            assert response.status_code == 200, (name, role, response.status_code)
        elif role is None:
            assert response.status_code == 302 and "/accounts/login/" in response.url, name
        else:
            assert response.status_code in (403, 404), (name, role, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *[r for r in ALL_ROLES if r != Role.STAFF_ADMIN]])
def test_denied_admin_posts_change_nothing(role: str | None, world: dict[str, Any]) -> None:
    client = login_client(world["people"][role]) if role else Client()
    for name, data in ADMIN_POSTS.items():
        before = _snapshot()
        response = client.post(_page_url(name, world), _fill(data, world))
        assert response.status_code in (302, 403, 404), (name, role)
        if role is None:
            assert "/accounts/login/" in response.url
        assert _snapshot() == before, (name, role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ALL_ROLES])
def test_denied_ballot_posts_change_nothing(role: str | None, world: dict[str, Any]) -> None:
    """Opening, closing and voting through the pages: whoever may not do it changes nothing."""
    import datetime as dt

    from django.urls import reverse
    from django.utils import timezone

    from renda.ballots import actions as ballot_actions

    people = world["people"]
    staff = people[Role.COMMITTEE_STAFF]
    staff.active_assignment = staff.role_assignments.get()
    now = timezone.now()

    def create() -> Any:
        return ballot_actions.ballot_create(
            actor=staff,
            congress=world["city"],
            title="页面表决",
            rule="select_k_of_n",
            k=1,
            questions=[ballot_actions.QuestionSpec(text="候选", options=["甲", "乙"])],
            electorate=[people[Role.SC_MEMBER], people[Role.DEPUTY]],
            opens_at=now - dt.timedelta(hours=1),
            closes_at=now + dt.timedelta(hours=1),
        )

    draft = create()
    opened = ballot_actions.ballot_open(actor=staff, ballot=create())
    option = opened.questions.get().options.first()
    question = opened.questions.get()
    attempts = []
    if role not in BALLOT_STAFF:
        attempts += [
            (reverse("ballots:open", kwargs={"ballot_id": draft.pk}), {}),
            (reverse("ballots:close", kwargs={"ballot_id": opened.pk}), {"early": "1"}),
        ]
    if role not in BALLOT_ELECTORATE:
        attempts.append(
            (reverse("ballots:detail", kwargs={"ballot_id": opened.pk}), {f"q{question.pk}": str(option.pk)})
        )
    client = login_client(people[role]) if role else Client()
    for url, data in attempts:
        before = _snapshot()
        response = client.post(url, data)
        if role is None:
            assert response.status_code == 302 and "/accounts/login/" in response.url, url
        else:
            assert response.status_code in (403, 404), (url, role, response.status_code)
        assert _snapshot() == before, (url, role)


def _api_path(path: str, world: dict[str, Any], token_id: int) -> str:
    path = (
        path.replace("{suggestion_assignment_id}", str(world["assignment"].pk))
        .replace("{congress_id}", str(world["city"].pk))
        .replace("{unit_id}", str(world["unit"].pk))
        .replace("{user_id}", str(world["target"].pk))
        .replace("{assignment_id}", str(world["target_role"].pk))
        .replace("{token_id}", str(token_id))
        .replace("{notification_id}", str(world["notification"].pk))
        .replace("{job_id}", str(world["job"].pk))
        .replace("{adjustment_id}", str(world["adjustment"].pk))
        .replace("{ballot_id}", str(world["ballot"].pk))
        .replace("{suggestion_id}", str(world["suggestion"].pk))
        .replace("{suggestion_assignment_id}", str(world["assignment"].pk))
        .replace("{dispute_id}", str(world["dispute"].pk))
        .replace("{extension_id}", str(world["extension"].pk))
        .replace("{reply_id}", str(world["reply"].pk))
        .replace("{attachment_id}", str(world["attachment"].pk))
        .replace("{motion_id}", str(world["motion"].pk))
    )
    for key, obj in WORLD_KWARGS.items():
        if obj in world:
            path = path.replace("{" + key + "}", str(world[obj].pk))
    return path


@pytest.mark.django_db
@pytest.mark.parametrize("role", [None, *ALL_ROLES])
def test_api_by_role(role: str | None, world: dict[str, Any]) -> None:
    client = login_client(world["people"][role]) if role else Client()
    # Someone else's token: revoking it must be refused for everyone here.
    other_token, _secret = token_create(user=world["target"], name="别人的令牌")
    for operation, rule in API.items():
        method, path = operation.split(" ", 1)
        url = _api_path(path, world, other_token.pk)
        url += API_QUERIES.get(operation, "").replace("{city}", str(world["city"].pk))
        if method == "GET":
            if rule == "flow":
                continue  # depends on the object's state; covered by the feature's own tests
            response = client.get(url)
            if role is None and rule != ANYONE:
                assert response.status_code == 401, operation
            elif rule != "owner" and _allowed(rule, role):
                assert response.status_code == 200, (operation, role, response.content)
            else:
                assert response.status_code in (403, 404), (operation, role)
            continue
        if rule == ANYONE:
            continue  # public writes (e.g. a vote with a one-time code) are covered by their own tests
        if rule in (LOGGED_IN,) and role is not None:
            continue  # allowed writes on one's own account are covered by the accounts tests
        if isinstance(rule, set) and role in rule:
            continue  # allowed admin writes are covered by the organizations tests
        before = _snapshot()
        body = _fill(API_BODIES.get(operation, {}), world)
        if operation == "POST /api/v1/me/role":
            body = {"assignment_id": world["target_role"].pk}
        response = getattr(client, method.lower())(url, body, content_type="application/json")
        expected = (401,) if role is None else (403, 404)
        assert response.status_code in expected, (operation, role, response.status_code)
        assert set(response.json()) == {"code", "message", "field"}
        assert _snapshot() == before, (operation, role)
