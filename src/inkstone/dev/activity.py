"""Demo activity around the demo account: notifications, a newsletter, scheduled articles.

Made through the services, in the seed's transaction: once ``flask dev seed`` commits, the
subscribers turn the comments, follows, favorites, the moderation and the report into
notifications, exactly as they would on a live site.
"""

from __future__ import annotations

import random
from datetime import timedelta

from faker import Faker

from inkstone.admin.models import ReportTarget, Resolution
from inkstone.admin.report_services import file_report, resolve_report
from inkstone.articles import comments, moderation, services
from inkstone.articles.models import Article
from inkstone.auth.models import User
from inkstone.core.db import utcnow
from inkstone.newsletters import services as newsletters
from inkstone.notifications import services as notifications

# The generated people (addresses nobody reads) take the day's comments in one digest
# rather than a mail each: the first `make run` would otherwise print hundreds of mails.
QUIET = {"comment": "digest", "mention": "digest", "moderation": "digest"}


def seed_activity(*, demo: User, people: list[User], made: list[Article], fake: Faker) -> int:
    """Give the demo account things to be told about and to schedule; return how many acts."""
    others = [person for person in people if person.id != demo.id]
    if len(others) < 6:
        return 0
    for person in others:
        notifications.set_preferences(user=person, choices=QUIET)
    notifications.set_preferences(user=demo, choices={"follow": "digest"})
    acts = 0
    own = [article for article in made if article.author_id == demo.id] or [
        services.create_article(
            author=demo,
            title="Why I keep a notebook",
            description=fake.sentence(nb_words=10),
            body=fake.paragraph(nb_sentences=6),
            tag_list=["writing"],
        )
    ]
    for fan in others[:5]:  # "… and 4 others favorited"
        acts += services.favorite(article=own[0], user=fan)
    comments.add_comment(
        article=own[0], author=others[0], body="Lovely piece. I keep one too, since school."
    )
    elsewhere = next(article for article in made if article.author_id != demo.id)
    comments.add_comment(
        article=elsewhere,
        author=others[1],
        body=f"@{demo.username} you wrote about this last month, didn't you?",
    )
    for reader in others[:3]:  # confirmed at once: their account addresses are confirmed
        newsletters.subscribe(author=demo, email=reader.email, locale=reader.locale, user=reader)
    acts += 5
    acts += _moderation(demo=demo, others=others, made=made)
    now = utcnow()
    for title, later in (
        ("Coming up: a week of writing in the mountains", timedelta(minutes=10)),
        ("下个月的读书清单", timedelta(days=3)),
    ):
        services.create_article(
            author=demo,
            title=title,
            description=fake.sentence(nb_words=10),
            body=fake.paragraph(nb_sentences=5),
            tag_list=["writing"],
            published=False,
            publish_at=now + later,
        )
        acts += 1
    return acts


def _moderation(*, demo: User, others: list[User], made: list[Article]) -> int:
    """A hidden article and a resolved report, so their notifications are there to see."""
    theirs = [a for a in made if a.author_id not in (demo.id, others[2].id) and a.published]
    if len(theirs) < 2:
        return 0
    hidden, reported = random.sample(theirs, k=2)
    moderation.hide_article(
        article=hidden, actor=demo, reason="Copied from another site without credit."
    )
    report = file_report(
        reporter=others[2],
        target=ReportTarget.ARTICLE,
        key=reported.slug,
        reason="Looks like an advertisement.",
    )
    resolve_report(
        report=report,
        actor=demo,
        action=Resolution.DISMISS,
        note="We read it: it is a review, not an advertisement.",
    )
    return 2
