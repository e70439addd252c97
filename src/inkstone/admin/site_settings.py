"""Back office section: site settings and invitations (``site:configure``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_babel import lazy_gettext as _l

from inkstone.admin import settings_api
from inkstone.admin.site_forms import InvitationForm, SiteSettingsForm
from inkstone.admin.site_services import update_site_settings
from inkstone.auth import invitations as invitation_services
from inkstone.auth.access import require_scope
from inkstone.auth.models import User
from inkstone.auth.permissions import Scope
from inkstone.auth.signin import web_user
from inkstone.core.errors import Conflict, Invalid
from inkstone.core.features import NavItem
from inkstone.core.pagination import PageRequest
from inkstone.core.site import site_settings
from inkstone.extensions import db

bp = Blueprint("admin_site_settings", __name__, url_prefix="/admin", template_folder="templates")
api = (settings_api.bp,)
nav = (
    NavItem(
        "admin_site_settings.index",
        _l("Site settings"),
        50,
        icon="bi-gear",
        scope="site:configure",
        menu="admin",
    ),
    NavItem(
        "admin_site_settings.invitations",
        _l("Invitations"),
        55,
        icon="bi-envelope-plus",
        scope="site:configure",
        menu="admin",
    ),
)
PER_PAGE = 50
CREATED = "admin_invitation_created"  # the session key holding the link made a moment ago
MAX_PAGE = 100_000


@bp.route("/settings", methods=["GET", "POST"])
@require_scope(Scope.SITE_CONFIGURE)
def index() -> ResponseReturnValue:
    """Show and save the site settings."""
    form = SiteSettingsForm()
    if not form.is_submitted():
        form.fill(site_settings())
    elif form.validate():
        try:
            update_site_settings(changes=form.changes(), actor=_actor())
        except Invalid as refused:  # the form checks first: only a stale choice list gets here
            db.session.rollback()
            form.form_errors.append(refused.message)
        else:
            db.session.commit()
            flash(_("The site settings were saved."), "success")
            return redirect(url_for(".index"))
    return render_template(
        "admin/site/settings.html", form=form, section="admin_site_settings.index"
    )


@bp.route("/invitations", methods=["GET", "POST"])
@require_scope(Scope.SITE_CONFIGURE)
def invitations() -> ResponseReturnValue:
    """List invitations and make a new one (its link is shown once, here)."""
    form = InvitationForm()
    if form.validate_on_submit():
        invitation, token = invitation_services.create_invitation(
            actor=_actor(),
            email=form.email.data or "",
            note=form.note.data or "",
            days=form.days.data,
        )
        # Shown once, by the page this redirects to (a reload does not make another one).
        session[CREATED] = {
            "link": invitation_services.invitation_url(token),
            "email": invitation.email,
        }
        db.session.commit()
        return redirect(url_for(".invitations"))
    page = _page()
    rows, total = invitation_services.list_invitations(
        page=PageRequest(limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    )
    return render_template(
        "admin/site/invitations.html",
        form=form,
        created=session.pop(CREATED, None) if request.method == "GET" else None,
        rows=rows,
        total=total,
        page=page,
        per_page=PER_PAGE,
        section="admin_site_settings.invitations",
    )


@bp.post("/invitations/<int:invitation_id>/revoke")
@require_scope(Scope.SITE_CONFIGURE)
def revoke(invitation_id: int) -> ResponseReturnValue:
    """Revoke a pending invitation: its link stops working."""
    invitation = invitation_services.get_invitation(invitation_id=invitation_id)
    try:
        invitation_services.revoke_invitation(invitation=invitation, actor=_actor())
    except Conflict:
        db.session.rollback()
        flash(_("That invitation was already used; it cannot be revoked."), "warning")
    else:
        db.session.commit()
        flash(_("The invitation was revoked: its link no longer works."), "success")
    return redirect(url_for(".invitations"))


def _page() -> int:
    raw = request.args.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


def _actor() -> User:
    user = web_user()
    assert user is not None  # require_scope let only a signed-in holder through
    return user
