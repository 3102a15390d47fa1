"""The opinions rows of the permission matrix, and the objects they are tried against.

``PAGES``/``API`` use the same rules as ``test_permission_matrix`` (a set of roles,
``"anyone"``, ``"logged_in"``, ``"owner"`` or ``"flow"``). ``WORLD_KWARGS`` maps a
route keyword (e.g. ``opinion_id``) to a key of the dict ``build`` returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from renda.accounts.models import User
    from renda.organizations.models import Congress, Unit

PAGES: dict[str, tuple[str, Any]] = {
    # --- routing (O4, renda/insight/views/routing.py): committee staff edit, leaders read ---
    "insight:dictionary": ("GET", {"committee_staff", "leader"}),
    "insight:rules": ("GET", {"committee_staff", "leader"}),
    "insight:models": ("GET", {"committee_staff", "leader"}),
    "insight:retrain": ("POST", {"committee_staff"}),
    # --- dashboard and monthly reports (O7, renda/opinions/views/dashboard.py): staff and leaders read ---
    "opinions:dashboard": ("GET", {"committee_staff", "leader"}),
    "opinions:report_list": ("GET", {"committee_staff", "leader"}),
    "opinions:report_download": ("GET", {"committee_staff", "leader"}),
    "opinions:report_generate": ("POST", {"committee_staff"}),
    # --- topics (O5, renda/insight/views/topics.py): committee staff and leaders of the congress ---
    "insight:hot_topics": ("GET", {"committee_staff", "leader"}),
    "insight:clusters": ("GET", {"committee_staff", "leader"}),
    "insight:watches": ("GET", {"committee_staff", "leader"}),
    "insight:alerts": ("GET", {"committee_staff", "leader"}),
    # --- search (O6, renda/opinions/views/search.py): any logged-in role, results limited to what it may see ---
    "opinions:search": ("GET", "logged_in"),
    # --- the citizen's side (O2, renda/opinions/views/public.py, entry.py): the public portal, no login ---
    "portal:opinion_new": ("GET", "anyone"),
    "portal:opinion_sms_send": ("POST", "anyone"),  # sends an SMS code: see test_public_form.py
    "portal:opinion_captcha": ("GET", "anyone"),
    "portal:opinion_sent": ("GET", "flow"),  # only right after a submission: see test_public_form.py
    "portal:opinion_track": ("GET", "anyone"),
    "portal:opinion_status": ("GET", "flow"),  # by tracking code, not an id: see test_public_tracking.py
    "portal:opinion_rate": ("POST", "anyone"),  # by tracking code: see test_public_tracking.py
    "portal:opinion_erase": ("POST", "anyone"),  # by tracking code: see test_public_tracking.py
    "opinions:entry_new": ("GET", {"committee_staff", "station_staff", "deputy"}),  # 代表点单: see test_entry.py
    # --- staff and unit pages (O3, renda/opinions/views/staff.py, unit.py, imports.py) ---
    "opinions:triage_queue": ("GET", {"committee_staff", "station_staff", "deputy"}),  # each their own queue
    "opinions:opinion_detail": ("GET", {"committee_staff", "leader", "unit_officer", "unit_head"}),
    "opinions:unmask": ("POST", {"committee_staff", "unit_officer", "unit_head"}),
    "opinions:triage_answer": ("POST", {"committee_staff"}),
    "opinions:triage_refuse": ("POST", {"committee_staff"}),
    "opinions:triage_grade": ("POST", {"committee_staff"}),
    "opinions:triage_convert": ("POST", {"committee_staff"}),
    "opinions:relay": ("POST", {"committee_staff"}),
    "opinions:attachment": ("GET", {"committee_staff", "leader", "unit_officer", "unit_head"}),
    "opinions:cluster_detail": ("GET", {"committee_staff", "leader"}),
    "opinions:cluster_dispatch": ("POST", {"committee_staff"}),
    "opinions:ledger": ("GET", {"committee_staff", "leader"}),
    "opinions:export": ("GET", {"committee_staff", "leader", "unit_officer", "unit_head"}),  # a unit: its own
    "opinions:export_unmasked": ("POST", {"committee_staff"}),  # audited: see test_export.py
    "opinions:unit_queue": ("GET", {"unit_officer", "unit_head"}),
    "opinions:unit_accept": ("POST", {"unit_officer", "unit_head"}),
    "opinions:unit_return": ("POST", {"unit_officer", "unit_head"}),
    "opinions:unit_reply": ("POST", {"unit_officer", "unit_head"}),
    "opinions:import": ("GET", {"committee_staff"}),
}
API: dict[str, Any] = {
    # --- the loop (O1, renda/opinions/api_loop.py): the world's opinion is dispatched to the world unit ---
    "GET /api/v1/opinions": "logged_in",  # each role sees its own (possibly empty) list
    "GET /api/v1/opinions/search": "logged_in",  # O6: search within opinions_visible_to
    "GET /api/v1/opinions/{opinion_id}": {"committee_staff", "leader", "unit_officer", "unit_head"},
    "POST /api/v1/opinions/{opinion_id}/contact": {"committee_staff", "unit_officer", "unit_head"},
    "POST /api/v1/opinions/entries": {"committee_staff", "station_staff", "deputy"},
    "POST /api/v1/opinions/{opinion_id}/answer": {"committee_staff"},
    "POST /api/v1/opinions/{opinion_id}/refuse": {"committee_staff"},
    "POST /api/v1/opinions/{opinion_id}/grade": {"committee_staff"},
    "POST /api/v1/opinions/{opinion_id}/convert": {"committee_staff"},
    "POST /api/v1/opinion-clusters/{cluster_id}/dispatch": {"committee_staff"},
    "POST /api/v1/opinions/{opinion_id}/accept": {"unit_officer", "unit_head"},
    "POST /api/v1/opinions/{opinion_id}/return": {"unit_officer", "unit_head"},
    "POST /api/v1/opinions/{opinion_id}/reply": {"unit_officer", "unit_head"},
    "POST /api/v1/opinions/{opinion_id}/relay": {"committee_staff"},
    "POST /api/v1/opinions/{opinion_id}/erase": {"committee_staff"},
    # --- the citizen's side (O2, renda/opinions/api_public.py): submit logged in; the rest by tracking code ---
    "POST /api/v1/opinions/submissions": "logged_in",
    "GET /api/v1/opinion-tracking/{code}": "flow",  # by tracking code: see test_public_api.py
    "POST /api/v1/opinion-tracking/{code}/rating": "anyone",  # by tracking code: see test_public_api.py
    "POST /api/v1/opinion-tracking/{code}/reopen": "anyone",
    "POST /api/v1/opinion-tracking/{code}/erasure": "anyone",
    # --- routing (O4, renda/insight/api_routing.py): committee staff edit, leaders read ---
    "POST /api/v1/insight/routing/suggest": {"committee_staff", "leader"},
    "POST /api/v1/insight/tokens": {"committee_staff", "leader"},
    "GET /api/v1/insight/dictionary": {"committee_staff", "leader"},
    "POST /api/v1/insight/dictionary": {"committee_staff"},
    "DELETE /api/v1/insight/dictionary/{word_id}": {"committee_staff"},
    "GET /api/v1/insight/rules": {"committee_staff", "leader"},
    "POST /api/v1/insight/rules": {"committee_staff"},
    "DELETE /api/v1/insight/rules/{rule_id}": {"committee_staff"},
    "POST /api/v1/insight/rules/defaults": {"committee_staff"},
    "GET /api/v1/insight/routing/models": {"committee_staff", "leader"},
    "POST /api/v1/insight/routing/retrain": {"committee_staff"},
    # --- dashboard and monthly reports (O7, renda/opinions/api_dashboard.py) ---
    "GET /api/v1/opinions/dashboard": {"committee_staff", "leader"},
    "GET /api/v1/opinions/reports": {"committee_staff", "leader"},
    "POST /api/v1/opinions/reports": {"committee_staff"},
    "GET /api/v1/opinions/reports/{monthly_report_id}": {"committee_staff", "leader"},
    # --- topics (O5, renda/insight/api_topics.py): the world's watch belongs to the committee staff ---
    "GET /api/v1/insight/topics": {"committee_staff", "leader"},
    "GET /api/v1/insight/clusters": {"committee_staff", "leader"},
    "GET /api/v1/insight/watches": {"committee_staff", "leader"},
    "POST /api/v1/insight/watches": {"committee_staff", "leader"},
    "DELETE /api/v1/insight/watches/{watch_id}": {"committee_staff"},
    "GET /api/v1/insight/alerts": {"committee_staff", "leader"},
    # --- staff and unit lists (O3, renda/opinions/api_staff.py) ---
    "GET /api/v1/opinions/triage-queue": {"committee_staff", "station_staff", "deputy"},
    "GET /api/v1/opinions/ledger": {"committee_staff", "leader"},
    "GET /api/v1/opinions/ledger.xlsx": {"committee_staff", "leader", "unit_officer", "unit_head"},
    "POST /api/v1/opinions/ledger-unmasked.xlsx": {"committee_staff"},  # audited: see test_export.py
    "POST /api/v1/opinions/import": {"committee_staff"},  # multipart; a denied JSON post changes nothing
    "GET /api/v1/opinions/unit-queue": {"unit_officer", "unit_head"},
}
API_QUERIES: dict[str, str] = {
    "GET /api/v1/opinions/search": "?q=路灯",
}
API_BODIES: dict[str, dict[str, Any]] = {
    "POST /api/v1/opinions/entries": {"text": "接待日群众反映：小区门口路灯坏了，请修复。"},
    "POST /api/v1/opinions/{opinion_id}/answer": {"answer": "已当场解释"},
    "POST /api/v1/opinions/{opinion_id}/refuse": {"reason": "属于诉讼事项", "channel": "诉讼"},
    "POST /api/v1/opinions/{opinion_id}/grade": {"level": "L3", "category": "urban", "unit_id": 1},
    "POST /api/v1/opinions/{opinion_id}/convert": {"title": "关于路灯维修的建议"},
    "POST /api/v1/opinion-clusters/{cluster_id}/dispatch": {"level": "L3", "category": "urban", "unit_id": 1},
    "POST /api/v1/opinions/{opinion_id}/return": {"reason": "不属于本单位职责"},
    "POST /api/v1/opinions/{opinion_id}/reply": {"text": "已修复"},
    "POST /api/v1/insight/routing/suggest": {"text": "小区门口路灯坏了"},
    "POST /api/v1/insight/tokens": {"text": "小区门口路灯坏了"},
    "POST /api/v1/insight/dictionary": {"word": "翠湖天地"},
    "POST /api/v1/insight/rules": {"keyword": "噪音", "category": "environment"},
    "POST /api/v1/opinions/reports": {"month": "2026-01"},
    "POST /api/v1/insight/watches": {"category": "traffic"},
}
WORLD_KWARGS: dict[str, str] = {
    "opinion_id": "opinion",
    "cluster_id": "opinion_cluster",
    "word_id": "insight_term",
    "rule_id": "insight_rule",
    "monthly_report_id": "monthly_report",
    "watch_id": "insight_watch",
    "opinion_attachment_id": "opinion_attachment",
}


def build(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """The opinions objects of the world; ``people`` maps each role to a user holding it in ``city``."""
    world: dict[str, Any] = {}
    world.update(_loop(city, unit, people))
    world.update(_routing(city, unit))
    world.update(_reports(city))
    world.update(_topics(city, people))
    world.update(_staff(world["opinion"]))
    return world


def _loop(city: Congress, unit: Unit, people: dict[str, User]) -> dict[str, Any]:
    """O1: a portal opinion with a contact, dispatched by the committee staff to the world unit; an empty cluster."""
    from django.utils import timezone

    from renda.insight.models import Cluster
    from renda.opinions import actions
    from renda.opinions.models import Source

    staff = people["committee_staff"]
    staff.active_assignment = staff.role_assignments.get()
    opinion = actions.opinion_submit(
        actor=None,
        congress=city,
        text="小区门口的路灯坏了三个月，晚上出行很不方便，请尽快修复。",
        source=Source.PORTAL,
        citizen_name="张三丰",
        citizen_phone="13912345678",
    )
    actions.triage_grade(actor=staff, opinion=opinion, level="L3", category="urban", unit=unit)
    opinion.refresh_from_db()
    now = timezone.now()
    cluster = Cluster.objects.create(
        congress=city, title="路灯损坏", size=0, first_received_at=now, last_received_at=now
    )
    return {"opinion": opinion, "opinion_cluster": cluster}


def _routing(city: Congress, unit: Unit) -> dict[str, Any]:
    """O4: one dictionary word and one keyword rule of the city."""
    from renda.insight.models import DictionaryTerm, KeywordRule

    term = DictionaryTerm.objects.create(congress=city, word="翠湖天地")
    rule = KeywordRule.objects.create(congress=city, keyword="路灯", category="urban", level="L1", unit=unit)
    return {"insight_term": term, "insight_rule": rule}


def _topics(city: Congress, people: dict[str, User]) -> dict[str, Any]:
    """O5: the committee staff watches the city's urban topic."""
    from renda.insight.models import Watch

    watch = Watch.objects.create(user=people["committee_staff"], congress=city, category="urban")
    return {"insight_watch": watch}


def _reports(city: Congress) -> dict[str, Any]:
    """O7: one stored monthly report of the city (a stand-in file, written once: the matrix tests who may read it)."""
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from renda.insight.models import MonthlyReport

    name = "insight/reports/permission-matrix-stand-in.docx"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(b"PK stand-in"))
    report = MonthlyReport.objects.create(
        congress=city, month=dt.date(2026, 1, 1), generated_at=timezone.now(), file=name
    )
    return {"monthly_report": report}


def _staff(opinion: Any) -> dict[str, Any]:
    """O3: a photo attached to the world's opinion (the staff and the handling unit may open it)."""
    import hashlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from renda.opinions.models import OpinionAttachment

    content = b"\x89PNG\r\n\x1a\n stand-in"
    name = "opinions/permission-matrix-stand-in.png"
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(content))
    attachment = OpinionAttachment.objects.create(
        opinion=opinion,
        file=name,
        name="现场照片.png",
        size=len(content),
        content_type="image/png",
        sha256=hashlib.sha256(content).hexdigest(),
    )
    return {"opinion_attachment": attachment}
