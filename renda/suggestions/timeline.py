"""An item's timeline, read from its audit events (every action writes one on the item).

Deputies see what happened to their item; the internal steps of handling (reply drafts,
disputes, extension requests, attachments) only those who see internal handling. Names of
the people who acted are shown to internal viewers; a deputy sees the unit that acted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from renda.core.models import AuditEvent
from renda.suggestions import permissions
from renda.suggestions.models import CommunicationKind, HandlingRole, Rating, Suggestion

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from renda.accounts.models import User

TARGET_TYPE = "suggestions.suggestion"

LABELS: dict[str, StrPromise] = {
    "created": gettext_lazy("起草建议"),
    "updated": gettext_lazy("修改建议"),
    "cosigners_invited": gettext_lazy("邀请联名代表"),
    "cosign_confirmed": gettext_lazy("确认联名"),
    "cosign_declined": gettext_lazy("谢绝联名"),
    "cosigner_removed": gettext_lazy("取消联名邀请"),
    "submitted": gettext_lazy("提交建议"),
    "resubmitted": gettext_lazy("修改后重新提交"),
    "withdrawn": gettext_lazy("撤回建议"),
    "registered": gettext_lazy("审核立案"),
    "returned": gettext_lazy("退回修改"),
    "not_registered": gettext_lazy("不予立案"),
    "merged": gettext_lazy("并案办理"),
    "merge_received": gettext_lazy("并入其他建议"),
    "assigned": gettext_lazy("交办承办单位"),
    "signed": gettext_lazy("承办单位签收"),
    "disputed": gettext_lazy("承办单位提出交办异议"),
    "dispute_approved": gettext_lazy("同意交办异议"),
    "dispute_rejected": gettext_lazy("不同意交办异议"),
    "extension_requested": gettext_lazy("申请延期答复"),
    "extension_approved": gettext_lazy("同意延期答复"),
    "extension_rejected": gettext_lazy("不同意延期答复"),
    "communicated": gettext_lazy("与代表联系沟通"),
    "opinion_sent": gettext_lazy("会办单位提交会办意见"),
    "reply_drafted": gettext_lazy("拟写答复，送单位负责人审签"),
    "reply_returned": gettext_lazy("答复被退回修改"),
    "attachment_added": gettext_lazy("上传答复附件"),
    "replied": gettext_lazy("答复代表"),
    "evaluated": gettext_lazy("代表评价答复"),
    "rehandling_started": gettext_lazy("启动二次办理"),
    "closed": gettext_lazy("办结"),
    "key_set": gettext_lazy("列为重点督办"),
    "key_cleared": gettext_lazy("取消重点督办"),
    "disclosed": gettext_lazy("向社会公开"),
    "undisclosed": gettext_lazy("取消公开"),
}

# Steps of the handling the deputies are not shown (domain.md §1.1).
INTERNAL_ACTIONS = frozenset(
    {
        "reply_drafted",
        "reply_returned",
        "disputed",
        "dispute_approved",
        "dispute_rejected",
        "extension_requested",
        "extension_rejected",
        "attachment_added",
    }
)


@dataclass(frozen=True)
class Entry:
    action: str
    label: str
    occurred_at: dt.datetime
    actor: str
    detail: str
    internal: bool


def _choice(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def _date(value: object) -> str:
    return str(value or "")[:10]


def _detail(action: str, summary: dict[str, Any], suggestion: Suggestion) -> str:
    """A short fact from the event's summary: the unit, the category, the new deadline."""
    parts: list[str] = []
    if action == "registered" and summary.get("number"):
        parts.append(_("编号 %(number)s") % {"number": summary["number"]})
    if action == "assigned":
        for row in summary.get("units") or []:
            if isinstance(row, dict):
                parts.append(f"{row.get('name', '')}（{_choice(HandlingRole, row.get('role'))}）")
    elif action == "rehandling_started":
        parts.extend(str(name) for name in summary.get("units") or [])
    elif summary.get("unit"):
        parts.append(str(summary["unit"]))
    if action == "communicated" and summary.get("kind"):
        parts.append(_choice(CommunicationKind, summary["kind"]))
    if action in {"replied", "reply_drafted"} and summary.get("category"):
        categories: dict[str, str] = suggestion.congress.setting("suggestion_reply_categories") or {}
        code = str(summary["category"])
        parts.append(f"{code} {categories.get(code, '')}".strip())
    if action == "replied" and summary.get("on_time") is False:
        parts.append(_("逾期答复"))
    if action == "evaluated":
        parts.append(_("办理过程：%(rating)s") % {"rating": _choice(Rating, summary.get("process"))})
        parts.append(_("办理结果：%(rating)s") % {"rating": _choice(Rating, summary.get("result"))})
    if action in {"assigned", "rehandling_started"} and summary.get("due"):
        parts.append(_("答复期限 %(due)s") % {"due": _date(summary["due"])})
    if action.startswith("extension_") and summary.get("requested_due"):
        parts.append(_("延期至 %(due)s") % {"due": _date(summary["requested_due"])})
    if action == "dispute_approved" and summary.get("new_unit"):
        parts.append(_("改交 %(unit)s") % {"unit": summary["new_unit"]})
    if action == "merged" and summary.get("into_number"):
        parts.append(_("并入 %(number)s") % {"number": summary["into_number"]})
    noted = {"returned", "reply_returned", "extension_approved", "extension_rejected", "dispute_rejected"}
    if action in noted and summary.get("note"):
        parts.append(str(summary["note"]))
    if action in {"not_registered", "withdrawn", "disputed"} and summary.get("reason"):
        parts.append(str(summary["reason"]))
    if action == "created" and summary.get("title"):
        parts.append(str(summary["title"]))
    if action == "updated" and summary.get("title"):
        parts.append(str(summary["title"]))
    if action == "submitted" and summary.get("cosigners"):
        parts.append(_("联名代表 %(count)s 人") % {"count": summary["cosigners"]})
    if action == "cosigners_invited" and summary.get("deputies"):
        parts.append(_("%(count)s 位代表") % {"count": len(summary["deputies"])})
    return "；".join(part for part in parts if part)


def timeline_for(user: User | None, suggestion: Suggestion) -> list[Entry]:
    """The item's events the person may see, oldest first."""
    internal_viewer = permissions.sees_internal_handling(user, suggestion)
    events = (
        AuditEvent.objects.filter(target_type=TARGET_TYPE, target_id=str(suggestion.pk))
        .select_related("actor")
        .order_by("sequence")
    )
    deputies = {suggestion.lead_deputy_id, *suggestion.cosigners.values_list("deputy_id", flat=True)}
    entries: list[Entry] = []
    for event in events:
        action = event.action.removeprefix("suggestion.")
        internal = action in INTERNAL_ACTIONS
        if internal and not internal_viewer:
            continue
        known = action in LABELS
        if not known and not internal_viewer:
            continue
        summary: dict[str, Any] = event.summary if isinstance(event.summary, dict) else {}
        if event.actor is None:
            actor = _("系统")
        elif internal_viewer:
            actor = event.actor.display_name
        elif summary.get("unit") and action not in {"key_set", "key_cleared"}:
            actor = str(summary["unit"])
        elif event.actor_id in deputies:
            actor = event.actor.display_name
        else:
            actor = ""
        entries.append(
            Entry(
                action=action,
                label=str(LABELS[action]) if known else action,
                occurred_at=event.occurred_at,
                actor=actor,
                detail=_detail(action, summary, suggestion),
                internal=internal,
            )
        )
    return entries
