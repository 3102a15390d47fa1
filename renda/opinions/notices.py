"""The messages this process sends to staff, units and deputies. Each names the opinion and the link."""

from __future__ import annotations

TEMPLATES: dict[str, tuple[str, str]] = {
    "opinion.dispatched": (
        "【群众意见派单】{code} {summary}",
        "群众意见“{summary}”（查询码 {code}）已派{unit}办理，办理期限 {due}。请及时接单：{link}",
    ),
    "opinion.reopened": (
        "【群众意见重新办理】{code} {summary}",
        "群众对意见“{summary}”（查询码 {code}）的答复不满意，请{unit}重新办理，办理期限 {due}：{link}",
    ),
    "opinion.returned": (
        "【群众意见被退回】{code} {summary}",
        "{unit}退回了群众意见“{summary}”（查询码 {code}），理由：{reason}。请重新分流：{link}",
    ),
    "opinion.replied": (
        "【群众意见已答复】{code} {summary}",
        "{unit}已答复群众意见“{summary}”（查询码 {code}）。请将答复反馈给群众：{link}",
    ),
    "opinion.overdue": (
        "【群众意见逾期】{code} {summary}",
        "{unit}办理的群众意见“{summary}”（查询码 {code}）已超过办理期限 {due}，请尽快答复：{link}",
    ),
}

# The text message the citizen receives when the answer is relayed (sent by SMS, not through the inbox).
CITIZEN_RELAY_SMS = "【人大代表联络站】您反映的意见（查询码 {code}）已有答复，请查看并评价：{link}"
