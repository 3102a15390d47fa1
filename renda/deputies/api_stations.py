"""API: deputies' groups, liaison stations and reception days, the two contact systems, training.

The same actions and permission fetchers as the pages: a fetcher 404s whoever may not see the
object; the action answers 403 (not you), 409 (not now) or 400 (not this, naming the field).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from renda.accounts.models import User
from renda.core.errors import InvalidInput, NotPermitted
from renda.deputies import permissions
from renda.deputies.actions import contacts as contact_actions
from renda.deputies.actions import groups as group_actions
from renda.deputies.actions import stations as station_actions
from renda.deputies.actions import training as training_actions
from renda.deputies.actions.stations import OPINION_FORM_PATH
from renda.deputies.models import (
    ContactVisit,
    DeputyGroup,
    DeputyProfile,
    GroupActivity,
    ReceptionDay,
    Station,
    TrainingSession,
)
from renda.organizations.models import Congress, Unit
from renda.organizations.permissions import acting_role

router = Router(tags=["人大代表"])


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _acting_congress(actor: User) -> Congress:
    assignment = acting_role(actor)
    if assignment is None:
        raise NotPermitted("请先选择角色")
    return assignment.congress


def _profiles(ids: Sequence[int], *, field: str) -> list[DeputyProfile]:
    found = {profile.pk: profile for profile in DeputyProfile.objects.filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        raise InvalidInput(f"所选代表不存在（编号 {missing[0]}）", code="unknown_deputy", field=field)
    return [found[pk] for pk in ids]


def _profile(profile_id: int | None, *, field: str) -> DeputyProfile | None:
    if profile_id is None:
        return None
    return _profiles([profile_id], field=field)[0]


# --- groups ---


class GroupOut(Schema):
    id: int
    congress_id: int
    kind: str
    name: str
    scope: str
    leader_id: int | None
    is_active: bool
    member_ids: list[int]
    activity_count: int

    @staticmethod
    def resolve_member_ids(obj: DeputyGroup) -> list[int]:
        return sorted(obj.members.values_list("pk", flat=True))

    @staticmethod
    def resolve_activity_count(obj: DeputyGroup) -> int:
        return obj.activities.count()


class GroupIn(Schema):
    kind: str = Field(..., description="area（按区域）或 professional（专业小组）")
    name: str = Field(..., max_length=100)
    scope: str = Field("", max_length=100, description="区域或领域")
    leader_id: int | None = Field(None, description="组长（代表档案编号）")
    member_ids: list[int] = Field(default_factory=list, description="成员（代表档案编号）")


class GroupUpdateIn(Schema):
    name: str = Field(..., max_length=100)
    scope: str = Field("", max_length=100)
    leader_id: int | None = None
    is_active: bool = True


class MembersIn(Schema):
    profile_ids: list[int] = Field(..., description="代表档案编号")


class ActivityIn(Schema):
    title: str = Field(..., max_length=200)
    held_on: dt.date
    place: str = Field("", max_length=200)
    summary: str = Field("", max_length=5000)
    participant_ids: list[int] = Field(..., description="参加代表（须为小组成员）")


class ActivityOut(Schema):
    id: int
    group_id: int
    title: str
    held_on: dt.date
    place: str
    summary: str
    participant_ids: list[int]

    @staticmethod
    def resolve_participant_ids(obj: GroupActivity) -> list[int]:
        return sorted(obj.participants.values_list("pk", flat=True))


def _manageable_group(actor: User, group_id: int) -> DeputyGroup:
    group = permissions.get_group_for_view(actor, group_id)
    if not permissions.can_manage_groups(actor, group.congress):
        raise NotPermitted("只有本级人大工作机构可以管理代表小组")
    return group


@router.get("/deputies/groups", response=list[GroupOut], summary="代表小组（按当前角色可见）")
def list_groups(request: HttpRequest) -> QuerySet[DeputyGroup]:
    return permissions.groups_visible_to(_user(request)).order_by("kind", "name")


@router.post("/deputies/groups", response={201: GroupOut}, summary="设立代表小组（工作机构）")
def create_group(request: HttpRequest, payload: GroupIn) -> Status[DeputyGroup]:
    actor = _user(request)
    group = group_actions.group_create(
        actor=actor,
        congress=_acting_congress(actor),
        kind=payload.kind,
        name=payload.name,
        scope=payload.scope,
        leader=_profile(payload.leader_id, field="leader_id"),
        members=_profiles(payload.member_ids, field="member_ids"),
    )
    return Status(201, group)


@router.get("/deputies/groups/{int:group_id}", response=GroupOut, summary="代表小组详情")
def get_group(request: HttpRequest, group_id: int) -> DeputyGroup:
    return permissions.get_group_for_view(_user(request), group_id)


@router.patch("/deputies/groups/{int:group_id}", response=GroupOut, summary="修改代表小组（工作机构）")
def update_group(request: HttpRequest, group_id: int, payload: GroupUpdateIn) -> DeputyGroup:
    actor = _user(request)
    group = _manageable_group(actor, group_id)
    return group_actions.group_update(
        actor=actor,
        group=group,
        name=payload.name,
        scope=payload.scope,
        leader=_profile(payload.leader_id, field="leader_id"),
        is_active=payload.is_active,
    )


@router.post("/deputies/groups/{int:group_id}/members", response=GroupOut, summary="加入小组成员（工作机构）")
def add_members(request: HttpRequest, group_id: int, payload: MembersIn) -> DeputyGroup:
    actor = _user(request)
    group = _manageable_group(actor, group_id)
    return group_actions.group_members_add(
        actor=actor, group=group, profiles=_profiles(payload.profile_ids, field="profile_ids")
    )


@router.post("/deputies/groups/{int:group_id}/members/remove", response=GroupOut, summary="移出小组成员（工作机构）")
def remove_members(request: HttpRequest, group_id: int, payload: MembersIn) -> DeputyGroup:
    actor = _user(request)
    group = _manageable_group(actor, group_id)
    return group_actions.group_members_remove(
        actor=actor, group=group, profiles=_profiles(payload.profile_ids, field="profile_ids")
    )


@router.get("/deputies/groups/{int:group_id}/activities", response=list[ActivityOut], summary="小组活动")
def list_activities(request: HttpRequest, group_id: int) -> QuerySet[GroupActivity]:
    return permissions.get_group_for_view(_user(request), group_id).activities.all()


@router.post(
    "/deputies/groups/{int:group_id}/activities",
    response={201: ActivityOut},
    summary="登记小组活动（工作机构或组长）；参加代表的履职档案自动记录",
)
def record_activity(request: HttpRequest, group_id: int, payload: ActivityIn) -> Status[GroupActivity]:
    actor = _user(request)
    group = permissions.get_group_for_view(actor, group_id)
    activity = group_actions.group_activity_record(
        actor=actor,
        group=group,
        title=payload.title,
        held_on=payload.held_on,
        place=payload.place,
        summary=payload.summary,
        participants=_profiles(payload.participant_ids, field="participant_ids"),
    )
    return Status(201, activity)


# --- stations ---


class StationOut(Schema):
    id: int
    unit_id: int
    name: str
    congress_id: int
    tier: int
    parent_id: int | None
    address: str
    opening_hours: str
    phone: str
    is_public: bool
    public_code: str
    opinion_form_path: str = Field(..., description="站点二维码指向的群众意见表地址（相对路径）")

    @staticmethod
    def resolve_name(obj: Station) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_congress_id(obj: Station) -> int:
        return obj.unit.congress_id

    @staticmethod
    def resolve_opinion_form_path(obj: Station) -> str:
        return f"{OPINION_FORM_PATH}?station={obj.public_code}"


class StationIn(Schema):
    tier: int = Field(..., description="1 总站、2 中心站、3 联络站、4 联络点；上级须恰好高一级")
    parent_id: int | None = None
    unit_id: int | None = Field(None, description="已有的联络站单位；不填则按 congress_id 和 name 新建单位")
    congress_id: int | None = None
    name: str = Field("", max_length=100)
    address: str = Field(..., max_length=200)
    opening_hours: str = Field("", max_length=200)
    phone: str = Field("", max_length=30)
    is_public: bool = True


class StationUpdateIn(Schema):
    address: str = Field(..., max_length=200)
    opening_hours: str = Field("", max_length=200)
    phone: str = Field("", max_length=30)
    is_public: bool = True


class ReceptionOut(Schema):
    id: int
    station_id: int
    date: dt.date
    starts_at: dt.time
    ends_at: dt.time
    topic: str
    status: str
    citizens_received: int
    notes: str
    deputy_ids: list[int]

    @staticmethod
    def resolve_deputy_ids(obj: ReceptionDay) -> list[int]:
        return sorted(deputy.pk for deputy in obj.deputies.all())


class ReceptionIn(Schema):
    date: dt.date
    start: dt.time
    end: dt.time
    topic: str = Field("", max_length=200)
    deputy_ids: list[int] = Field(..., description="值班代表（代表档案编号）")


class ReceptionRecordIn(Schema):
    citizens_received: int = Field(..., ge=0, description="接待群众人次")
    notes: str = Field("", max_length=5000)


class ReasonIn(Schema):
    reason: str = Field("", max_length=5000)


def _station_in_scope(actor: User, station_id: int | None, *, field: str) -> Station | None:
    if station_id is None:
        return None
    station = permissions.stations_visible_to(actor).filter(pk=station_id).select_related("unit").first()
    if station is None:
        raise InvalidInput("所选上级站点不存在", code="unknown_station", field=field)
    return station


@router.get("/deputies/stations", response=list[StationOut], summary="联络站点（本人管理或可见的）")
def list_stations(request: HttpRequest) -> QuerySet[Station]:
    return permissions.stations_visible_to(_user(request)).select_related("unit").order_by("tier", "unit__name")


@router.post("/deputies/stations", response={201: StationOut}, summary="设立联络站点")
def create_station(request: HttpRequest, payload: StationIn) -> Status[Station]:
    actor = _user(request)
    unit = None
    if payload.unit_id is not None:
        unit = Unit.objects.select_related("congress").filter(pk=payload.unit_id).first()
        if unit is None:
            raise InvalidInput("所选单位不存在", code="unknown_unit", field="unit_id")
    congress = None
    if payload.congress_id is not None:
        congress = Congress.objects.filter(pk=payload.congress_id).first()
        if congress is None:
            raise InvalidInput("所选人大不存在", code="unknown_congress", field="congress_id")
    elif unit is None:
        congress = _acting_congress(actor)
    station = station_actions.station_create(
        actor=actor,
        tier=payload.tier,
        parent=_station_in_scope(actor, payload.parent_id, field="parent_id"),
        unit=unit,
        congress=congress,
        name=payload.name,
        address=payload.address,
        opening_hours=payload.opening_hours,
        phone=payload.phone,
        is_public=payload.is_public,
    )
    return Status(201, station)


@router.get("/deputies/stations/{int:station_id}", response=StationOut, summary="联络站点详情")
def get_station(request: HttpRequest, station_id: int) -> Station:
    return permissions.get_station_for_view(_user(request), station_id)


@router.patch("/deputies/stations/{int:station_id}", response=StationOut, summary="修改站点信息")
def update_station(request: HttpRequest, station_id: int, payload: StationUpdateIn) -> Station:
    actor = _user(request)
    station = permissions.get_station_for_manage(actor, station_id)
    return station_actions.station_update(
        actor=actor,
        station=station,
        address=payload.address,
        opening_hours=payload.opening_hours,
        phone=payload.phone,
        is_public=payload.is_public,
    )


@router.get("/deputies/stations/{int:station_id}/receptions", response=list[ReceptionOut], summary="站点接待日")
def list_receptions(
    request: HttpRequest, station_id: int, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[ReceptionDay]:
    station = permissions.get_station_for_view(_user(request), station_id)
    receptions = station.receptions.prefetch_related("deputies").order_by("date", "starts_at")
    if date_from is not None:
        receptions = receptions.filter(date__gte=date_from)
    if date_to is not None:
        receptions = receptions.filter(date__lte=date_to)
    return receptions


@router.post(
    "/deputies/stations/{int:station_id}/receptions", response={201: ReceptionOut}, summary="安排接待日（排班）"
)
def schedule_reception(request: HttpRequest, station_id: int, payload: ReceptionIn) -> Status[ReceptionDay]:
    actor = _user(request)
    station = permissions.get_station_for_manage(actor, station_id)
    reception = station_actions.reception_schedule(
        actor=actor,
        station=station,
        date=payload.date,
        start=payload.start,
        end=payload.end,
        topic=payload.topic,
        deputies=_profiles(payload.deputy_ids, field="deputy_ids"),
    )
    return Status(201, reception)


@router.post(
    "/deputies/receptions/{int:reception_id}/record",
    response=ReceptionOut,
    summary="登记接待情况（已接待）；值班代表的履职档案自动记录",
)
def record_reception(request: HttpRequest, reception_id: int, payload: ReceptionRecordIn) -> ReceptionDay:
    actor = _user(request)
    reception = permissions.get_reception_for_manage(actor, reception_id)
    return station_actions.reception_record(
        actor=actor, reception=reception, citizens_received=payload.citizens_received, notes=payload.notes
    )


@router.post("/deputies/receptions/{int:reception_id}/cancel", response=ReceptionOut, summary="取消接待日")
def cancel_reception(request: HttpRequest, reception_id: int, payload: ReasonIn) -> ReceptionDay:
    actor = _user(request)
    reception = permissions.get_reception_for_manage(actor, reception_id)
    return station_actions.reception_cancel(actor=actor, reception=reception, reason=payload.reason)


# --- the two contact systems ---


class ContactOut(Schema):
    id: int
    congress_id: int
    kind: str
    visitor_id: int | None
    deputy_id: int
    held_on: dt.date
    method: str
    people_count: int
    summary: str


class ContactIn(Schema):
    kind: str = Field(
        ..., description="sc_member_to_deputy（常委会组成人员联系代表）或 deputy_to_citizens（代表联系群众）"
    )
    visitor_id: int | None = Field(None, description="走访的常委会组成人员（用户编号）；常委会组成人员登记时为本人")
    deputy_id: int = Field(..., description="代表档案编号")
    date: dt.date
    method: str = Field("", max_length=40)
    people_count: int = Field(0, ge=0)
    summary: str = Field("", max_length=5000)


@router.get("/deputies/contacts", response=list[ContactOut], summary="两联系记录（按当前角色可见）")
def list_contacts(request: HttpRequest, kind: str = "") -> QuerySet[ContactVisit]:
    visits = permissions.contacts_visible_to(_user(request))
    if kind:
        visits = visits.filter(kind=kind)
    return visits[:500]


@router.post("/deputies/contacts", response={201: ContactOut}, summary="登记联系情况")
def record_contact(request: HttpRequest, payload: ContactIn) -> Status[ContactVisit]:
    actor = _user(request)
    if not permissions.can_record_contacts(actor):
        raise NotPermitted("只有工作机构、常委会组成人员和代表可以登记联系情况")
    visitor = None
    if payload.visitor_id is not None:
        visitor = User.objects.filter(pk=payload.visitor_id).first()
        if visitor is None:
            raise InvalidInput("所选人员不存在", code="unknown_user", field="visitor_id")
    deputy = _profile(payload.deputy_id, field="deputy_id")
    if deputy is None:
        raise Http404
    visit = contact_actions.contact_record(
        actor=actor,
        kind=payload.kind,
        visitor=visitor,
        deputy=deputy,
        date=payload.date,
        method=payload.method,
        people_count=payload.people_count,
        summary=payload.summary,
    )
    return Status(201, visit)


# --- training ---


class TrainingOut(Schema):
    id: int
    congress_id: int
    title: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date
    hours: Decimal
    place: str
    organizer: str
    invited: int
    person_times: int = Field(..., description="参训人次（已登记出勤）")

    @staticmethod
    def resolve_invited(obj: TrainingSession) -> int:
        return obj.attendance.count()

    @staticmethod
    def resolve_person_times(obj: TrainingSession) -> int:
        return obj.attendance.filter(attended=True).count()


class AttendanceOut(Schema):
    profile_id: int
    name: str
    attended: bool | None


class TrainingDetailOut(TrainingOut):
    attendance: list[AttendanceOut]

    @staticmethod
    def resolve_attendance(obj: TrainingSession) -> list[AttendanceOut]:
        return [
            AttendanceOut(profile_id=row.profile_id, name=row.profile.name, attended=row.attended)
            for row in obj.attendance.select_related("profile").order_by("profile__name", "profile_id")
        ]


class TrainingIn(Schema):
    title: str = Field(..., max_length=200)
    kind: str = Field(..., description="centralized 集中、thematic 专题、online 线上")
    starts_on: dt.date
    ends_on: dt.date
    hours: Decimal = Field(..., description="学时")
    place: str = Field("", max_length=200)
    organizer: str = Field("", max_length=100)


class InviteIn(Schema):
    profile_ids: list[int]


class AttendanceIn(Schema):
    attended_ids: list[int] = Field(default_factory=list, description="出勤代表（档案编号）")
    absent_ids: list[int] = Field(default_factory=list, description="缺勤代表（档案编号）")


def _manageable_training(actor: User, training_id: int) -> TrainingSession:
    session = permissions.get_training_for_view(actor, training_id)
    if not permissions.can_manage_training(actor, session.congress):
        raise NotPermitted("只有本级人大工作机构可以管理代表培训")
    return session


def _training_detail(actor: User, session: TrainingSession) -> TrainingDetailOut:
    detail = TrainingDetailOut.from_orm(session)
    if permissions.reader_congress_id(actor) != session.congress_id:
        own = permissions.own_profile(actor)
        detail.attendance = [row for row in detail.attendance if own is not None and row.profile_id == own.pk]
    return detail


@router.get("/deputies/trainings", response=list[TrainingOut], summary="代表培训（按当前角色可见）")
def list_trainings(request: HttpRequest) -> QuerySet[TrainingSession]:
    return permissions.trainings_visible_to(_user(request)).distinct()


@router.post("/deputies/trainings", response={201: TrainingOut}, summary="新建培训（工作机构）")
def create_training(request: HttpRequest, payload: TrainingIn) -> Status[TrainingSession]:
    actor = _user(request)
    session = training_actions.training_create(actor=actor, congress=_acting_congress(actor), **payload.dict())
    return Status(201, session)


@router.get("/deputies/trainings/{int:training_id}", response=TrainingDetailOut, summary="培训详情和出勤")
def get_training(request: HttpRequest, training_id: int) -> TrainingDetailOut:
    actor = _user(request)
    return _training_detail(actor, permissions.get_training_for_view(actor, training_id))


@router.post("/deputies/trainings/{int:training_id}/invite", response=TrainingDetailOut, summary="邀请参训代表")
def invite_training(request: HttpRequest, training_id: int, payload: InviteIn) -> TrainingDetailOut:
    actor = _user(request)
    session = _manageable_training(actor, training_id)
    training_actions.training_invite(
        actor=actor, session=session, profiles=_profiles(payload.profile_ids, field="profile_ids")
    )
    return _training_detail(actor, session)


@router.post(
    "/deputies/trainings/{int:training_id}/attendance",
    response=TrainingDetailOut,
    summary="登记出勤；出勤代表的履职档案记录学时，缺勤不记",
)
def record_attendance(request: HttpRequest, training_id: int, payload: AttendanceIn) -> TrainingDetailOut:
    actor = _user(request)
    session = _manageable_training(actor, training_id)
    training_actions.training_attendance(
        actor=actor, session=session, attended_ids=payload.attended_ids, absent_ids=payload.absent_ids
    )
    return _training_detail(actor, session)


# --- the public portal (no login) ---


class PortalReceptionOut(Schema):
    date: dt.date
    starts_at: dt.time
    ends_at: dt.time
    topic: str
    deputies: list[str] = Field(..., description="值班代表姓名")

    @staticmethod
    def resolve_deputies(obj: ReceptionDay) -> list[str]:
        return [deputy.name for deputy in obj.deputies.all()]


class PortalStationOut(Schema):
    code: str
    name: str
    tier: int
    parent_code: str | None
    address: str
    opening_hours: str

    @staticmethod
    def resolve_code(obj: Station) -> str:
        return obj.public_code

    @staticmethod
    def resolve_name(obj: Station) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_parent_code(obj: Station) -> str | None:
        return obj.parent.public_code if obj.parent is not None else None


class PortalStationDetailOut(PortalStationOut):
    receptions: list[PortalReceptionOut]

    @staticmethod
    def resolve_receptions(obj: Station) -> list[ReceptionDay]:
        return permissions.upcoming_receptions(obj)


@router.get("/portal/stations", response=list[PortalStationOut], auth=None, summary="公开的代表联络站（无需登录）")
def portal_stations(request: HttpRequest, q: str = "") -> QuerySet[Station]:
    stations = permissions.public_stations().order_by("tier", "unit__name")
    if q.strip():
        stations = stations.filter(unit__name__icontains=q.strip()[:50])
    return stations


@router.get(
    "/portal/stations/{str:code}", response=PortalStationDetailOut, auth=None, summary="联络站近期接待日（无需登录）"
)
def portal_station(request: HttpRequest, code: str) -> Station:
    return permissions.get_public_station(code)
