"""Every user-visible string is translated, and the catalogs are current with the source."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from inkstone.i18n import catalogs


def test_every_catalog_is_complete_current_and_compiled():
    problems = catalogs.check()
    assert problems == [], (
        "run `flask translate update`, translate, then `flask translate compile`:\n"
        + "\n".join(problems[:50])
    )


def test_the_source_has_strings_to_translate():
    # guards the check above against an extraction that silently finds nothing
    assert len([m for m in catalogs.extract() if m.id]) > 100


def test_chinese_pages_are_served_in_chinese(app, client):
    with app.test_request_context("/"), force_locale("zh_CN"):
        assert gettext("Page not found") != "Page not found"
    response = client.get("/no/such/page", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert '<html lang="zh-CN"' in body
    assert "Page not found" not in body
