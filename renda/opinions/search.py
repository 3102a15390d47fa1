"""Chinese full-text search over citizens' opinions, exact for queries of any length (one character too).

An opinion's text is indexed as **character bigrams in order, then its distinct single characters**
("unigrams"): 路灯坏了 → ``路灯 灯坏 坏了 路 灯 坏 了``. A run of ASCII letters or digits counts as
one "character" (幸福路12号 → ``幸福 福路 路12 12号 …``), and punctuation ends a run (no bigram spans it).
A query is translated the same way:

- one character → the unigram (``灯``);
- two or more → the PHRASE of its bigrams (``加装电梯`` → "加装 装电 电梯" at adjacent positions),
  which matches exactly the texts containing that string;
- several words separated by spaces → every word must match (AND).

So search is a substring search that does not depend on how jieba cuts the text nor on a
congress's dictionary (no re-indexing when staff add a word), and a two-character query needs one
index term. (The trigram tokenizer of SQLite 3.40 cannot match one or two characters at all.)

Where the terms live (migration ``opinions.0002_search_index``):

- SQLite: the FTS5 table ``opinions_searchfts`` (``rowid`` = opinion id), written directly;
- PostgreSQL: ``opinions_searchentry(opinion_id, terms)`` with the generated column
  ``search_vector = to_tsvector('simple', terms)`` and a GIN index; a query is
  ``phraseto_tsquery('simple', …)`` (``<->`` adjacency) or ``plainto_tsquery`` for one term;
- any other database: no index; the opinion text is scanned with LIKE (correct, not fast).

An opinion is indexed when it is received (``renda.insight.api_hooks.on_opinion_received`` calls
``index_opinion``) and in bulk by the analysis pipeline (``index_rows``). The index holds only the
text; who may see what is decided by the queryset ``search`` is given
(``renda.opinions.permissions.opinions_visible_to``).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from renda.core.errors import InvalidInput
from renda.opinions.models import Opinion

QUERY_MAX_LENGTH = 100
# At most this many words (space separated) in a query.
QUERY_MAX_WORDS = 8

FTS_TABLE = "opinions_searchfts"
PG_TABLE = "opinions_searchentry"
PG_VECTOR = "search_vector"
# Rows per executemany call.
BATCH_SIZE = 50_000

# Separators end a run; inside a run an ASCII letter/digit sequence is one unit, any other word character is one.
_SEPARATORS = re.compile(r"[\W_]+")
_UNITS = re.compile(r"[0-9a-z]+|[^\W_]")
_ASCII_ALNUM = re.compile(r"[0-9a-z]")


def _normalise(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.lower()


def _runs(text: str) -> list[list[str] | str]:
    """The runs of ``text`` (normalised): a run without ASCII letters/digits is kept as a string (its characters)."""
    runs: list[list[str] | str] = []
    for run in _SEPARATORS.split(_normalise(text)):
        if not run:
            continue
        runs.append(_UNITS.findall(run) if _ASCII_ALNUM.search(run) else run)
    return runs


def terms(text: str) -> str:
    """The index document of a text: its bigrams in order, then its distinct unigrams (space separated)."""
    bigrams: list[str] = []
    unigrams: dict[str, None] = {}
    for run in _runs(text):
        if isinstance(run, str):
            bigrams.extend(run[index : index + 2] for index in range(len(run) - 1))
            unigrams.update(dict.fromkeys(run))
        else:
            bigrams.extend(first + second for first, second in itertools.pairwise(run))
            unigrams.update(dict.fromkeys(run))
    return " ".join([*bigrams, *unigrams])


def query_phrases(query: str) -> list[list[str]]:
    """Each word of the query as the index terms that must be adjacent (one term for a one-unit word).

    A word broken by punctuation (加装-电梯) gives one phrase per run; all phrases must match.
    """
    phrases: list[list[str]] = []
    for run in _runs(query):
        units = list(run)
        phrase = units if len(units) == 1 else [first + second for first, second in itertools.pairwise(units)]
        if phrase not in phrases:
            phrases.append(phrase)
    return phrases[:QUERY_MAX_WORDS]


# --- writing the index ---


def _delete_sql() -> str:
    if connection.vendor == "sqlite":
        return f"DELETE FROM {FTS_TABLE} WHERE rowid = %s"  # noqa: S608 - constant table name
    return f"DELETE FROM {PG_TABLE} WHERE opinion_id = %s"  # noqa: S608 - constant table name


def _upsert_sql() -> str:
    """Insert an entry, replacing the opinion's earlier one if there is any."""
    if connection.vendor == "sqlite":
        return f"INSERT OR REPLACE INTO {FTS_TABLE} (rowid, terms) VALUES (%s, %s)"  # noqa: S608 - constant name
    return (
        f"INSERT INTO {PG_TABLE} (opinion_id, terms) VALUES (%s, %s) "  # noqa: S608 - constant table name
        "ON CONFLICT (opinion_id) DO UPDATE SET terms = EXCLUDED.terms"
    )


