"""The benchmark database: the real migrations, then bulk Core inserts; cached per size.

SQLite (the default) lives in ``bench/.data/sqlite-a<articles>-u<users>/inkstone.db``, an
instance directory the servers are pointed at. With ``DATABASE_URL`` set, the rows go into that
database instead and the directory only keeps the metadata and the development secret.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import json
import os
import random
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flask_migrate
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)

from bench import generate, search_index
from inkstone.app import create_app
from inkstone.articles.models import (
    PUBLISHED_ARTICLES,
    Article,
    Comment,
    Favorite,
    Tag,
    article_tags,
)
from inkstone.auth.models import Role, User, user_roles
from inkstone.auth.passwords import hash_password
from inkstone.core.config import Settings
from inkstone.core.db import tune_sqlite
from inkstone.core.db.counters import Counter
from inkstone.extensions import db
from inkstone.notifications.models import Notification
from inkstone.profiles.models import Follow

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"
DATA_DIR = Path(__file__).resolve().parent / ".data"
PASSWORD = "inkstone-bench"
FORMAT = 8  # bump when the generated data changes, to invalidate cached databases
BATCH = 5_000
FAVORITE_SLUGS = 20_000  # articles the favorite benchmark cycles through
BENCH_DOMAIN = "@bench.inkstone.test"


class DatasetError(RuntimeError):
    """The dataset cannot be built or used."""


@dataclass(frozen=True)
class Dataset:
    """A built dataset and the handles the benchmarks need."""

    instance: str
    backend: str
    articles: int
    users: int
    counts: dict[str, int]
    build_seconds: float
    article_slug: str
    popular_tag: str
    reader_email: str
    writer_email: str
    writer_id: int
    password: str
    migration_head: str
    format: int = FORMAT
    render_version: int | None = None  # the Markdown renderer that filled body_html
    drafts: int = 0  # drafts of one followed author, newer than every published article
    admin_email: str = ""  # an author who also holds the admin role (the dashboard's viewer)
    search_index_seconds: float = 0.0  # the app's own full rebuild of the search index
    search_index_bytes: int = 0  # the index's size on disk, as ``flask search status`` gives it
    # What the index holds and the words the search benchmarks ask for (``search_index``).
    search: dict[str, Any] = field(default_factory=dict)

    @property
    def favorite_slugs(self) -> Path:
        """Return the file listing the slugs the favorite benchmark posts to."""
        return Path(self.instance) / "favorite-slugs.txt"

    @property
    def database_url(self) -> str:
        """Return the database URL the app uses for this instance directory."""
        return database_url(Path(self.instance))


def database_url(instance: Path) -> str:
    """Return the SQLAlchemy URL the app computes for ``instance`` (honours DATABASE_URL)."""
    settings = Settings.load({"INSTANCE_PATH": str(instance)})
    return str(settings.flask_config()["SQLALCHEMY_DATABASE_URI"])


def _env_database_url() -> str:
    return os.environ.get("INKSTONE_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""


def instance_dir(*, articles: int, users: int, drafts: int = 0) -> Path:
    """Return the cache directory of a dataset of this size for the configured database."""
    url = _env_database_url()
    key = "sqlite" if not url else "db-" + hashlib.sha1(url.encode()).hexdigest()[:10]
    return DATA_DIR / (f"{key}-a{articles}-u{users}" + (f"-d{drafts}" if drafts else ""))


def migration_head() -> str:
    """Return the single head revision of the project's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ",".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def ensure(
    *, articles: int, users: int, drafts: int = 0, rebuild: bool = False
) -> tuple[Dataset, bool]:
    """Return the dataset of this size, building it unless a valid cached copy exists."""
    if users < 25:
        raise DatasetError("--users must be at least 25 (the feed viewer follows 20 authors)")
    if articles < 1:
        raise DatasetError("--articles must be at least 1")
    if drafts < 0:
        raise DatasetError("--drafts must not be negative")
    final = instance_dir(articles=articles, users=users, drafts=drafts)
    meta_path = final / "meta.json"
    if not rebuild and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT:
            problem: str | None = "generator format changed"
        else:
            dataset = Dataset(**meta)
            problem = _stale(dataset)
            if problem is None:
                return dataset, False
        print(f"bench: cached dataset in {final} is stale ({problem}); rebuilding")
    return build(final, articles=articles, users=users, drafts=drafts), True


