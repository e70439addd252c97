"""Notification pages: the list, read marks, opening one, and the preferences."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField

from inkstone.auth.signin import signed_in_web_user
from inkstone.extensions import db
from inkstone.notifications import live, services, text
from inkstone.notifications.models import Channel, Kind
from inkstone.web.paging import requested_page

bp = Blueprint("notifications", __name__, template_folder="templates")

PER_PAGE = 20
CHANNEL_LABELS: dict[Channel, Any] = {
    Channel.SITE: _l("On the site"),
    Channel.EMAIL: _l("On the site and by email at once"),
    Channel.DIGEST: _l("On the site and in a daily email digest"),
    Channel.OFF: _l("Off"),
}


class PreferencesForm(FlaskForm):
    """One choice per kind (its fields are added below, one per ``Kind``)."""


for _kind in Kind:
    setattr(
        PreferencesForm,
        _kind.value,
        SelectField(
            text.KIND_LABELS[_kind],
            choices=[
                SelectChoice(channel.value, label) for channel, label in CHANNEL_LABELS.items()
            ],
        ),
    )


def _after_reading(user_id: int) -> None:
    """Commit the read marks and tell the reader's other tabs (their bells)."""
    db.session.commit()
    live.announce([user_id])


@bp.get("/notifications")
@login_required
def index() -> ResponseReturnValue:
    """List your notifications, newest first, the unread ones marked."""
    user = signed_in_web_user()
    number, page = requested_page(PER_PAGE)
    views, total = services.list_notifications(user=user, page=page)
    if number > 1 and not views:
        abort(404)
    return render_template(
        "notifications/index.html",
        notifications=views,
        total=total,
        page=number,
        per_page=PER_PAGE,
        unread=services.unread_count(user_id=user.id),
        sentence=text.sentence,
        target=text.target,
    )


@bp.post("/notifications/read")
@login_required
def read_all() -> ResponseReturnValue:
    """Mark all your notifications read."""
    user = signed_in_web_user()
    done = services.mark_read(user=user)
    _after_reading(user.id)
    if done:
        flash(_("All your notifications are marked read."), "info")
    return redirect(url_for("notifications.index"), code=303)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_one(notification_id: int) -> ResponseReturnValue:
    """Mark one of your notifications read."""
    user = signed_in_web_user()
    services.get_notification(user=user, notification_id=notification_id)  # 404 if not yours
    services.mark_read(user=user, ids=[notification_id])
    _after_reading(user.id)
    return redirect(url_for("notifications.index", _anchor=f"n-{notification_id}"), code=303)


@bp.get("/notifications/<int:notification_id>/open", endpoint="open")
@login_required
def open_notification(notification_id: int) -> ResponseReturnValue:
    """Mark a notification read and go to what it is about (the list, if nothing is left)."""
    user = signed_in_web_user()
    view = services.get_notification(user=user, notification_id=notification_id)
    if not view.read:
        services.mark_read(user=user, ids=[notification_id])
        _after_reading(user.id)
    return redirect(text.target(view) or url_for("notifications.index"), code=303)


@bp.route("/notifications/preferences", methods=["GET", "POST"])
@login_required
def preferences() -> ResponseReturnValue:
    """Choose, per kind, how notifications reach you: site, email, daily digest, or off."""
    user = signed_in_web_user()
    current = services.preferences(user_id=user.id)
    form = PreferencesForm(data={kind.value: channel.value for kind, channel in current.items()})
    if form.validate_on_submit():
        services.set_preferences(
            user=user, choices={kind.value: form[kind.value].data for kind in Kind}
        )
        db.session.commit()
        flash(_("Your notification preferences are saved."), "success")
        return redirect(url_for("notifications.preferences"), code=303)
    return render_template(
        "notifications/preferences.html",
        form=form,
        kinds=list(Kind),
    )
