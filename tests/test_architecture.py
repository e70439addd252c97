"""The house rules: features register themselves, core and web name none, no circles.

The layer contracts themselves are import-linter's (``[tool.importlinter]`` in pyproject.toml,
run by ``make lint``); these tests hold what a contract cannot say.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import grimp
import pytest
from flask import Blueprint, Flask

from inkstone import create_app
from inkstone.core import features
from inkstone.core.features import Audience, Feature, NavItem
from tests.conftest import app_config

SRC = Path(__file__).resolve().parents[1] / "src" / "inkstone"
FEATURES = (
    "auth",
    "accounts",
    "profiles",
    "jobs",
    "articles",
    "feeds",
    "guestbook",
    "media",
    "search",
    "transfers",
    "notifications",
    "newsletters",
    "admin",
    "dev",
)


def test_no_module_is_part_of_a_circle_of_imports() -> None:
    graph = grimp.build_graph("inkstone")
    circles = []
    seen: set[str] = set()
    for module in sorted(graph.modules):
        if module in seen:
            continue
        # the modules that both reach ``module`` and are reached from it
        downstream = graph.find_downstream_modules(module)
        upstream = graph.find_upstream_modules(module)
        circle = downstream & upstream
        if circle:
            circles.append(sorted({module, *circle}))
            seen |= circle
    assert circles == []


def _named_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    named = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            named.add(node.module)
        elif isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
    return named


@pytest.mark.parametrize("package", ["core", "web", "i18n"])
def test_the_lower_layers_name_no_feature(package: str) -> None:
    pattern = re.compile(rf"\binkstone\.({'|'.join(FEATURES)})\b")
    endpoint = re.compile(
        rf"""["']({"|".join(FEATURES)}|feeds|account|recovery|exports|media_site)\.\w+["']"""
    )
    offenders = []
    for path in sorted((SRC / package).rglob("*")):
        if path.suffix == ".py":
            named = {m for m in _named_modules(path) if pattern.match(m)}
            offenders += [f"{path.name} imports {m}" for m in sorted(named)]
        if path.suffix in {".py", ".html"}:
            text = path.read_text()
            offenders += [f"{path.name} names {m.group(0)}" for m in endpoint.finditer(text)]
    assert offenders == []


def test_the_factory_names_each_feature_once() -> None:
    text = (SRC / "app.py").read_text()
    for feature in FEATURES:
        assert len(re.findall(rf"\b{feature}\b", text)) == 2, feature  # imported, then listed


def test_every_feature_registered_itself_in_layer_order(app: Flask) -> None:
    assert features.registry(app).features == ["i18n", *FEATURES]


def test_a_registered_feature_brings_its_pages_tasks_and_nav_items(tmp_path: Path) -> None:
    """A new feature: its package and one line in create_app (here, a call after it)."""
    app = create_app(app_config(tmp_path, f"sqlite:///{tmp_path / 'a.db'}"))
    bp = Blueprint("notes", __name__)
    bp.add_url_rule("/notes", "index", lambda: "notes")
    admin_bp = Blueprint("backroom", __name__)
    admin_bp.add_url_rule("/backroom", "index", lambda: "backroom")
    features.register(
        app,
        Feature(
            name="notes",
            site=(bp, admin_bp),
            tasks=("inkstone.core.mail",),
            beat={"tidy-notes": {"task": "inkstone.notes.tidy", "schedule": 3600}},
            nav=(
                NavItem("notes.index", "Notes", 25),
                NavItem(
                    "backroom.index",
                    "Back room",
                    26,
                    audience=Audience.SIGNED_IN,
                    scope="users:manage",
                ),
            ),
        ),
    )
    assert app.test_client().get("/notes").get_data(as_text=True) == "notes"
    assert "tidy-notes" in app.extensions["celery"].conf.beat_schedule
    with pytest.raises(RuntimeError, match="registered twice"):
        features.register(app, Feature(name="notes"))

    class Visitor:
        is_authenticated = False

    class Person:
        is_authenticated = True

        def __init__(self, scopes: set[str]) -> None:
            self.scopes = scopes

    features.registry(app).scope_check = lambda user, scope: scope in user.scopes

    def labels(user: Any) -> list[Any]:
        return [item.label for item in features.visible_nav(app, user)]

    assert "Notes" in labels(Visitor())
    assert "Back room" not in labels(Visitor())
    assert "Back room" not in labels(Person(set()))
    assert "Back room" in labels(Person({"users:manage"}))
    order = labels(Person({"users:manage"}))
    assert order.index("Notes") < order.index("Back room")


def test_the_navigation_is_built_from_the_registered_items(
    client: Any, make_user: Any, sign_in: Any
) -> None:
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('id="nav-menu"') : page.index('id="language-menu"')]
    assert re.findall(r'href="(/[^"]*)"', nav) == [
        "/",
        "/guestbook",
        "/login",
        "/register",
    ]
    sign_in(client, make_user(username="navi"))
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('id="nav-menu"') : page.index('id="language-menu"')]
    assert re.findall(r'(?:href|action)="(/[^"]*)"', nav) == [
        "/search",  # the navbar slot's search box (the search feature's)
        "/",
        "/guestbook",
        "/editor",
        "/jobs",
        "/settings",
        "/profile/navi",
        "/logout",
        "/notifications",  # the navbar_items slot's bell (the notifications feature's)
    ]


def test_every_module_of_the_bench_still_imports() -> None:
    """`make bench` is not run by CI: a module moved under it must fail here instead."""
    import importlib
    import pkgutil

    import bench

    for module in pkgutil.iter_modules(bench.__path__):
        importlib.import_module(f"bench.{module.name}")
