"""Chinese full-text search over suggestions: title, body and sent replies.

Text is cut into words by jieba (rjieba) when it changes and stored, space-separated,
in ``SearchEntry``; a query is cut the same way and every word must match.

The words are indexed by the database itself (migration ``0002_search_index``):

- SQLite: the FTS5 table ``suggestions_searchfts`` over ``suggestions_searchentry.tokens``
  (external content, kept in sync by triggers on insert, update and delete);
- PostgreSQL: a GIN index on ``to_tsvector('simple', tokens)``, stored in the generated column
  ``search_vector`` (not a model field) so that a sequential scan does not recompute it.

Each stored word is one index term on both (the space is the only separator that matters),
so a query word matches exactly the stored word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import rjieba
from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from renda.core.errors import InvalidInput
from renda.suggestions.models import Assignment, Reply, ReplyStatus, SearchEntry, Suggestion

_WORD = re.compile(r"\w", re.UNICODE)

QUERY_MAX_LENGTH = 100
# A query is cut into at most this many distinct words; more would only slow the index down.
QUERY_MAX_WORDS = 32

FTS_TABLE = "suggestions_searchfts"
# The PostgreSQL column holding to_tsvector('simple', tokens), with the GIN index on it.
PG_VECTOR = "search_vector"


def tokens(text: str) -> list[str]:
    """Words of ``text`` as jieba cuts them for search, lower-cased, without punctuation."""
    return [word.lower() for word in rjieba.cut_for_search(text or "") if _WORD.search(word)]


def query_words(query: str) -> list[str]:
    """The distinct words of a query, in order.

    A query is cut in jieba's precise mode: its words are the long words, and the stored
    text (cut for search) holds every long word as well as its parts, so a query such as
    "公交线路" matches an item that says "增设公交线路" (stored: 增设 公交 线路 公交线 公交线路).
    """
    words: list[str] = []
    for piece in rjieba.cut(query or ""):
        word = piece.strip().lower()
        if word and _WORD.search(word) and word not in words:
            words.append(word)
    return words[:QUERY_MAX_WORDS]


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


def reindex_all(batch_size: int = 500) -> int:
    """Rebuild every item's entry (and, on SQLite, the FTS index itself). Returns how many items."""
    count = 0
    sent = Prefetch(
        "assignments",
        queryset=Assignment.objects.prefetch_related(
            Prefetch("replies", queryset=Reply.objects.filter(status=ReplyStatus.SENT).only("text", "assignment_id"))
        ).only("suggestion_id"),
    )
    last_pk = 0
    while True:
        batch = list(
            Suggestion.objects.filter(pk__gt=last_pk)
            .order_by("pk")
            .only("pk", "title", "body")
            .prefetch_related(sent)[:batch_size]
        )
        if not batch:
            break
        entries = []
        for suggestion in batch:
            replies = [reply.text for assignment in suggestion.assignments.all() for reply in assignment.replies.all()]
            text = "\n".join([suggestion.title, suggestion.body, *replies])
            entries.append(SearchEntry(suggestion=suggestion, tokens=" ".join(tokens(text))))
        with transaction.atomic():
            SearchEntry.objects.bulk_create(
                entries, update_conflicts=True, update_fields=["tokens"], unique_fields=["suggestion"]
            )
        count += len(batch)
        last_pk = batch[-1].pk
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # noqa: S608
    return count


def _fts_phrase(word: str) -> str:
    # Every word is a quoted FTS5 string: no operator, column filter or NEAR() can be injected.
    return '"' + word.replace('"', '""') + '"'


def matching_ids_sql(words: Sequence[str], *, any_word: bool = False) -> tuple[str, list[str]]:
    """SQL selecting the ids of items whose entry holds every word (or, with ``any_word``, any)."""
    if connection.vendor == "postgresql":
        glue = " || " if any_word else " && "
        tsquery = glue.join(["plainto_tsquery('simple'::regconfig, %s)"] * len(words))
        sql = f"SELECT suggestion_id FROM suggestions_searchentry WHERE {PG_VECTOR} @@ ({tsquery})"  # noqa: S608
        return sql, list(words)
    if connection.vendor == "sqlite":
        match = (" OR " if any_word else " AND ").join(_fts_phrase(word) for word in words)
        return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]  # noqa: S608
    # Any other database: a plain scan of the stored words (correct, not fast).
    padded = [f"% {word} %" for word in words]
    glue = " OR " if any_word else " AND "
    condition = glue.join(["(' ' || tokens || ' ') LIKE %s"] * len(words))
    return f"SELECT suggestion_id FROM suggestions_searchentry WHERE {condition}", padded  # noqa: S608


def clean_query(query: object) -> str:
    text = str(query or "").strip()
    if not text:
        raise InvalidInput("请输入检索词", code="required", field="q")
    if len(text) > QUERY_MAX_LENGTH:
        raise InvalidInput(
            f"检索词不能超过 {QUERY_MAX_LENGTH} 个字（现为 {len(text)} 个字）", code="too_long", field="q"
        )
    return text


def search(queryset: QuerySet[Suggestion], query: str) -> QuerySet[Suggestion]:
    """The items of ``queryset`` (already limited to what the person may see) holding every word of ``query``.

    Newest first. A blank query, or one over 100 characters, is refused (``InvalidInput`` on "q");
    a query of punctuation alone matches nothing.
    """
    words = query_words(clean_query(query))
    if not words:
        return queryset.none()
    sql, params = matching_ids_sql(words)
    matching = RawSQL(sql, params)  # noqa: S611 (the words are bound parameters)
    return queryset.filter(pk__in=matching).order_by("-year", "-pk")
