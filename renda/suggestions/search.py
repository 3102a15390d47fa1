"""Chinese full-text search over suggestions: title, body and sent replies.

Text is cut into words by jieba (rjieba) when it changes and stored, space-separated,
in ``SearchEntry``; a query is cut the same way and every word must match.
"""

from __future__ import annotations

import re

import rjieba

from renda.suggestions.models import Reply, ReplyStatus, SearchEntry, Suggestion

_WORD = re.compile(r"\w", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Words of ``text`` as jieba cuts them for search, lower-cased, without punctuation."""
    return [word.lower() for word in rjieba.cut_for_search(text or "") if _WORD.search(word)]


def document_text(suggestion: Suggestion) -> str:
    replies = Reply.objects.filter(assignment__suggestion=suggestion, status=ReplyStatus.SENT).values_list(
        "text", flat=True
    )
    return "\n".join([suggestion.title, suggestion.body, *replies])


def index_suggestion(suggestion: Suggestion) -> None:
    """Refresh the item's entry. Called by every action that changes its text or sends a reply."""
    SearchEntry.objects.update_or_create(
        suggestion=suggestion, defaults={"tokens": " ".join(tokens(document_text(suggestion)))}
    )
