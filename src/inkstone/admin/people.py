"""Back office section: people. The directory, bulk actions, a person's page and its actions.

Every page and action needs ``users:manage`` (setting roles ``roles:manage`` too); the
services behind them refuse what would lock the site out (the last admin) or the admin out
(their own status, their own account), and audit every change with the admin as its actor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _, ngettext
from flask_babel import lazy_gettext as _l

from inkstone.accounts.devices import parse_user_agent
from inkstone.accounts.recovery import is_confirmed
from inkstone.admin import people_api, people_queries
from inkstone.admin import services as admin_services
from inkstone.admin.people_forms import (
    ACTION_LABELS,
    CONFIRMED_LABELS,
    NAME_MAX,
    ROLE_LABELS,
    SORT_LABELS,
    STATUS_LABELS,
    BulkChoice,
    ListFilters,
    refusal_text,
)
from inkstone.admin.services import BulkAction
from inkstone.auth import sessions
from inkstone.auth.access import require_scope
from inkstone.auth.audit import audit_log
from inkstone.auth.audit_text import sentence
from inkstone.auth.factors import has_second_factor
from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.auth.permissions import Scope, has_scope
from inkstone.auth.signin import signed_in_web_user
from inkstone.auth.twofactor.services import reset_second_factor
from inkstone.core.errors import DomainError
from inkstone.core.features import Audience, NavItem
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db
from inkstone.web.paging import requested_page
from inkstone.web.redirects import safe_next

bp = Blueprint("admin_people", __name__, url_prefix="/admin", template_folder="templates")
api = (people_api.bp,)
nav = (
    NavItem(
        "admin_people.index",
        _l("People"),
        20,
        icon="bi-people",
        audience=Audience.SIGNED_IN,
        scope=Scope.USERS_MANAGE.value,
        menu="admin",
    ),
)

PER_PAGE = 50
EVENTS_PER_PAGE = 20


def _person(username: str) -> User:
    """Return the account a URL names (404 for nobody, or a name longer than any)."""
    if len(username) > NAME_MAX:
        abort(404)
    return admin_services.find_user(username=username)


def _template_context() -> dict[str, Any]:
    return {
        "section": "admin_people.index",
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "action_labels": ACTION_LABELS,
    }


# --------------------------------------------------------------------------- the directory


@bp.get("/people")
@require_scope(Scope.USERS_MANAGE)
def index() -> ResponseReturnValue:
    """List people: search, filter, sort, page, and select some for a bulk action."""
    filters = ListFilters.from_args(request.args)
    number, page = requested_page(PER_PAGE)
    people, total = admin_services.list_users(page=page, which=filters.to_filter())
    if number > 1 and not people:
        abort(404)
    return render_template(
        "admin/people/index.html",
        people=people,
        total=total,
        page=number,
        per_page=PER_PAGE,
        filters=filters,
        sort_labels=SORT_LABELS,
        confirmed_labels=CONFIRMED_LABELS,
        here=request.full_path.rstrip("?"),
        can_set_roles=has_scope(signed_in_web_user(), Scope.ROLES_MANAGE),
        me=signed_in_web_user(),
        **_template_context(),
    )


def _back() -> str:
    return safe_next(request.form.get("back"), default=url_for("admin_people.index"))


@bp.post("/people/bulk")
@require_scope(Scope.USERS_MANAGE)
def bulk_confirm() -> ResponseReturnValue:
    """Show the people selected and the action chosen, to confirm before it applies."""
    choice = BulkChoice.from_form(request.form)
    if choice is None:
        flash(_("Select at least one person and an action."), "warning")
        return redirect(_back())
    if choice.action == BulkAction.SET_ROLE and choice.role is None:
        flash(_("Choose the role to give."), "warning")
        return redirect(_back())
    me = signed_in_web_user()
    if choice.action == BulkAction.SET_ROLE and not has_scope(me, Scope.ROLES_MANAGE):
        abort(403)
    people: list[tuple[str, User | None]] = []
    for name in choice.usernames:
        try:
            people.append((name, admin_services.find_user(username=name)))
        except DomainError:
            people.append((name, None))
    return render_template(
        "admin/people/bulk_confirm.html",
        choice=choice,
        people=people,
        back=_back(),
        me=me,
        **_template_context(),
    )


@bp.post("/people/bulk/apply")
@require_scope(Scope.USERS_MANAGE)
def bulk_apply() -> ResponseReturnValue:
    """Apply a confirmed bulk action; say what was done and to whom it was not, and why."""
    choice = BulkChoice.from_form(request.form)
    if choice is None or (choice.action == BulkAction.SET_ROLE and choice.role is None):
        abort(400)
    outcomes = admin_services.apply_bulk(
        usernames=choice.usernames,
        action=choice.action,
        role=choice.role,
        actor=signed_in_web_user(),
    )
    db.session.commit()
    done = sum(1 for outcome in outcomes if outcome.ok)
    if done:
        flash(
            ngettext(
                "%(action)s: done for %(num)d person.",
                "%(action)s: done for %(num)d people.",
                done,
                action=ACTION_LABELS[choice.action],
            ),
            "success",
        )
    for outcome in outcomes:
        if outcome.error is not None:
            flash(
                _(
                    "%(name)s was left as they were: %(reason)s",
                    name=outcome.username,
                    reason=refusal_text(outcome.error),
                ),
                "warning",
            )
    return redirect(_back())


# --------------------------------------------------------------------------- one person


def _device(user_agent: str | None) -> str:
    device = parse_user_agent(user_agent)
    if device.browser and device.system:
        return str(_("%(browser)s on %(system)s", browser=device.browser, system=device.system))
    return device.browser or device.system or str(_("Unknown device"))


@bp.get("/people/<username>")
@require_scope(Scope.USERS_MANAGE)
def person(username: str) -> ResponseReturnValue:
    """Show a person: profile, roles, status, sessions, security log, writing, uploads."""
    user = _person(username)
    number, page = requested_page(EVENTS_PER_PAGE)
    window = PageRequest(limit=page.limit + 1, offset=page.offset)
    events = audit_log(page=window, user=user)
    if number > 1 and not events:
        abort(404)
    me = signed_in_web_user()
    return render_template(
        "admin/people/person.html",
        person=user,
        confirmed=user.email_confirmed_at is not None,
        needs_confirmation=not is_confirmed(user),
        sessions=[
            (record, _device(record.user_agent)) for record in sessions.list_sessions(user=user)
        ],
        events=[
            (event, sentence(event), _device(event.user_agent) if event.user_agent else "")
            for event in events[: page.limit]
        ],
        events_page=number,
        more_events=len(events) > page.limit,
        writing=people_queries.writing_of(user),
        storage=people_queries.storage_of(user),
        can_set_roles=has_scope(me, Scope.ROLES_MANAGE),
        has_second_factor=has_second_factor(user),
        is_me=user.id == me.id,
        all_roles=list(RoleName),
        **_template_context(),
    )


def _act(username: str, act: Callable[[User, User], Any], done: Any) -> ResponseReturnValue:
    """Do ``act(person, admin)``, commit, and say so; a refusal is said instead."""
    user = _person(username)
    try:
        act(user, signed_in_web_user())
    except DomainError as refused:
        if refused.status_code == 404:
            raise
        db.session.rollback()
        flash(refusal_text(refused), "danger")
    else:
        db.session.commit()
        flash(str(done) % {"name": user.username}, "success")
    return redirect(url_for("admin_people.person", username=user.username))


@bp.post("/people/<username>/roles")
@require_scope(Scope.USERS_MANAGE, Scope.ROLES_MANAGE)
def set_roles(username: str) -> ResponseReturnValue:
    """Give a person exactly the roles ticked."""
    names = request.form.getlist("roles")
    if any(name not in ROLE_LABELS for name in names) or len(names) > len(ROLE_LABELS):
        abort(400)
    if not names:
        flash(_("Tick at least one role."), "warning")
        return redirect(url_for("admin_people.person", username=_person(username).username))
    roles = [RoleName(name) for name in names]
    return _act(
        username,
        lambda user, me: admin_services.change_roles(user=user, roles=roles, actor=me),
        _l("The roles of %(name)s were saved."),
    )


@bp.post("/people/<username>/suspend")
@require_scope(Scope.USERS_MANAGE)
def suspend(username: str) -> ResponseReturnValue:
    """Suspend a person: signed out everywhere, they can no longer sign in."""
    return _act(
        username,
        lambda user, me: admin_services.change_status(
            user=user, status=UserStatus.SUSPENDED, actor=me
        ),
        _l("%(name)s is suspended and was signed out everywhere."),
    )


@bp.post("/people/<username>/reinstate")
@require_scope(Scope.USERS_MANAGE)
def reinstate(username: str) -> ResponseReturnValue:
    """Lift a person's suspension."""
    return _act(
        username,
        lambda user, me: admin_services.reinstate(user=user, actor=me),
        _l("%(name)s may sign in again."),
    )