def _stale(dataset: Dataset) -> str | None:
    head = migration_head()
    if dataset.migration_head != head:
        return f"migrations moved to {head}"
    if dataset.render_version != render_version():
        return f"the Markdown renderer moved to version {render_version()}"
    engine = connect(dataset.database_url)
    try:
        with engine.connect() as conn:
            version = conn.scalar(text("SELECT version_num FROM alembic_version"))
            published = conn.scalar(select(Counter.value).where(Counter.name == PUBLISHED_ARTICLES))
            n_users = conn.scalar(select(func.count()).select_from(User))
            n_drafts = conn.scalar(
                select(func.count()).select_from(Article).where(Article.published.is_(False))
            )
    except Exception as exc:  # a missing file or table means the cache is unusable
        return f"cannot read it: {exc.__class__.__name__}"
    finally:
        engine.dispose()
    if version != head:
        return f"database at revision {version}"
    if (published, n_users, n_drafts) != (dataset.articles, dataset.users, dataset.drafts):
        return "row counts changed"
    return None


def connect(url: str) -> Engine:
    """Return an engine tuned as the app tunes its own (WAL, busy timeout on SQLite)."""
    engine = create_engine(url)
    tune_sqlite(engine)
    return engine


def build(final: Path, *, articles: int, users: int, drafts: int = 0) -> Dataset:
    """Build a dataset into ``final`` (via a temporary directory) and return it."""
    started = time.perf_counter()
    work = final.with_name(final.name + ".building")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(
        f"bench: building {articles:,} articles / {users:,} users / {drafts:,} drafts in {final} …",
        flush=True,
    )
    url = _migrate(work)
    engine = _bulk_engine(url)
    try:
        with engine.begin() as conn:
            picks = _load(conn, articles=articles, users=users)
            _load_drafts(conn, count=drafts, first_id=articles + 1, popular=picks["popular_tag"])
        _finish(engine)
        counts = _verify(engine)
    finally:
        engine.dispose()
    knowledge = picks.pop("knowledge")
    try:
        index = search_index.build(
            work,
            knowledge,
            published=counts["articles"] - counts["drafts"],
            users=counts["users"],
            popular_tag=picks["popular_tag"],
        )
    except search_index.IndexProblem as exc:
        raise DatasetError(str(exc)) from exc
    (work / "favorite-slugs.txt").write_text("\n".join(picks.pop("favorite_slugs")) + "\n")
    seconds = round(time.perf_counter() - started, 1)
    dataset = Dataset(
        instance=str(final),
        backend=url.split(":", 1)[0],
        articles=articles,
        users=users,
        counts=counts,
        build_seconds=seconds,
        password=PASSWORD,
        reader_email=generate.email(generate.READER_INDEX),
        writer_email=generate.email(generate.WRITER_INDEX),
        writer_id=generate.WRITER_INDEX + 1,
        admin_email=generate.email(generate.ADMIN_INDEX),
        migration_head=migration_head(),
        render_version=render_version(),
        drafts=drafts,
        search_index_seconds=index.pop("index_seconds"),
        search_index_bytes=index.pop("index_bytes"),
        search=index,
        **picks,
    )
    (work / "meta.json").write_text(json.dumps(asdict(dataset), indent=2) + "\n")
    shutil.rmtree(final, ignore_errors=True)
    work.rename(final)
    print(f"bench: dataset built in {seconds:.1f} s: {counts}", flush=True)
    return dataset


def _migrate(work: Path) -> str:
    """Create the schema with the project's migrations; return the database URL."""
    app = create_app({"INSTANCE_PATH": str(work)})
    with app.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
        if db.engine.dialect.name != "sqlite":
            _wipe_external(db.engine)
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        db.engine.dispose()
    return url


