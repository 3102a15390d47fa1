"""The deputies rows of the permission matrix, and the objects they are tried against.

``PAGES``/``API`` use the same rules as ``test_permission_matrix`` (a set of roles,
``"anyone"``, ``"logged_in"``, ``"owner"`` or ``"flow"``). ``WORLD_KWARGS`` maps a
route keyword (e.g. ``profile_id``) to a key of the dict ``build`` returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

PAGES: dict[str, tuple[str, Any]] = {
    # --- groups, stations, contacts, training (D2): the world's group (the deputy leads it), station, reception, session ---
    "deputies:group_list": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:group_detail": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:group_activity": ("GET", {"staff_admin", "committee_staff", "deputy"}),  # the deputy leads the group
    "deputies:station_tree": ("GET", {"staff_admin", "committee_staff", "leader", "station_staff"}),
    "deputies:station_detail": ("GET", {"staff_admin", "committee_staff", "leader", "station_staff"}),
    "deputies:station_qr": ("GET", {"staff_admin", "committee_staff", "station_staff"}),
    "deputies:reception_record": ("GET", {"staff_admin", "committee_staff", "station_staff"}),
    "deputies:reception_cancel": ("POST", {"staff_admin", "committee_staff", "station_staff"}),
    "deputies:contact_list": ("GET", {"staff_admin", "committee_staff", "leader", "sc_member", "deputy"}),
    "deputies:contact_create": ("GET", {"staff_admin", "committee_staff", "sc_member", "deputy"}),
    "deputies:training_list": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:training_detail": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),  # deputy invited
    "deputies:training_attendance": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:deputy_qr": ("GET", {"staff_admin", "committee_staff", "deputy"}),  # the deputy's own code
    "portal:station_list": ("GET", "anyone"),
    "portal:station_detail": ("GET", "flow"),  # by public code, not an id: see test_stations_portal.py
    # --- reports to electors (D5): staff run them, leaders read, the deputy reads their own ---
    "deputies:report_list": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:report_schedule": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:report_detail": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:report_hold": ("POST", {"staff_admin", "committee_staff"}),
    "deputies:report_rating": ("POST", {"staff_admin", "committee_staff"}),
    "deputies:report_cancel": ("POST", {"staff_admin", "committee_staff"}),
    # --- roster (D1): staff manage, leaders read, the deputy reads their own card ---
    "deputies:roster": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:profile_create": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:roster_import": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:roster_template": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:roster_export": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:composition": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:profile_detail": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:profile_edit": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:profile_photo": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:term_add": ("GET", {"staff_admin", "committee_staff"}),
    "deputies:unmask": ("POST", {"staff_admin", "committee_staff"}),
    "deputies:term_status": ("GET", {"staff_admin", "committee_staff"}),
    # --- scores (D4): staff manage, leaders read, the deputy reads their own score ---
    "deputies:scheme": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:scores": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:scores_export": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:my_score": ("GET", {"deputy"}),
    "deputies:compute": ("POST", {"staff_admin", "committee_staff"}),
    "deputies:score_detail": ("GET", {"staff_admin", "committee_staff", "leader", "deputy"}),
    "deputies:consequences": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:consequences_derive": ("POST", {"staff_admin", "committee_staff"}),
    "deputies:consequence_done": ("POST", {"staff_admin", "committee_staff"}),
    "deputies:figures": ("GET", {"staff_admin", "committee_staff", "leader"}),
    "deputies:figure_rows": ("GET", {"staff_admin", "committee_staff", "leader"}),
    # --- duty record (D3): the world deputy's pending self-report; the deputy, the city's staff and leader read it ---
    "deputies:my_file": ("GET", {"deputy"}),
    "deputies:file": ("GET", {"deputy", "committee_staff", "staff_admin", "leader"}),
    "deputies:annual_report": ("GET", {"deputy", "committee_staff", "staff_admin", "leader"}),
    "deputies:entry_staff_add": ("GET", {"committee_staff", "staff_admin"}),
    "deputies:entry_new": ("GET", {"deputy"}),
    "deputies:entry_detail": ("GET", {"deputy", "committee_staff", "staff_admin", "leader"}),
    "deputies:entry_verify": ("POST", {"committee_staff", "staff_admin"}),
    "deputies:entry_reject": ("POST", {"committee_staff", "staff_admin"}),
    "deputies:entry_withdraw": ("POST", {"deputy"}),
    "deputies:evidence": ("GET", {"deputy", "committee_staff", "staff_admin", "leader"}),
    "deputies:verify_queue": ("GET", {"committee_staff", "staff_admin"}),
    "deputies:attendance": ("GET", {"committee_staff", "staff_admin"}),
}
API: dict[str, Any] = {
    # --- groups, stations, contacts, training (D2) ---
    "GET /api/v1/deputies/groups": "logged_in",  # each sees the groups they may
    "POST /api/v1/deputies/groups": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/groups/{group_id}": {"staff_admin", "committee_staff", "leader", "deputy"},
    "PATCH /api/v1/deputies/groups/{group_id}": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/groups/{group_id}/members": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/groups/{group_id}/members/remove": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/groups/{group_id}/activities": {"staff_admin", "committee_staff", "leader", "deputy"},
    "POST /api/v1/deputies/groups/{group_id}/activities": {"staff_admin", "committee_staff", "deputy"},
    "GET /api/v1/deputies/stations": "logged_in",  # each sees the stations they manage or read
    "POST /api/v1/deputies/stations": {"staff_admin", "committee_staff", "station_staff"},  # staff: points only
    "GET /api/v1/deputies/stations/{station_id}": {"staff_admin", "committee_staff", "leader", "station_staff"},
    "PATCH /api/v1/deputies/stations/{station_id}": {"staff_admin", "committee_staff", "station_staff"},
    "GET /api/v1/deputies/stations/{station_id}/receptions": {
        "staff_admin",
        "committee_staff",
        "leader",
        "station_staff",
    },
    "POST /api/v1/deputies/stations/{station_id}/receptions": {"staff_admin", "committee_staff", "station_staff"},
    "POST /api/v1/deputies/receptions/{reception_id}/record": {"staff_admin", "committee_staff", "station_staff"},
    "POST /api/v1/deputies/receptions/{reception_id}/cancel": {"staff_admin", "committee_staff", "station_staff"},
    "GET /api/v1/deputies/contacts": "logged_in",  # each sees their own visits
    "POST /api/v1/deputies/contacts": {"staff_admin", "committee_staff", "sc_member", "deputy"},
    "GET /api/v1/deputies/trainings": "logged_in",  # each sees the sessions they may
    "POST /api/v1/deputies/trainings": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/trainings/{training_id}": {"staff_admin", "committee_staff", "leader", "deputy"},
    "POST /api/v1/deputies/trainings/{training_id}/invite": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/trainings/{training_id}/attendance": {"staff_admin", "committee_staff"},
    "GET /api/v1/portal/stations": "anyone",
    "GET /api/v1/portal/stations/{code}": "flow",  # by public code: see test_stations_portal.py
    # --- reports to electors (D5) ---
    "GET /api/v1/deputies/reports": {"staff_admin", "committee_staff", "leader", "deputy"},
    "POST /api/v1/deputies/reports": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/reports/missing": {"staff_admin", "committee_staff", "leader"},
    "GET /api/v1/deputies/reports/{report_id}": {"staff_admin", "committee_staff", "leader", "deputy"},
    "POST /api/v1/deputies/reports/{report_id}/hold": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/reports/{report_id}/rating": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/reports/{report_id}/cancel": {"staff_admin", "committee_staff"},
    # --- roster (D1) ---
    "GET /api/v1/deputies/profiles": {"staff_admin", "committee_staff", "leader"},
    "POST /api/v1/deputies/profiles": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/profiles/{profile_id}": {"staff_admin", "committee_staff", "leader", "deputy"},
    "PATCH /api/v1/deputies/profiles/{profile_id}": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/profiles/{profile_id}/photo": {
        "staff_admin",
        "committee_staff",
    },  # multipart; a denied JSON post changes nothing
    "GET /api/v1/deputies/profiles/{profile_id}/photo": {"staff_admin", "committee_staff", "leader", "deputy"},
    "GET /api/v1/deputies/profiles/{profile_id}/terms": {"staff_admin", "committee_staff", "leader", "deputy"},
    "POST /api/v1/deputies/profiles/{profile_id}/terms": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/terms/{term_id}/status": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/profiles/{profile_id}/unmask": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/roster/import": {
        "staff_admin",
        "committee_staff",
    },  # multipart; a denied JSON post changes nothing
    "GET /api/v1/deputies/roster/template.xlsx": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/roster/export.xlsx": {"staff_admin", "committee_staff", "leader"},
    "GET /api/v1/deputies/composition": {"staff_admin", "committee_staff", "leader"},
    # --- scores (D4) ---
    "GET /api/v1/deputies/scoring-schemes": {"staff_admin", "committee_staff", "leader"},
    "POST /api/v1/deputies/scoring-schemes": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/scoring-schemes/{scheme_id}": {"staff_admin", "committee_staff", "leader"},
    "PATCH /api/v1/deputies/scoring-schemes/{scheme_id}": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/scores/compute": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/scores": {"staff_admin", "committee_staff", "leader"},
    "GET /api/v1/deputies/scores.xlsx": {"staff_admin", "committee_staff", "leader"},
    "GET /api/v1/deputies/scores/mine": {"deputy"},
    "GET /api/v1/deputies/scores/{score_id}": {"staff_admin", "committee_staff", "leader", "deputy"},
    "GET /api/v1/deputies/score-consequences": {"staff_admin", "committee_staff", "leader"},
    "POST /api/v1/deputies/score-consequences/derive": {"staff_admin", "committee_staff"},
    "POST /api/v1/deputies/score-consequences/{consequence_id}/done": {"staff_admin", "committee_staff"},
    "GET /api/v1/deputies/figures": {"staff_admin", "committee_staff", "leader"},
    "GET /api/v1/deputies/figures/rows": {"staff_admin", "committee_staff", "leader"},
    # --- duty record (D3) ---
    "GET /api/v1/deputies/entries": {"deputy", "committee_staff", "staff_admin", "leader"},
    "POST /api/v1/deputies/entries": {"deputy"},  # multipart; a denied JSON post changes nothing
    "GET /api/v1/deputies/entries/{entry_id}": {"deputy", "committee_staff", "staff_admin", "leader"},
    "POST /api/v1/deputies/entries/{entry_id}/withdraw": {"deputy"},
    "POST /api/v1/deputies/entries/{entry_id}/verify": {"committee_staff", "staff_admin"},
    "POST /api/v1/deputies/entries/{entry_id}/reject": {"committee_staff", "staff_admin"},
    "POST /api/v1/deputies/entries/verify-batch": {"committee_staff", "staff_admin"},
    "GET /api/v1/deputies/profiles/{profile_id}/entries": {"deputy", "committee_staff", "staff_admin", "leader"},
    "POST /api/v1/deputies/profiles/{profile_id}/entries": {"committee_staff", "staff_admin"},
    "GET /api/v1/deputies/evidence/{evidence_id}": {"deputy", "committee_staff", "staff_admin", "leader"},
    "GET /api/v1/deputies/profiles/{profile_id}/report.docx": {"deputy", "committee_staff", "staff_admin", "leader"},
    "POST /api/v1/deputies/attendance": {"committee_staff", "staff_admin"},
}
API_QUERIES: dict[str, str] = {
    "GET /api/v1/deputies/scoring-schemes": "?congress_id={city}",
    "GET /api/v1/deputies/scores": "?congress_id={city}&year=2026&quarter=4",
    "GET /api/v1/deputies/scores.xlsx": "?congress_id={city}&year=2026&quarter=4",
    "GET /api/v1/deputies/score-consequences": "?congress_id={city}&year=2026",
    "GET /api/v1/deputies/figures": "?congress_id={city}&year=2026",
    "GET /api/v1/deputies/figures/rows": "?congress_id={city}&year=2026&rows=training",
}
API_BODIES: dict[str, dict[str, Any]] = {
    # --- groups, stations, contacts, training (D2) ---
    "POST /api/v1/deputies/groups": {"kind": "area", "name": "擅自设立的小组"},
    "PATCH /api/v1/deputies/groups/{group_id}": {"name": "改名"},
    "POST /api/v1/deputies/groups/{group_id}/members": {"profile_ids": []},
    "POST /api/v1/deputies/groups/{group_id}/members/remove": {"profile_ids": []},
    "POST /api/v1/deputies/groups/{group_id}/activities": {
        "title": "擅自",
        "held_on": "2026-01-05",
        "participant_ids": [],
    },
    "POST /api/v1/deputies/stations": {"tier": 1, "congress_id": "{city}", "name": "擅自", "address": "x"},
    "PATCH /api/v1/deputies/stations/{station_id}": {"address": "改址"},
    "POST /api/v1/deputies/stations/{station_id}/receptions": {
        "date": "2026-12-01",
        "start": "09:00",
        "end": "11:00",
        "deputy_ids": [],
    },
    "POST /api/v1/deputies/receptions/{reception_id}/record": {"citizens_received": 5},
    "POST /api/v1/deputies/contacts": {"kind": "deputy_to_citizens", "deputy_id": 1, "date": "2026-01-05"},
    "POST /api/v1/deputies/trainings": {
        "title": "擅自",
        "kind": "online",
        "starts_on": "2026-01-05",
        "ends_on": "2026-01-05",
        "hours": 2,
    },
    "POST /api/v1/deputies/trainings/{training_id}/invite": {"profile_ids": []},
    "POST /api/v1/deputies/reports": {"profile_id": 1, "date": "2026-06-01", "place": "擅自安排"},
    "POST /api/v1/deputies/reports/{report_id}/hold": {"audience_count": 50, "report_text": "擅自记录"},
    "POST /api/v1/deputies/reports/{report_id}/rating": {"voters": 50},
    # --- roster (D1) ---
    "POST /api/v1/deputies/profiles": {
        "name": "擅自登记",
        "gender": "male",
        "party": "cpc",
        "occupation": "worker",
        "phone": "13900000999",
        "id_number": "11010519491231002X",
    },
    "POST /api/v1/deputies/profiles/{profile_id}/terms": {"term_number": 18, "starts_on": "2027-01-01"},
    "POST /api/v1/deputies/terms/{term_id}/status": {"status": "resigned", "on": "2024-01-01", "reason": "擅自"},
    "POST /api/v1/deputies/profiles/{profile_id}/unmask": {"field": "phone"},
    "POST /api/v1/deputies/scoring-schemes": {
        "congress_id": "{city}",
        "name": "擅自制定的办法",
        "effective_year": 2030,
    },
    "PATCH /api/v1/deputies/scoring-schemes/{scheme_id}": {"name": "擅自改名"},
    "POST /api/v1/deputies/scores/compute": {"congress_id": "{city}", "year": 2026, "quarter": 4},
    "POST /api/v1/deputies/score-consequences/derive": {"congress_id": "{city}", "year": 2026},
    "POST /api/v1/deputies/score-consequences/{consequence_id}/done": {"note": "擅自记录"},
    "POST /api/v1/deputies/entries/{entry_id}/reject": {"reason": "擅自退回"},
    "POST /api/v1/deputies/entries/verify-batch": {"entry_ids": []},
    "POST /api/v1/deputies/profiles/{profile_id}/entries": {
        "kind": "inspection",
        "date": "2026-01-05",
        "title": "擅自登记",
    },
    "POST /api/v1/deputies/attendance": {
        "kind": "attend_sc",
        "title": "擅自登记",
        "date": "2026-01-05",
        "linked_key": "x",
    },
}
WORLD_KWARGS: dict[str, str] = {
    "report_id": "elector_report",  # D5: the world deputy's held report to electors
    "profile_id": "profile",  # the world deputy's roster profile (D1 roster)
    "term_id": "term",  # the world deputy's term in office in the city (D1 roster)
    "group_id": "deputy_group",  # D2: the deputy leads it
    "station_id": "station",  # D2: runs on the world unit, so the station staff staff it
    "reception_id": "reception",  # D2: a past, still planned reception day at the station
    "training_id": "training_session",  # D2: the deputy is invited
    "scheme_id": "scoring_scheme",  # D4 scores
    "score_id": "score",  # the world deputy's 2026 year-end score (D4)
    "consequence_id": "score_consequence",  # a talk (约谈) for the world deputy (D4)
    "entry_id": "duty_entry",  # D3: the world deputy's pending self-report
    "evidence_id": "duty_evidence",  # D3: its photo
}


def build(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """The deputies objects of the world; ``people`` maps each role to a user holding it in ``city``."""
    world: dict[str, Any] = {}
    world.update(_roster(city, people))
    world.update(_stations(city, unit, people, world))
    world.update(_scores(city, people, world["profile"]))
    world.update(_record(people))
    world.update(_reports(city, people, world["profile"]))
    return world


def _roster(city: Congress, people: dict[str, User]) -> dict[str, Any]:
    """The world deputy's roster profile, in office in ``city`` (17th term), with a masked phone and ID number."""
    import datetime as dt

    from django.core.files.base import ContentFile

    from renda.core import crypto
    from renda.deputies.models import DeputyProfile, DeputyTerm

    deputy = people["deputy"]
    profile = DeputyProfile.objects.create(
        user=deputy,
        name="世界代表",
        gender="male",
        birth_date=dt.date(1975, 5, 1),
        party="cpc",
        occupation="worker",
        phone="13900000001",
        id_number_encrypted=crypto.encrypt("110105197505010031"),
        id_number_digest=crypto.digest("110105197505010031"),
        id_number_masked="110***********0031",
        card_number="W0001",
    )
    term = DeputyTerm.objects.create(profile=profile, congress=city, term_number=17, starts_on=dt.date(2022, 1, 1))
    profile.photo.save("world.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32), save=True)
    return {"profile": profile, "term": term}


def _scores(city: Congress, people: dict[str, User], profile: Any) -> dict[str, Any]:
    """D4: the city's scheme, the world deputy's 2026 year-end score (poor) and the talk it led to."""
    from decimal import Decimal

    from django.utils import timezone

    from renda.deputies.models import DeputyScore, ScoreConsequence, ScoringItem, ScoringScheme

    scheme = ScoringScheme.objects.create(
        congress=city, name="江城市人大代表履职积分办法", effective_year=2025, created_by=people["committee_staff"]
    )
    ScoringItem.objects.create(scheme=scheme, kind="suggestion", points=Decimal(4), cap=Decimal(12))
    line = {"kind": "suggestion", "label": "提出建议", "count": 1, "points": 4.0, "raw": 4.0, "cap": 12.0, "score": 4.0}
    score = DeputyScore.objects.create(
        scheme=scheme,
        profile=profile,
        year=2026,
        quarter=4,
        total=Decimal(4),
        grade="poor",
        breakdown=[line],
        computed_at=timezone.now(),
    )
    consequence = ScoreConsequence.objects.create(
        congress=city, profile=profile, year=2026, kind="talk", reason="2026 年度履职积分 4.0 分，等次“差”"
    )
    return {"scoring_scheme": scheme, "score": score, "score_consequence": consequence}


def _stations(city: Congress, unit: Unit, people: dict[str, User], world: dict[str, Any]) -> dict[str, Any]:
    """D2: a station on ``unit`` (so the world's station staff staff it) with a past planned reception day,
    a group the world deputy leads, and a training session they are invited to, made by the city's staff."""
    import datetime as dt

    from django.utils import timezone

    from renda.deputies.actions import groups, stations, training
    from renda.deputies.models import DeputyProfile, Station

    staff = people["committee_staff"]
    staff.active_assignment = staff.role_assignments.select_related("congress", "unit").get()
    profile = world.get("profile") or DeputyProfile.objects.get(user=people["deputy"])
    # The world unit is no liaison-station unit, so the action would refuse it: the station row is made directly.
    station = Station.objects.create(unit=unit, tier=3, address="世界路 1 号", opening_hours="周一至周五")
    today = timezone.localdate()
    reception = stations.reception_schedule(
        actor=staff,
        station=station,
        date=today - dt.timedelta(days=3),
        start=dt.time(9),
        end=dt.time(11),
        deputies=[profile],
        topic="世界接待日",
    )
    group = groups.group_create(actor=staff, congress=city, kind="area", name="世界小组", leader=profile)
    session = training.training_create(
        actor=staff,
        congress=city,
        title="世界培训",
        kind="online",
        starts_on=today - dt.timedelta(days=10),
        ends_on=today - dt.timedelta(days=10),
        hours="2",
    )
    training.training_invite(actor=staff, session=session, profiles=[profile])
    staff.active_assignment = None
    return {"station": station, "reception": reception, "deputy_group": group, "training_session": session}


def _record(people: dict[str, User]) -> dict[str, Any]:
    """D3: the world deputy's self-reported inspection with one photo, waiting for the staff's verification."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from renda.deputies.actions import record

    deputy = people["deputy"]
    deputy.active_assignment = deputy.role_assignments.select_related("congress").get()
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image/png")
    entry = record.entry_self_report(
        actor=deputy, kind="inspection", date=dt.date(2026, 1, 5), title="世界视察", uploads=[photo]
    )
    deputy.active_assignment = None
    return {"duty_entry": entry, "duty_evidence": entry.evidence.get()}


def _reports(city: Congress, people: dict[str, User], profile: Any) -> dict[str, Any]:
    """D5: the world deputy's report to electors, held (recorded) and not yet rated."""
    import datetime as dt

    from renda.deputies.models import ElectorReport

    report = ElectorReport.objects.create(
        congress=city,
        profile=profile,
        term=profile.terms.filter(congress=city).first(),
        scheduled_on=dt.date(2026, 6, 1),
        place="街道人大代表联络站",
        electoral_unit="第一选区",
        status="held",
        audience_count=60,
        report_text="述职报告",
        created_by=people["committee_staff"],
    )
    return {"elector_report": report}