def has_index() -> bool:
    return connection.vendor in {"sqlite", "postgresql"}


def index_terms(rows: Sequence[tuple[int, str]]) -> int:
    """Store already computed (opinion id, terms) pairs with raw ``executemany`` (the caller holds the transaction)."""
    if not has_index() or not rows:
        return 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_SIZE):
            cursor.executemany(_upsert_sql(), list(rows[start : start + BATCH_SIZE]))
    return len(rows)


def index_rows(rows: Iterable[tuple[int, str]]) -> int:
    """Index (opinion id, text) pairs. Returns how many were indexed."""
    if not has_index():
        return 0
    return index_terms([(opinion_id, terms(text)) for opinion_id, text in rows])


def index_opinion(opinion: Opinion) -> None:
    """(Re)index one opinion: called when it is received, in the intake transaction."""
    index_rows([(opinion.pk, opinion.text)])


def unindex(opinion_ids: Sequence[int]) -> None:
    if not has_index() or not opinion_ids:
        return
    with connection.cursor() as cursor:
        cursor.executemany(_delete_sql(), [(opinion_id,) for opinion_id in opinion_ids])


def indexed_terms(opinion_ids: Sequence[int]) -> dict[int, str]:
    """The stored index document of each of these opinions (tests and checks)."""
    if not has_index() or not opinion_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(opinion_ids))
    if connection.vendor == "sqlite":
        sql = f"SELECT rowid, terms FROM {FTS_TABLE} WHERE rowid IN ({placeholders})"  # noqa: S608
    else:
        sql = f"SELECT opinion_id, terms FROM {PG_TABLE} WHERE opinion_id IN ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(opinion_ids))
        return {int(row[0]): str(row[1]) for row in cursor.fetchall()}


def reindex(queryset: QuerySet[Opinion] | None = None, *, batch_size: int = 20_000) -> int:
    """Rebuild the entries of these opinions (default: all). Returns how many were indexed."""
    if queryset is None:
        # Everything: empty the index at once rather than row by row.
        queryset = Opinion.objects.all()
        if has_index():
            table = FTS_TABLE if connection.vendor == "sqlite" else PG_TABLE
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - constant table name
    count = 0
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", "text")[:batch_size])
        if not rows:
            return count
        count += index_rows(rows)
        last = rows[-1][0]


# --- querying ---


def clean_query(query: object) -> str:
    text = str(query or "").strip()
    if not text:
        raise InvalidInput("请输入检索词", code="required", field="q")
    if len(text) > QUERY_MAX_LENGTH:
        raise InvalidInput(
            f"检索词不能超过 {QUERY_MAX_LENGTH} 个字（现为 {len(text)} 个字）", code="too_long", field="q"
        )
    return text


def _fts_phrase(phrase: Sequence[str]) -> str:
    # Quoted FTS5 strings: no operator, column filter or NEAR() can be injected; a quoted
    # string of several terms is a phrase (adjacent, in order).
    return '"' + " ".join(phrase).replace('"', '""') + '"'


def matching_ids_sql(phrases: Sequence[Sequence[str]]) -> tuple[str, list[str]]:
    """SQL selecting the ids of the opinions whose text contains every phrase."""
    if connection.vendor == "sqlite":
        match = " AND ".join(_fts_phrase(phrase) for phrase in phrases)
        return f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [match]  # noqa: S608
    if connection.vendor == "postgresql":
        tsquery = " && ".join(["phraseto_tsquery('simple'::regconfig, %s)"] * len(phrases))
        sql = f"SELECT opinion_id FROM {PG_TABLE} WHERE {PG_VECTOR} @@ ({tsquery})"  # noqa: S608
        return sql, [" ".join(phrase) for phrase in phrases]
    raise NotImplementedError(connection.vendor)


def search(queryset: QuerySet[Opinion], query: str) -> QuerySet[Opinion]:
    """The opinions of ``queryset`` (already limited to what the person may see) containing every word of ``query``.

    Newest first by id (ids grow with receipt; ``received_at`` of an imported item may be older). The id
    order lets the database walk the sorted list of matching ids backwards and stop after a page,
    where ordering by ``received_at`` makes it sort every match (0.5 s for 50,000 matches of 1,000,000).
    A blank query, or one over 100 characters, is refused (``InvalidInput`` on "q");
    a query of punctuation alone matches nothing.
    """
    text = clean_query(query)
    phrases = query_phrases(text)
    if not phrases:
        return queryset.none()
    if not has_index():
        for word in text.split():
            queryset = queryset.filter(text__icontains=word)
        return queryset.order_by("-pk")
    sql, params = matching_ids_sql(phrases)
    matching = RawSQL(sql, params)  # noqa: S611 - the words are bound parameters
    return queryset.filter(pk__in=matching).order_by("-pk")