def _wipe_external(engine: Engine) -> None:
    """Empty a DATABASE_URL database, refusing one that holds anything but bench data."""
    with engine.connect() as conn:
        has_schema = engine.dialect.has_table(conn, "alembic_version")
        if not has_schema:
            if engine.dialect.get_table_names(conn):
                raise DatasetError("DATABASE_URL holds tables but no migrations; use an empty db")
            return
        foreign = conn.scalar(
            select(func.count()).select_from(User).where(~User.email.endswith(BENCH_DOMAIN))
        )
    if foreign:
        raise DatasetError(
            f"DATABASE_URL holds {foreign} non-benchmark users; point it at an empty database"
        )
    flask_migrate.downgrade(directory=str(MIGRATIONS), revision="base")


def _bulk_engine(url: str) -> Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _fast(dbapi_connection: Any, _record: Any) -> None:
            # A throw-away build: no journal, no fsync; WAL is switched back on at the end.
            for pragma in (
                "journal_mode=OFF",
                "synchronous=OFF",
                "cache_size=-524288",
                "temp_store=MEMORY",
                "foreign_keys=OFF",
            ):
                dbapi_connection.execute(f"PRAGMA {pragma}")

    return engine


def _insert(conn: Connection, table: Table, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    it: Iterator[dict[str, Any]] = iter(rows)
    while batch := list(itertools.islice(it, BATCH)):
        conn.execute(table.insert(), batch)
        count += len(batch)
    return count


def _load(conn: Connection, *, articles: int, users: int) -> dict[str, Any]:
    """Insert every row and set every denormalised counter; return the benchmark handles."""
    middle = max(1, articles // 2)  # the article the single-article benchmarks read
    gen = generate.ArticleGenerator(
        n_articles=articles,
        n_users=users,
        newest=generate.newest_time(),
        encode_tag_names=_tag_names_encoder(),
        render_body=_body_renderer(),
        featured_id=middle,
    )
    start = gen.clock
    rows = generate.users(users, password_hash=hash_password(PASSWORD), start=start)
    _insert(conn, User.__table__, rows)  # type: ignore[arg-type]
    role_id = conn.scalar(select(Role.id).where(Role.name == "author"))
    _insert(conn, user_roles, ({"user_id": i + 1, "role_id": role_id} for i in range(users)))
    admin_role = conn.scalar(select(Role.id).where(Role.name == "admin"))
    conn.execute(user_roles.insert(), {"user_id": generate.ADMIN_INDEX + 1, "role_id": admin_role})
    _insert(conn, Follow.__table__, generate.follows(users, when=start))  # type: ignore[arg-type]
    _insert(conn, Notification.__table__, generate.notifications(users, when=start))  # type: ignore[arg-type]
    _insert(conn, Tag.__table__, generate.tags(when=start))  # type: ignore[arg-type]

    wanted = set(random.Random(4).sample(range(1, articles + 1), k=min(FAVORITE_SLUGS, articles)))
    favorite_slugs: list[str] = []
    article_slug = ""
    for arts, links, favs, comments in gen.batches(BATCH):
        conn.execute(Article.__table__.insert(), arts)
        conn.execute(article_tags.insert(), links)
        if favs:
            conn.execute(Favorite.__table__.insert(), favs)
        if comments:
            conn.execute(Comment.__table__.insert(), comments)
        for row in arts:
            if row["id"] in wanted:
                favorite_slugs.append(str(row["slug"]))
            if row["id"] == middle:
                article_slug = str(row["slug"])
        if gen.totals.articles % 100_000 < BATCH and articles >= 200_000:
            print(f"bench:   {gen.totals.articles:,} articles", flush=True)

    totals = gen.totals
    users_t, tags_t = User.__table__, Tag.__table__
    conn.execute(
        users_t.update()
        .where(users_t.c.id == bindparam("uid"))
        .values(articles_count=bindparam("ac"), favorites_count=bindparam("fc")),
        [
            {"uid": i + 1, "ac": totals.user_articles[i], "fc": totals.user_favorites[i]}
            for i in range(users)
        ],
    )
    conn.execute(
        tags_t.update()
        .where(tags_t.c.id == bindparam("tid"))
        .values(articles_count=bindparam("n")),
        [{"tid": i + 1, "n": n} for i, n in enumerate(totals.tag_articles)],
    )
    counters_t = Counter.__table__
    done = conn.execute(
        counters_t.update().where(counters_t.c.name == PUBLISHED_ARTICLES).values(value=articles)
    )
    if done.rowcount == 0:
        conn.execute(counters_t.insert().values(name=PUBLISHED_ARTICLES, value=articles))
    random.Random(5).shuffle(favorite_slugs)
    popular = max(range(len(generate.TAGS)), key=totals.tag_articles.__getitem__)
    return {
        "article_slug": article_slug,
        "popular_tag": generate.TAGS[popular],
        "favorite_slugs": favorite_slugs,
        "knowledge": search_index.Knowledge.of(gen),
    }


def _load_drafts(conn: Connection, *, count: int, first_id: int, popular: str) -> None:
    """Insert ``count`` drafts by an author the feed's reader follows, tagged ``popular``.

    They are newer than every published article, as a large import of drafts would be:
    the worst case for lists that walk the date index (no public page may show them).
    """
    if not count:
        return
    reader_id = generate.READER_INDEX + 1
    author_id = conn.scalar(
        select(func.min(Follow.followee_id)).where(Follow.follower_id == reader_id)
    )
    tag_id = conn.scalar(select(Tag.id).where(Tag.name == popular))
    newest = conn.scalar(select(func.max(Article.created_at)))
    columns: dict[str, object] = {}
    encode, render = _tag_names_encoder(), _body_renderer()
    if encode is not None:
        columns["tag_names"] = encode([popular])
    if render is not None:
        columns.update(render("", generate.DRAFT_BODY))
    for arts, links in generate.drafts(
        count, first_id=first_id, author_id=author_id, tag_id=tag_id, after=newest, batch=BATCH
    ):
        conn.execute(Article.__table__.insert(), [{**row, **columns} for row in arts])
        conn.execute(article_tags.insert(), links)
        if (arts[-1]["id"] - first_id) % 100_000 < BATCH and count >= 200_000:
            print(f"bench:   {arts[-1]['id'] - first_id + 1:,} drafts", flush=True)


def _tag_names_encoder() -> Callable[[list[str]], str] | None:
    """Return how the app caches an article's tag names on its row, if the schema has them."""
    if "tag_names" not in Article.__table__.c:
        return None
    from inkstone.articles.tags import encode_names

    return lambda names: str(encode_names(SimpleNamespace(name=n) for n in names))


def render_version() -> int | None:
    """Return the version of the renderer whose HTML the app stores, if the schema has it."""
    if "body_html" not in Article.__table__.c:
        return None
    from inkstone.articles import markdown

    return int(markdown.RENDER_VERSION)


def _body_renderer() -> Callable[[str, str], dict[str, object]] | None:
    """Return how the app stores an article's rendered body on its row, if the schema has it.

    The services render Markdown when an article is written, so pages never do on a read;
    bulk inserts bypass them, so the same columns are filled here. A body is an opening
    sentence of plain words (its own to each article) and one of a pool of bodies: each
    distinct pooled body is rendered once, the sentence is a paragraph as Markdown makes it
    (``_verify_html`` checks a sample of whole bodies against the renderer).
    """
    version = render_version()
    if version is None:
        return None
    from inkstone.articles import markdown

    rendered: dict[str, str] = {}

    def columns(lead: str, body: str) -> dict[str, object]:
        if body not in rendered:
            rendered[body] = markdown.render(body)
        lead_html = f"<p>{html.escape(lead, quote=False)}</p>\n" if lead else ""
        return {"body_html": lead_html + rendered[body], "body_html_version": version}

    return columns


def _finish(engine: Engine) -> None:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
            return
        # Explicit ids bypassed the sequences; move them past the rows, then refresh statistics.
        for table in ("users", "tags", "articles", "comments"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
        conn.commit()
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def _verify(engine: Engine) -> dict[str, int]:
    """Check that every counter agrees with the rows it counts; return the row counts."""

    def one(sql: str) -> int:
        return int(conn.scalar(text(sql)) or 0)

    with engine.connect() as conn:
        counts = {
            name: one(f"SELECT count(*) FROM {name}")
            for name in (
                "users",
                "articles",
                "tags",
                "article_tags",
                "favorites",
                "follows",
                "comments",
            )
        }
        counts["drafts"] = one("SELECT count(*) FROM articles WHERE NOT published")
        published = counts["articles"] - counts["drafts"]
        published_links = one("SELECT count(*) FROM article_tags WHERE published")
        checks = {
            "articles.published": (
                one(f"SELECT value FROM counters WHERE name = '{PUBLISHED_ARTICLES}'"),
                published,
            ),
            "users.articles_count": (
                one("SELECT sum(articles_count) FROM users"),
                published,
            ),
            "users.favorites_count": (
                one("SELECT sum(favorites_count) FROM users"),
                counts["favorites"],
            ),
            "articles.favorites_count": (
                one("SELECT sum(favorites_count) FROM articles"),
                counts["favorites"],
            ),
            "tags.articles_count": (
                one("SELECT sum(articles_count) FROM tags"),
                published_links,
            ),
        }
        checks.update(_dashboard_checks(one, counts, published))
        if "tag_names" in Article.__table__.c:  # the cached names: every article has a tag
            checks["articles.tag_names"] = (
                one("SELECT count(*) FROM articles WHERE tag_names = '[]'"),
                0,
            )
        if render_version() is not None:  # the stored HTML: every article has current HTML
            checks["articles.body_html"] = (
                one(
                    "SELECT count(*) FROM articles WHERE body_html IS NULL "
                    f"OR body_html_version != {render_version()}"
                ),
                0,
            )
            checks["articles.body_html as rendered"] = (_html_mismatches(conn), 0)
    wrong = {name: pair for name, pair in checks.items() if pair[0] != pair[1]}
    if wrong:
        raise DatasetError(f"counters disagree with rows (counter, rows): {wrong}")
    return counts


def _html_mismatches(conn: Connection, sample: int = 200) -> int:
    """Return how many of a sample of articles store other HTML than the renderer gives.

    The build puts together each article's HTML from parts (see ``_body_renderer``); this
    renders a spread of whole bodies as the app would, and compares.
    """
    from inkstone.articles import markdown

    last = int(conn.scalar(text("SELECT max(id) FROM articles")) or 0)
    ids = list(range(1, last + 1, max(1, last // sample)))
    rows = conn.execute(select(Article.body, Article.body_html).where(Article.id.in_(ids))).all()
    return sum(1 for body, stored in rows if markdown.render(body) != stored)


def _dashboard_checks(
    one: Callable[[str], int], counts: dict[str, int], published: int
) -> dict[str, tuple[int, int]]:
    """Return the dashboard's trigger-kept numbers beside the rows they count.

    The bulk inserts go through the migration's triggers like any other write, so the
    ``stats.…`` counters and the daily roll-ups must agree with the rows without being set.
    """

    def counter(name: str) -> int:
        return one(f"SELECT coalesce(sum(value), 0) FROM counters WHERE name = 'stats.{name}'")

    def daily(metric: str) -> int:
        return one(f"SELECT coalesce(sum(count), 0) FROM daily_counts WHERE metric = '{metric}'")

    return {
        "stats.users.active": (counter("users.active"), counts["users"]),
        "stats.articles.published": (counter("articles.published"), published),
        "stats.articles.drafts": (counter("articles.drafts"), counts["drafts"]),
        "stats.comments": (counter("comments"), counts["comments"]),
        "daily_counts.signups": (daily("signups"), counts["users"]),
        "daily_counts.articles": (daily("articles"), published),
        "daily_counts.comments": (daily("comments"), counts["comments"]),
        "admins": (
            one(
                "SELECT count(*) FROM user_roles JOIN roles ON roles.id = user_roles.role_id "
                "WHERE roles.name = 'admin'"
            ),
            1,
        ),
    }
