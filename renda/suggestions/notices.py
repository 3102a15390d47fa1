"""The messages this process sends. Each names the item and the link, so it stands on its own."""

from __future__ import annotations

TEMPLATES: dict[str, tuple[str, str]] = {
    "suggestion.cosign_invited": (
        "【联名邀请】{lead}邀请您联名：{title}",
        "{lead}代表邀请您联名提出建议“{title}”。请阅读内容后确认或谢绝：{link}",
    ),
    "suggestion.returned": (
        "【建议退回修改】{title}",
        "您领衔提出的建议“{title}”被退回修改，意见：{note}。请修改后重新提交：{link}",
    ),
    "suggestion.not_registered": (
        "【建议不予立案】{title}",
        "您领衔提出的建议“{title}”不予立案，理由：{note}。详情：{link}",
    ),
    "suggestion.merged": (
        "【建议已并案】{title}",
        "您领衔提出的建议“{title}”与内容相同的建议并案办理，答复将同样送达您：{link}",
    ),
    "suggestion.assigned": (
        "【建议交办】{number} {title}",
        "建议“{title}”已交{unit}{role}，答复期限 {due}。请及时签收办理：{link}",
    ),
    "suggestion.assigned_to_deputy": (
        "【建议已交办】{title}",
        "您领衔提出的建议“{title}”已交{units}办理，答复期限 {due}。进展：{link}",
    ),
    "suggestion.extension_approved": (
        "【建议延期答复】{title}",
        "{unit}办理的建议“{title}”经批准延期，答复期限改为 {due}，理由：{note}。详情：{link}",
    ),
    "suggestion.replied": (
        "【建议已答复】{title}",
        "{unit}已答复建议“{title}”。请查阅答复并对办理过程和结果作出评价：{link}",
    ),
    "suggestion.rehandling": (
        "【二次办理】{number} {title}",
        "代表对建议“{title}”的答复不满意，请{unit}重新办理，答复期限 {due}：{link}",
    ),
    "suggestion.reply_returned": (
        "【答复退回修改】{title}",
        "单位负责人退回了建议“{title}”的答复稿，意见：{note}。请修改后重新报送：{link}",
    ),
}
