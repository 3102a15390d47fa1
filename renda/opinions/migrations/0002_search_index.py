"""Full-text index over the opinions' text (see renda/opinions/search.py): no model, raw tables.

SQLite: the FTS5 table opinions_searchfts (rowid = opinion id) holding each opinion's bigrams and
unigrams, written by renda.opinions.search (no triggers: the terms are computed in Python).
PostgreSQL: opinions_searchentry(opinion_id, terms) with a stored generated tsvector
('simple' config, one lexeme per term, positions kept for phrase queries) and a GIN index.
No foreign key: a flush (TRUNCATE) of opinions must not need to know this table, and every
search joins the entries to the opinions the person may see, so an orphan entry is never shown.
Other databases get nothing (search scans the text with LIKE).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS opinions_searchfts USING fts5(terms, tokenize='unicode61 remove_diacritics 0')",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS opinions_searchfts"]

POSTGRES_FORWARD = [
    "CREATE TABLE IF NOT EXISTS opinions_searchentry (opinion_id bigint PRIMARY KEY, terms text NOT NULL, "
    "search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED)",
    "CREATE INDEX IF NOT EXISTS opinions_searchentry_tsv ON opinions_searchentry USING gin (search_vector)",
]
POSTGRES_BACKWARD = ["DROP TABLE IF EXISTS opinions_searchentry"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("opinions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
