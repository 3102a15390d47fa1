"""Every change to a suggestion goes through one of these named actions.

Each takes keyword-only arguments, checks permission and input before changing
anything, runs in one transaction and writes one audit event on the item
(its timeline). A refusal is ``NotPermitted`` (not you), ``InvalidTransition``
(not now, 409) or ``InvalidInput`` (not this, naming the field).
"""

from renda.suggestions.actions.drafting import (
    cosigner_invite,
    cosigner_remove,
    cosigner_respond,
    suggestion_create,
    suggestion_submit,
    suggestion_update,
    suggestion_withdraw,
)
from renda.suggestions.actions.evaluation import suggestion_evaluate
from renda.suggestions.actions.handling import (
    assignment_sign,
    attachment_add,
    communication_add,
    dispute_raise,
    extension_request,
    opinion_send,
    reply_approve,
    reply_prepare,
    reply_return,
)
from renda.suggestions.actions.review import (
    Plan,
    disclosure_set,
    dispute_decide,
    extension_decide,
    key_supervision_set,
    suggestion_assign,
    suggestion_assign_batch,
    suggestion_merge,
    suggestion_refuse,
    suggestion_register,
    suggestion_return,
)

__all__ = [
    "Plan",
    "assignment_sign",
    "attachment_add",
    "communication_add",
    "cosigner_invite",
    "cosigner_remove",
    "cosigner_respond",
    "disclosure_set",
    "dispute_decide",
    "dispute_raise",
    "extension_decide",
    "extension_request",
    "key_supervision_set",
    "opinion_send",
    "reply_approve",
    "reply_prepare",
    "reply_return",
    "suggestion_assign",
    "suggestion_assign_batch",
    "suggestion_create",
    "suggestion_evaluate",
    "suggestion_merge",
    "suggestion_refuse",
    "suggestion_register",
    "suggestion_return",
    "suggestion_submit",
    "suggestion_update",
    "suggestion_withdraw",
]
