"""``flask dev seed`` leaves guestbook messages too, in English and Chinese, once."""

from __future__ import annotations

import re

from sqlalchemy import select

from inkstone.extensions import db
from inkstone.guestbook.models import GuestbookMessage
from tests.conftest import count_rows

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_seed_leaves_guestbook_messages_once(app, client, cli_runner):
    args = ["dev", "seed", "--if-empty", "--users", "3", "--articles", "2", "--messages", "12"]
    first = cli_runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "12 guestbook messages" in first.output
    with app.app_context():
        messages = list(db.session.scalars(select(GuestbookMessage)))
        assert len(messages) == 12
        assert any(CJK.search(m.body) for m in messages), "no Chinese messages"
        assert any(m.body.isascii() for m in messages), "no English messages"
        signed = [m for m in messages if m.author is not None]
        assert 0 < len(signed) < len(messages)  # some by users, some by visitors
        assert all(m.name == m.author.username for m in signed)

    second = cli_runner.invoke(args=args)
    assert second.exit_code == 0, second.output
    assert "already present" in second.output
    with app.app_context():
        assert count_rows(GuestbookMessage) == 12

    html = client.get("/guestbook").get_data(as_text=True)
    assert "12 messages" in html
    assert 'href="/profile/' in html
