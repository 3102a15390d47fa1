"""A small city for suggestion tests: a session, deputies in a delegation, the 交办机构 and two units.

Every person is returned already acting in their role (``active_assignment`` set), as the
middleware would do for a request. ``drive`` moves an item through the loop to a given state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from renda.accounts.models import User
from renda.organizations.models import Congress, CongressSession, RoleAssignment, Unit
from renda.organizations.roles import Role
from renda.suggestions import actions
from renda.suggestions.models import Suggestion
from renda.tests_support import factories


def acting(user: User, role: str | None = None) -> User:
    assignments = user.role_assignments.filter(is_active=True)
    if role is not None:
        assignments = assignments.filter(role=role)
    user.active_assignment = assignments.select_related("unit", "congress").first()
    return user


@dataclass
class SuggestionWorld:
    city: Congress
    session: CongressSession
    delegation: Unit
    office: Unit
    lead_unit: Unit
    co_unit: Unit
    other_unit: Unit
    deputy: User
    cosigners: list[User]
    outsider_deputy: User
    staff: User
    lead_officer: User
    lead_head: User
    co_officer: User
    co_head: User
    other_officer: User
    leader: User
    citizen: User
    other_staff: User


def _person(congress: Congress, role: str, unit: Unit | None = None, **fields: Any) -> User:
    user = factories.UserFactory(**fields)
    RoleAssignment.objects.create(user=user, congress=congress, role=role, unit=unit)
    return acting(user)


@pytest.fixture
def sw(city: Congress, other_city: Congress) -> SuggestionWorld:
    session = CongressSession.objects.create(
        congress=city,
        term=17,
        number=3,
        name="江城市第十七届人民代表大会第三次会议",
        opens_on=dt.date(2026, 1, 10),
        closes_on=dt.date(2026, 1, 14),
    )
    delegation = factories.UnitFactory(congress=city, name="东湖区代表团", kind="delegation")
    office = factories.UnitFactory(congress=city, name="人代选任工委", kind="working_body")
    lead_unit = factories.UnitFactory(congress=city, name="市住房和城乡建设局", kind="government_department")
    co_unit = factories.UnitFactory(congress=city, name="市自然资源和规划局", kind="government_department")
    other_unit = factories.UnitFactory(congress=city, name="市教育局", kind="government_department")
    foreign_unit = factories.UnitFactory(congress=other_city, name="河州市住建局", kind="government_department")
    return SuggestionWorld(
        city=city,
        session=session,
        delegation=delegation,
        office=office,
        lead_unit=lead_unit,
        co_unit=co_unit,
        other_unit=other_unit,
        deputy=_person(city, Role.DEPUTY, delegation, full_name="王建国"),
        cosigners=[_person(city, Role.DEPUTY, delegation, full_name=name) for name in ("李红", "张伟")],
        outsider_deputy=_person(city, Role.DEPUTY, delegation, full_name="赵敏"),
        staff=_person(city, Role.COMMITTEE_STAFF, office, full_name="陈书记员"),
        lead_officer=_person(city, Role.UNIT_OFFICER, lead_unit, full_name="住建经办"),
        lead_head=_person(city, Role.UNIT_HEAD, lead_unit, full_name="住建局长"),
        co_officer=_person(city, Role.UNIT_OFFICER, co_unit, full_name="规划经办"),
        co_head=_person(city, Role.UNIT_HEAD, co_unit, full_name="规划局长"),
        other_officer=_person(city, Role.UNIT_OFFICER, other_unit, full_name="教育经办"),
        leader=_person(city, Role.LEADER, full_name="主任"),
        citizen=_person(city, Role.CITIZEN, full_name="市民"),
        other_staff=_person(other_city, Role.COMMITTEE_STAFF, foreign_unit, full_name="外市书记员"),
    )


STAGES = ("draft", "submitted", "registered", "assigned", "signed", "communicated", "drafted", "replied", "closed")


def drive(sw: SuggestionWorld, stage: str, *, title: str = "关于老旧小区加装电梯的建议", **create: Any) -> Suggestion:
    """An item led by ``sw.deputy`` with both co-signers, taken up to ``stage`` (see STAGES)."""
    suggestion = actions.suggestion_create(
        actor=sw.deputy,
        congress=sw.city,
        title=title,
        body=create.pop("body", "我市老旧小区多为多层住宅，没有电梯，老年居民上下楼困难。建议加快加装电梯。"),
        category=create.pop("category", "urban"),
        phase=create.pop("phase", "session"),
        session=create.pop("session", sw.session),
    )
    if STAGES.index(stage) >= 1:
        actions.cosigner_invite(actor=sw.deputy, suggestion=suggestion, deputies=sw.cosigners)
        for cosigner in sw.cosigners:
            actions.cosigner_respond(actor=cosigner, suggestion=suggestion, accept=True)
        actions.suggestion_submit(actor=sw.deputy, suggestion=suggestion)
    if STAGES.index(stage) >= 2:
        actions.suggestion_register(actor=sw.staff, suggestion=suggestion)
    if STAGES.index(stage) >= 3:
        actions.suggestion_assign(
            actor=sw.staff, suggestion=suggestion, plan=actions.Plan(lead=sw.lead_unit, co=[sw.co_unit])
        )
    lead = suggestion.assignments.filter(unit=sw.lead_unit).order_by("-round").first()
    if STAGES.index(stage) >= 4:
        assert lead is not None
        actions.assignment_sign(actor=sw.lead_officer, assignment=lead)
    if STAGES.index(stage) >= 5:
        assert lead is not None
        actions.communication_add(
            actor=sw.lead_officer,
            assignment=lead,
            kind="meeting",
            date=timezone.localdate(),
            participants="王建国代表、住建局经办人",
            content="当面听取代表意见",
        )
    if STAGES.index(stage) >= 6:
        assert lead is not None
        actions.reply_prepare(actor=sw.lead_officer, assignment=lead, category="A", text="已将加装电梯列入今年计划。")
    if STAGES.index(stage) >= 7:
        assert lead is not None
        reply = lead.replies.get()
        actions.reply_approve(actor=sw.lead_head, reply=reply)
    if STAGES.index(stage) >= 8:
        actions.suggestion_evaluate(
            actor=sw.deputy, suggestion=suggestion, process_rating="satisfied", result_rating="satisfied"
        )
    suggestion.refresh_from_db()
    return suggestion
