"""Full-text index over SearchEntry.tokens (see renda/suggestions/search.py).

SQLite: an FTS5 table with SearchEntry as its external content, kept in sync by triggers.
PostgreSQL: a GIN index on to_tsvector('simple', tokens), stored in the generated column
search_vector. Other databases get nothing (search falls back to LIKE).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS suggestions_searchfts USING fts5("
    "tokens, content='suggestions_searchentry', content_rowid='suggestion_id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER IF NOT EXISTS suggestions_searchentry_ai AFTER INSERT ON suggestions_searchentry BEGIN "
    "INSERT INTO suggestions_searchfts(rowid, tokens) VALUES (new.suggestion_id, new.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS suggestions_searchentry_ad AFTER DELETE ON suggestions_searchentry BEGIN "
    "INSERT INTO suggestions_searchfts(suggestions_searchfts, rowid, tokens) "
    "VALUES ('delete', old.suggestion_id, old.tokens); END",
    "CREATE TRIGGER IF NOT EXISTS suggestions_searchentry_au AFTER UPDATE ON suggestions_searchentry BEGIN "
    "INSERT INTO suggestions_searchfts(suggestions_searchfts, rowid, tokens) "
    "VALUES ('delete', old.suggestion_id, old.tokens); "
    "INSERT INTO suggestions_searchfts(rowid, tokens) VALUES (new.suggestion_id, new.tokens); END",
    "INSERT INTO suggestions_searchfts(suggestions_searchfts) VALUES ('rebuild')",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS suggestions_searchentry_au",
    "DROP TRIGGER IF EXISTS suggestions_searchentry_ad",
    "DROP TRIGGER IF EXISTS suggestions_searchentry_ai",
    "DROP TABLE IF EXISTS suggestions_searchfts",
]

# The tsvector is stored (a generated column Django does not know about) so that a query whose
# words are in most items, where the planner rightly prefers a sequential scan, does not
# recompute to_tsvector for every row: 100,000 entries take ~60 ms instead of ~2 s.
POSTGRES_FORWARD = [
    "ALTER TABLE suggestions_searchentry ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, tokens)) STORED",
    "CREATE INDEX IF NOT EXISTS suggestions_searchentry_tsv ON suggestions_searchentry USING gin (search_vector)",
]

POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS suggestions_searchentry_tsv",
    "ALTER TABLE suggestions_searchentry DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor, [])
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("suggestions", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
