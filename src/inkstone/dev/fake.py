"""Demo data in English and Chinese, made through the same services the API uses."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from faker import Faker
from sqlalchemy import func, select

from inkstone.articles import comments, services
from inkstone.articles.models import Article
from inkstone.auth.models import RoleName, User
from inkstone.auth.services import register_user
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, Invalid
from inkstone.dev.activity import seed_activity
from inkstone.extensions import db
from inkstone.guestbook import services as guestbook
from inkstone.profiles.services import follow

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@inkstone.test"

TAGS_EN = [
    "python",
    "flask",
    "databases",
    "design",
    "writing",
    "travel",
    "cooking",
    "music",
    "open source",
    "devops",
    "security",
    "books",
]
TAGS_ZH = ["编程", "生活", "旅行", "读书", "美食", "摄影", "随笔", "技术"]


def _markdown(fake: Faker) -> str:
    paragraphs = [fake.paragraph(nb_sentences=5) for _ in range(random.randint(2, 5))]
    heading = fake.sentence(nb_words=4).rstrip(".")
    return f"## {heading}\n\n" + "\n\n".join(paragraphs) + "\n\n- " + "\n- ".join(fake.words(3))


def seed_guestbook(*, people: list[User], fakers: dict[str, Faker], count: int) -> int:
    """Leave ``count`` guestbook messages over the last weeks; every third one signed in."""
    now = utcnow()
    for i in range(count):
        fake = fakers["zh" if i % 2 else "en"]
        author = random.choice(people) if i % 3 == 0 else None
        lines = [fake.sentence(nb_words=random.randint(4, 12)) for _ in range(random.randint(1, 3))]
        message = guestbook.post_message(
            name=author.username if author else fake.name(),
            body="\n".join(lines),
            author=author,
        )
        message.created_at = now - timedelta(hours=(count - i) * 7, minutes=random.randint(0, 59))
    return count


def seed_demo(
    *, users: int, articles: int, password: str, seed: int, messages: int = 30
) -> dict[str, int]:
    """Create users, articles, tags, comments, favorites, follows and guestbook messages."""
    random.seed(seed)
    fakers = {"en": Faker("en_US"), "zh": Faker("zh_CN")}
    for f in fakers.values():
        f.seed_instance(seed)

    demo, created = _demo_account(password)
    people = [demo, *_new_people(users - 1, password=password, fakers=fakers)]
    follows = 0
    for user in people:
        for other in random.sample(people, k=min(5, len(people))):
            if other.id != user.id:
                follow(follower=user, followee=other)
                follows += 1

    now = utcnow()
    made: list[Article] = []
    for i in range(articles):
        lang = "zh" if i % 3 == 0 else "en"
        fake = fakers[lang]
        pool = TAGS_ZH if lang == "zh" else TAGS_EN
        article = services.create_article(
            author=random.choice(people),
            title=fake.sentence(nb_words=6).rstrip(".。"),
            description=fake.sentence(nb_words=12),
            body=_markdown(fake),
            tag_list=random.sample(pool, k=random.randint(1, 3)),
        )
        article.created_at = article.updated_at = now - timedelta(minutes=articles - i)
        made.append(article)

    favorites = comment_count = 0
    for article in made:
        for fan in random.sample(people, k=random.randint(0, min(4, len(people)))):
            favorites += services.favorite(article=article, user=fan)
        for _ in range(random.randint(0, 3)):
            fake = fakers[random.choice(["en", "zh"])]
            comments.add_comment(
                article=article, author=random.choice(people), body=fake.paragraph(nb_sentences=2)
            )
            comment_count += 1
    drafts = _seed_drafts(demo, fakers["en"]) if created else 0
    activity = (
        seed_activity(demo=demo, people=people, made=made, fake=fakers["en"]) if created else 0
    )
    signed = seed_guestbook(people=people, fakers=fakers, count=messages)
    db.session.flush()
    return {
        "users": len(people),
        "articles": len(made),
        "comments": comment_count,
        "favorites": favorites,
        "follows": follows,
        "guestbook": signed,
        "drafts": drafts,
        "activity": activity,
    }


def _demo_account(password: str) -> tuple[User, bool]:
    """Return the demo account (an admin), and whether it was made now."""
    demo = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    if demo is not None:
        return demo, False
    demo = register_user(
        username=DEMO_USERNAME,
        email=DEMO_EMAIL,
        password=password,
        role=RoleName.ADMIN,
        confirmed=True,
    )
    demo.bio = "The demo account. Signs in with the password printed by `make run`."
    return demo, True


def _new_people(count: int, *, password: str, fakers: dict[str, Faker]) -> list[User]:
    """Register ``count`` more authors, numbered after the accounts already there.

    A generated name that is taken or looks like a taken one is skipped for the next.
    """
    start = db.session.scalar(select(func.count()).select_from(User)) or 0
    people: list[User] = []
    for n in itertools.count(start):
        if len(people) == count or n > start + count * 5:
            break
        fake = fakers["zh" if n % 2 else "en"]
        try:
            with db.session.begin_nested():
                user = register_user(
                    username=f"{fake.user_name()}{n}"[:40],
                    email=f"user{n}@inkstone.test",
                    password=password,
                    confirmed=True,
                )
        except (Conflict, Invalid):
            continue
        user.bio = fake.sentence(nb_words=10)
        people.append(user)
    return people


def _seed_drafts(author: User, fake: Faker) -> int:
    """Give the demo account two unpublished drafts to find under Drafts on its profile."""
    for title in ("Notes for a talk I have not given yet", "半成品：关于墨水的随想"):
        services.create_article(
            author=author,
            title=title,
            description=fake.sentence(nb_words=10),
            body=_markdown(fake),
            tag_list=["draft-ideas"],
            published=False,
        )
    return 2
