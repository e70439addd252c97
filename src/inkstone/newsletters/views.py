"""Subscription pages: the signed-out form, one-click buttons, the links mailed to subscribers.

The profile and article pages are shared-cached for signed-out visitors, so their buttons
(``_profile_actions.html``) only link signed-out readers here, to an uncached page with the
form; signed-in readers get one-click POST buttons. The unsubscribe link of a mail asks
before acting on GET (mail scanners follow links) and unsubscribes on POST with no CSRF
token: RFC 8058 mail clients POST ``List-Unsubscribe=One-Click`` with no session.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from inkstone.auth import services as auth_services
from inkstone.auth.links import recipient_locale
from inkstone.auth.models import User
from inkstone.auth.signin import signed_in_web_user, web_user
from inkstone.core.errors import Invalid
from inkstone.extensions import csrf, db, limiter
from inkstone.newsletters import limits, services
from inkstone.newsletters.forms import SubscribeForm
from inkstone.newsletters.links import BadLink, Problem, Purpose, check_token
from inkstone.newsletters.models import Subscription
from inkstone.web.redirects import safe_next

bp = Blueprint("newsletters", __name__, template_folder="templates")


def request_locale() -> str | None:
    """Return the language of this request (a signed-out subscriber's mails use it)."""
    locale = get_locale()
    return str(locale) if locale is not None else None


def _author(username: str) -> User:
    author = auth_services.get_user_by_username(username=username)
    services.ensure_subscribable(author)
    return author


@bp.route("/profile/<username>/subscribe", methods=["GET", "POST"])
@limiter.shared_limit(limits.ip_limit, scope=limits.CLIENT_SCOPE, methods=["POST"])
@limiter.shared_limit(
    limits.address_limit, scope=limits.ADDRESS_SCOPE, key_func=limits.address_key, methods=["POST"]
)
def subscribe_page(username: str) -> ResponseReturnValue:
    """Subscribe an address to an author's newsletter (confirmed by a mailed link)."""
    author = _author(username)
    form = SubscribeForm()
    if form.validate_on_submit():
        try:
            services.subscribe(author=author, email=form.email.data, locale=request_locale())
        except Invalid:
            form.email.errors.append(_("Enter a valid email address, like name@example.com."))
        else:
            db.session.commit()
            # The same answer whether the address was new, pending or subscribed already.
            return render_template("newsletters/check_inbox.html", author=author)
    status = 422 if form.errors else 200
    return render_template("newsletters/subscribe.html", author=author, form=form), status


@bp.post("/profile/<username>/newsletter", defaults={"on": True}, endpoint="subscribe_me")
@bp.post("/profile/<username>/newsletter/stop", defaults={"on": False}, endpoint="unsubscribe_me")
@login_required
@limiter.limit(limits.ip_limit)
def subscribe_me(username: str, on: bool) -> ResponseReturnValue:
    """Subscribe (or stop) the signed-in reader's account address with one click."""
    back = safe_next(
        request.form.get("next"), default=url_for("articles.profile", username=username)
    )
    user = signed_in_web_user()
    author = _author(username)
    if not on:
        services.unsubscribe_user(author=author, user=user)
        db.session.commit()
        flash(_("You will no longer get %(name)s's articles by email.", name=author.username))
        return redirect(back, code=303)
    try:
        outcome = services.subscribe(
            author=author, email=user.email, locale=recipient_locale(user), user=user
        )
    except Invalid:
        flash(_("You can't subscribe to yourself."), "error")
        return redirect(back, code=303)
    db.session.commit()
    if outcome.subscription.status == services.Status.CONFIRMED:
        flash(_("You will get %(name)s's new articles by email.", name=author.username), "success")
    else:
        flash(_("Check your inbox: follow the link we sent to confirm the subscription."))
    return redirect(back, code=303)


def _bad_link(problem: Problem) -> ResponseReturnValue:
    status = 410 if problem in (Problem.USED, Problem.EXPIRED) else 404
    return render_template("newsletters/bad_link.html", problem=problem.value), status


@bp.route("/newsletters/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str) -> ResponseReturnValue:
    """Confirm a subscription from the mailed link (a button: scanners follow links)."""
    try:
        subscription, current = check_token(Purpose.CONFIRM, token)
    except BadLink as exc:
        return _bad_link(exc.problem)
    author = db.session.get(User, subscription.author_id)
    already = subscription.status == services.Status.CONFIRMED and current
    if request.method == "GET" or already:
        if not current or subscription.status not in (
            services.Status.PENDING,
            services.Status.CONFIRMED,
        ):
            return _bad_link(Problem.USED)
        return render_template(
            "newsletters/confirm.html", author=author, token=token, already=already
        )
    try:
        services.confirm(subscription=subscription, key_matches=current)
    except Invalid:
        return _bad_link(Problem.USED)
    db.session.commit()
    return render_template("newsletters/confirmed.html", author=author, subscription=subscription)


@bp.route("/newsletters/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail client POSTs with no session, hence no CSRF token
def unsubscribe(token: str) -> ResponseReturnValue:
    """Unsubscribe with the link of a mail: GET asks, POST (one click, RFC 8058) does it."""
    try:
        subscription, current = check_token(Purpose.UNSUBSCRIBE, token)
    except BadLink as exc:
        return _bad_link(exc.problem)
    if not current:
        return _bad_link(Problem.USED)
    author = db.session.get(User, subscription.author_id)
    if request.method == "GET":
        return render_template(
            "newsletters/unsubscribe.html", author=author, subscription=subscription, token=token
        )
    services.unsubscribe(subscription=subscription)
    db.session.commit()
    return render_template("newsletters/unsubscribed.html", author=author)


def viewer_subscription(author_username: str) -> Subscription | None:
    """Return the signed-in viewer's subscription to an author (for the page buttons).

    One indexed query, by the author's name: the pages that show the button have it.
    """
    viewer = web_user()
    if viewer is None:
        return None
    return services.subscription_by_name(username=author_username, user=viewer)


def own_subscriber_count() -> int:
    """Return the signed-in author's number of confirmed subscribers."""
    viewer = web_user()
    return 0 if viewer is None else services.subscriber_count(author_id=viewer.id)


bp.add_app_template_global(viewer_subscription, "newsletter_subscription")
bp.add_app_template_global(own_subscriber_count, "newsletter_subscriber_count")


@bp.get("/newsletter")
@login_required
def mine() -> ResponseReturnValue:
    """Show the signed-in author's newsletter: subscribers by status, the export."""
    user = signed_in_web_user()
    return render_template(
        "newsletters/mine.html", counts=services.counts_by_status(author_id=user.id)
    )


@bp.post("/newsletter/export")
@login_required
def export() -> ResponseReturnValue:
    """Start a CSV export of the signed-in author's subscribers, then show its job."""
    from inkstone.newsletters.exports import start_export

    job = start_export(owner=signed_in_web_user())
    db.session.commit()
    return redirect(url_for("jobs.job_page", job_id=job.id), code=303)