@bp.post("/people/<username>/sign-out")
@require_scope(Scope.USERS_MANAGE)
def sign_out_everywhere(username: str) -> ResponseReturnValue:
    """End every web session and API token of a person."""
    return _act(
        username,
        lambda user, me: admin_services.sign_out_everywhere(user=user, actor=me),
        _l("%(name)s was signed out everywhere."),
    )


@bp.post("/people/<username>/password-reset")
@require_scope(Scope.USERS_MANAGE)
def password_reset(username: str) -> ResponseReturnValue:
    """Mail a person a link to choose a new password."""
    return _act(
        username,
        lambda user, me: admin_services.send_password_reset(user=user, actor=me),
        _l("A password-reset link was mailed to %(name)s."),
    )


@bp.post("/people/<username>/two-factor-reset")
@require_scope(Scope.USERS_MANAGE)
def reset_two_factor(username: str) -> ResponseReturnValue:
    """Remove a person's second factors (app, recovery codes, passkeys); they are mailed."""
    return _act(
        username,
        lambda user, me: reset_second_factor(user=user, actor=me),
        _l("The second factors of %(name)s were removed; they were told by mail."),
    )


@bp.post("/people/<username>/confirmation")
@require_scope(Scope.USERS_MANAGE)
def resend_confirmation(username: str) -> ResponseReturnValue:
    """Mail a person a new link confirming their address."""
    return _act(
        username,
        lambda user, me: admin_services.resend_confirmation(user=user, actor=me),
        _l("A new confirmation link was mailed to %(name)s."),
    )


@bp.route("/people/<username>/delete", methods=["GET", "POST"])
@require_scope(Scope.USERS_MANAGE)
def delete(username: str) -> ResponseReturnValue:
    """Ask, then delete a person's account, keeping or removing their writing."""
    user = _person(username)
    if request.method == "GET":
        return render_template(
            "admin/people/delete.html",
            person=user,
            writing=people_queries.writing_of(user),
            is_me=user.id == signed_in_web_user().id,
            **_template_context(),
        )
    content = request.form.get("content", "")
    if content not in ("keep", "remove"):
        abort(400)
    name = user.username
    try:
        admin_services.delete_person(
            user=user, remove_content=content == "remove", actor=signed_in_web_user()
        )
    except DomainError as refused:
        db.session.rollback()
        flash(refusal_text(refused), "danger")
        return redirect(url_for("admin_people.person", username=name))
    db.session.commit()
    if content == "remove":
        flash(_("The account of %(name)s and their writing were deleted.", name=name), "success")
    else:
        flash(_("The account of %(name)s was deleted; their writing stays.", name=name), "success")
    return redirect(url_for("admin_people.index"))
