"""The two contact systems (两联系): SC members visit deputies, deputies contact citizens.

An SC member records their own visits, a deputy their own contacts with citizens, staff any.
Each visit logs one duty entry for the deputy: ``contacted_by_sc`` or ``contact_citizens``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from renda.core.checks import clean_choice, clean_text
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions._activity import TEXT_MAX, not_in_future, record, require_congress_deputies, require_date
from renda.deputies.feed import record_system_entry
from renda.deputies.models import ContactKind, ContactVisit, DeputyProfile, EntryKind
from renda.organizations.models import Congress, RoleAssignment
from renda.organizations.permissions import acting_role
from renda.organizations.roles import Role

if TYPE_CHECKING:
    from renda.accounts.models import User

METHOD_MAX = 40
PEOPLE_MAX = 100_000
# Suggested ways of contact; the field takes free text too.
CONTACT_METHODS = ("走访", "座谈", "电话", "视频", "进站接待", "调研")


@transaction.atomic
def contact_record(
    *,
    actor: User,
    kind: str,
    deputy: DeputyProfile,
    date: dt.date,
    visitor: User | None = None,
    method: str = "",
    people_count: int = 0,
    summary: str = "",
) -> ContactVisit:
    """Record one visit of the two contact systems in the actor's congress."""
    kind = clean_choice(kind, ContactKind.values, field="kind", label="联系类型")
    if kind == ContactKind.DEPUTY_TO_CITIZENS:
        visitor = None
    if not permissions.can_record_contact(actor, kind=kind, visitor=visitor, deputy=deputy):
        raise NotPermitted("常委会组成人员只能登记本人走访代表的情况，代表只能登记本人联系群众的情况")
    assignment = acting_role(actor)
    if assignment is None:  # can_record_contact already refused anyone without a role; this is for the types
        raise NotPermitted("请先选择角色")
    congress: Congress = assignment.congress
    if kind == ContactKind.SC_MEMBER_TO_DEPUTY:
        if visitor is None:
            raise InvalidInput("请选择走访的常委会组成人员", code="required", field="visitor")
        if not RoleAssignment.objects.filter(
            user=visitor, congress=congress, role__in=[Role.SC_MEMBER, Role.LEADER], is_active=True
        ).exists():
            raise InvalidInput(f"{visitor} 不是本级常委会组成人员", code="not_sc_member", field="visitor")
    require_congress_deputies([deputy], congress, field="deputy", label="代表")
    date = require_date(date, field="date", label="联系日期")
    not_in_future(date, field="date", label="联系日期")
    method = clean_text(method, field="method", label="联系方式", max_length=METHOD_MAX, required=False)
    if isinstance(people_count, bool) or not isinstance(people_count, int) or not 0 <= people_count <= PEOPLE_MAX:
        raise InvalidInput("联系群众人次须为不小于 0 的整数", code="invalid", field="people_count")
    if kind == ContactKind.DEPUTY_TO_CITIZENS and people_count == 0:
        raise InvalidInput("请填写联系群众人次", code="required", field="people_count")
    summary = clean_text(summary, field="summary", label="情况", max_length=TEXT_MAX, required=False)
    visit = ContactVisit.objects.create(
        congress=congress,
        kind=kind,
        visitor=visitor,
        deputy=deputy,
        held_on=date,
        method=method,
        people_count=people_count if kind == ContactKind.DEPUTY_TO_CITIZENS else 0,
        summary=summary,
        created_by=actor,
    )
    if kind == ContactKind.SC_MEMBER_TO_DEPUTY:
        entry_kind, title = EntryKind.CONTACTED_BY_SC, f"常委会组成人员{visitor}走访"
    else:
        entry_kind, title = EntryKind.CONTACT_CITIZENS, f"联系群众 {people_count} 人次"
    record_system_entry(
        profile=deputy,
        congress=congress,
        kind=entry_kind,
        date=date,
        title=title + (f"（{method}）" if method else ""),
        linked=visit,
        detail=summary,
        actor=actor,
    )
    record(actor, "contact_recorded", visit, congress, kind=kind, deputy=deputy.pk, people_count=visit.people_count)
    return visit
