"""Site settings and invitations endpoints (``site:configure`` holders)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.admin.settings_schemas import (
    InvitationIn,
    InvitationListOut,
    InvitationOut,
    InvitationQuery,
    NewInvitationOut,
    SettingsIn,
    SettingsOut,
    invitation_out,
    settings_out,
)
from inkstone.admin.site_services import update_site_settings
from inkstone.auth import invitations as invitation_services
from inkstone.auth.access import require_scope
from inkstone.auth.permissions import Scope
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core.pagination import PageRequest
from inkstone.core.site import site_settings
from inkstone.extensions import db

bp = APIBlueprint("admin_settings_api", __name__, tag="Site settings")


@bp.get("/admin/settings")
@token_required
@require_scope(Scope.SITE_CONFIGURE)
@bp.output(SettingsOut)
@bp.doc(responses=[403], operation_id="GetSiteSettings")
def get_settings() -> dict[str, Any]:
    """Get the site settings

    Needs the `site:configure` permission.
    """
    return settings_out(site_settings())


@bp.put("/admin/settings")
@token_required
@require_scope(Scope.SITE_CONFIGURE)
@bp.input(SettingsIn, arg_name="body")
@bp.output(SettingsOut)
@bp.doc(responses=[403, 413], operation_id="UpdateSiteSettings")
def update_settings(body: dict[str, Any]) -> dict[str, Any]:
    """Change site settings

    Send only the settings to change; they apply to every page and process at once (within
    a couple of seconds elsewhere). What changed is added to the audit log. Needs the
    `site:configure` permission; a value of the wrong type or out of range gives 422.
    """
    settings = update_site_settings(changes=body["settings"], actor=signed_in_user())
    db.session.commit()
    return settings_out(settings)


@bp.post("/admin/invitations")
@token_required
@require_scope(Scope.SITE_CONFIGURE)
@bp.input(InvitationIn, arg_name="body")
@bp.output(NewInvitationOut, status_code=201)
@bp.doc(tags=["Invitations"], responses=[403, 413], operation_id="CreateInvitation")
def create_invitation(body: dict[str, Any]) -> dict[str, Any]:
    """Create an invitation

    Returns the single-use sign-up link (`url`) and its `token`, shown only here: only a
    hash is kept. With `email`, the link is mailed there too. It expires after
    `expiresInDays` (1 to 30, default 7). Needs the `site:configure` permission.
    """
    fields = body["invitation"]
    invitation, token = invitation_services.create_invitation(
        actor=signed_in_user(),
        email=fields.get("email") or "",
        note=fields.get("note") or "",
        days=fields.get("expires_in_days", invitation_services.DAYS_DEFAULT),
    )
    db.session.commit()
    described = invitation_out(invitation_services.describe_invitation(invitation))
    url = invitation_services.invitation_url(token)
    return {"invitation": {**described, "token": token, "url": url}}


@bp.get("/admin/invitations")
@token_required
@require_scope(Scope.SITE_CONFIGURE)
@bp.input(InvitationQuery, location="query", arg_name="query")
@bp.output(InvitationListOut)
@bp.doc(tags=["Invitations"], responses=[403], operation_id="ListInvitations")
def list_invitations(query: dict[str, Any]) -> dict[str, Any]:
    """List invitations

    Newest first, with their state (`pending`, `used`, `expired`, `revoked`), who made
    them and who used them; page with `limit` and `offset`. Needs the `site:configure`
    permission.
    """
    rows, total = invitation_services.list_invitations(page=PageRequest.from_query(query))
    return {"invitations": [invitation_out(row) for row in rows], "invitations_count": total}


@bp.delete("/admin/invitations/<int:invitation_id>")
@token_required
@require_scope(Scope.SITE_CONFIGURE)
@bp.output(InvitationOut)
@bp.doc(tags=["Invitations"], responses=[403, 404, 409], operation_id="RevokeInvitation")
def revoke_invitation(invitation_id: int) -> dict[str, Any]:
    """Revoke an invitation

    Its link stops working at once; revoking it again changes nothing. One already used
    gives 409. Needs the `site:configure` permission.
    """
    invitation = invitation_services.get_invitation(invitation_id=invitation_id)
    invitation_services.revoke_invitation(invitation=invitation, actor=signed_in_user())
    db.session.commit()
    return {"invitation": invitation_out(invitation_services.describe_invitation(invitation))}
