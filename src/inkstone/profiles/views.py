"""Web pages for blocking people: confirm a block, unblock, the list of people you blocked.

The profile page (``articles/profile.html``) links to the confirmation page; the settings
page links to the list through its ``settings`` slot. Buttons are CSRF POST forms that call
the services, commit once and redirect back with a flash message.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from inkstone.auth import services as auth_services
from inkstone.auth.models import User
from inkstone.auth.signin import web_user
from inkstone.core.errors import Invalid
from inkstone.extensions import db
from inkstone.profiles import services
from inkstone.web.redirects import safe_next

bp = Blueprint("profiles", __name__, template_folder="templates")


def _me() -> User:
    user = web_user()
    assert user is not None  # login_required
    return user


@bp.route("/profile/<username>/block", methods=["GET", "POST"])
@login_required
def block(username: str) -> ResponseReturnValue:
    """Ask to confirm (GET), then block (POST) someone: it also ends your follows, both ways."""
    me = _me()
    person = auth_services.get_user_by_username(username=username)
    profile_url = url_for("articles.profile", username=person.username)
    if request.method == "GET":
        already = services.is_blocked(blocker_id=me.id, blocked_id=person.id)
        return render_template(
            "profiles/block.html", person=person, already=already, back=profile_url
        )
    try:
        services.block(blocker=me, blocked=person)
    except Invalid:
        flash(_("You can't block yourself."), "error")
        return redirect(profile_url)
    db.session.commit()
    flash(
        _(
            "You blocked %(name)s. They can't follow you, and you won't be notified of them.",
            name=person.username,
        ),
        "success",
    )
    return redirect(safe_next(request.form.get("next"), default=profile_url))


@bp.post("/profile/<username>/unblock")
@login_required
def unblock(username: str) -> ResponseReturnValue:
    """Unblock someone (your follows are not restored)."""
    person = auth_services.get_user_by_username(username=username)
    services.unblock(blocker=_me(), blocked=person)
    db.session.commit()
    flash(_("You unblocked %(name)s.", name=person.username), "success")
    default = url_for("articles.profile", username=person.username)
    return redirect(safe_next(request.form.get("next"), default=default))


@bp.get("/settings/blocked")
@login_required
def blocked() -> ResponseReturnValue:
    """List the people you blocked, latest first, each with an Unblock button."""
    return render_template(
        "profiles/blocked.html",
        people=services.blocked_people(user=_me()),
        limit=services.BLOCKED_LIST_MAX,
    )
