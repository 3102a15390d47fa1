"""Every change to a citizen's opinion goes through one of these named actions.

Each takes keyword-only arguments, checks permission and input before changing anything, runs in
one transaction and writes one audit event ``opinion.<verb>`` on the opinion (its timeline). A
refusal is ``NotPermitted`` (not you), ``InvalidTransition`` (not now, 409) or ``InvalidInput``
(not this, naming the field).
"""

from renda.opinions.actions.citizen import MAX_REOPENINGS, opinion_rate
from renda.opinions.actions.handling import (
    dispatch_accept,
    dispatch_reply,
    dispatch_return,
    overdue_dispatches,
    overdue_flag,
    reply_relay,
)
from renda.opinions.actions.intake import opinion_enter, opinion_submit
from renda.opinions.actions.privacy import Contact, contact_unmask, personal_data_erase
from renda.opinions.actions.triage import (
    REDIRECT_CHANNELS,
    cluster_dispatch,
    triage_answer_on_spot,
    triage_convert,
    triage_grade,
    triage_refuse,
)

__all__ = [
    "MAX_REOPENINGS",
    "REDIRECT_CHANNELS",
    "Contact",
    "cluster_dispatch",
    "contact_unmask",
    "dispatch_accept",
    "dispatch_reply",
    "dispatch_return",
    "opinion_enter",
    "opinion_rate",
    "opinion_submit",
    "overdue_dispatches",
    "overdue_flag",
    "personal_data_erase",
    "reply_relay",
    "triage_answer_on_spot",
    "triage_convert",
    "triage_grade",
    "triage_refuse",
]
