"""Full-text search: the index of published articles and findable people.

Revision ID: 7d2e1b3c0a58
Revises: 5190d8f9602a
Create Date: 2026-12-07 04:00:00

The index holds the terms the segmenter cut (``inkstone.search.segment``), so both databases
search the same words. SQLite: FTS5 tables whose rowid is the article's or person's id and
whose ``unicode61`` tokenizer only splits the terms on their spaces (they are already folded,
so no diacritics are removed twice); ``chars`` holds every Han character (a one-character query)
and ``filters`` a token per tag and author (filtered searches and their counts need no join). PostgreSQL: a ``tsvector`` per row, built from the same
terms with their weights and positions, under a GIN index; rows go with their article or
person (ON DELETE CASCADE). ``search_state`` records each part's last write.

The events add and refresh documents after each commit; taking one out is the database's
own work, in the transaction that does it: triggers remove an article's document when it
stops being published (a draft again, hidden) or is deleted, and a person's when they are
suspended or deleted, so nothing leaves public view without leaving the index with it.
The index is filled by ``flask search reindex`` (``make run`` runs it when it is empty).
"""

import sqlalchemy as sa
from alembic import op

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision = "7d2e1b3c0a58"
down_revision = "5190d8f9602a"
branch_labels = None
depends_on = None

TOKENIZE = "tokenize = 'unicode61 remove_diacritics 0'"
HIDDEN_STATUSES = "('suspended', 'deleted')"
# (trigger, table, event, condition, index, key): a row that leaves public view leaves the index.
REMOVALS = (
    ("search_articles_unpublished", "articles", "UPDATE OF published",
     "OLD.published AND NOT NEW.published", "search_articles", "article_id"),
    ("search_people_hidden", "users", "UPDATE OF status",
     f"NEW.status IN {HIDDEN_STATUSES}", "search_people", "user_id"),
)  # fmt: skip
SQLITE_DELETES = (("articles", "search_articles"), ("users", "search_people"))


def upgrade() -> None:
    op.create_table(
        "search_state",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_search_state")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for name, key, parent in (
            ("search_articles", "article_id", "articles"),
            ("search_people", "user_id", "users"),
        ):
            op.execute(
                f"CREATE TABLE {name} ("
                f" {key} BIGINT PRIMARY KEY REFERENCES {parent} (id) ON DELETE CASCADE,"
                " document TSVECTOR NOT NULL)"
            )
            op.execute(f"CREATE INDEX ix_{name}_document ON {name} USING GIN (document)")
        for trigger, table, event, condition, index, key in REMOVALS:
            op.execute(
                f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN DELETE FROM {index} WHERE {key} = OLD.id; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {trigger} AFTER {event} ON {table} FOR EACH ROW"
                f" WHEN ({condition}) EXECUTE FUNCTION {trigger}()"
            )
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_articles USING fts5("
        f"title, description, body, tags, author, chars, filters, {TOKENIZE})"
    )
    op.execute(f"CREATE VIRTUAL TABLE search_people USING fts5(username, bio, {TOKENIZE})")
    for trigger, table, event, condition, index, _key in REMOVALS:
        op.execute(
            f"CREATE TRIGGER {trigger} AFTER {event} ON {table} WHEN {condition}"
            f" BEGIN DELETE FROM {index} WHERE rowid = OLD.id; END"
        )
    for table, index in SQLITE_DELETES:
        op.execute(
            f"CREATE TRIGGER {index}_deleted AFTER DELETE ON {table}"
            f" BEGIN DELETE FROM {index} WHERE rowid = OLD.id; END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for trigger, table, *_ in REMOVALS:
        op.execute(f"DROP TRIGGER {trigger}" + (f" ON {table}" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {trigger}()")
    if not postgres:
        for _table, index in SQLITE_DELETES:
            op.execute(f"DROP TRIGGER {index}_deleted")
    op.execute("DROP TABLE search_people")
    op.execute("DROP TABLE search_articles")
    op.drop_table("search_state")
