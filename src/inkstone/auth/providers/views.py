"""Third-party sign-in pages: the redirect to a provider, its way back, connected accounts.

With no provider configured the routes answer 404 and no button shows. The way back is
the only place a provider's answer is read; every way it can go wrong (a stale or forged
``state``, a replayed code, a bad ID token, the person saying no, the provider down) ends
on a page saying so, never a 500.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from flask_login import current_user, login_required
from joserfc.errors import JoseError
from sqlalchemy.exc import IntegrityError

from inkstone.auth.invitations import InvitationRefused
from inkstone.auth.models import SIGN_IN_STATUSES, User
from inkstone.auth.providers import clients
from inkstone.auth.providers import services as links
from inkstone.auth.providers.clients import ProviderAccount
from inkstone.auth.providers.pages import problem, unreachable
from inkstone.auth.services import RegistrationClosed, record_sign_in
from inkstone.auth.signin import sign_in
from inkstone.auth.signin_flow import first_factor_passed
from inkstone.auth.views import refused_sign_up
from inkstone.core.errors import Conflict
from inkstone.core.providers import Provider
from inkstone.core.site import site_settings
from inkstone.extensions import db
from inkstone.web.redirects import home_url, safe_next

bp = Blueprint("providers", __name__, template_folder="templates")
INTENT = "provider_intent"  # what the pending trip to a provider is for (sign in or link)


@bp.record_once
def _set_up(state: Any) -> None:
    clients.init_clients(state.app)
    links.connect_cleanup()


@bp.app_context_processor
def _buttons() -> dict[str, Any]:
    # Settings only, no query: the sign-in and sign-up pages show a button per provider.
    return {"signin_providers": clients.configured}


def _provider_or_404(name: str) -> Provider:
    provider = clients.find_provider(name)
    if provider is None:
        abort(404)
    return provider


def _go_to(provider: Provider, intent: dict[str, Any]) -> ResponseReturnValue:
    """Send the browser to ``provider`` (Authlib keeps state, nonce and PKCE verifier)."""
    callback = url_for("providers.callback", provider=provider.name, _external=True)
    try:
        response: ResponseReturnValue = clients.client(provider).authorize_redirect(callback)
    except requests.RequestException:  # discovery failed: the issuer is down or unreachable
        return unreachable(provider)
    session[INTENT] = {"provider": provider.name, **intent}
    return response


@bp.post("/login/with/<provider>")
def start(provider: str) -> ResponseReturnValue:
    """Sign in (or up) with a provider: off to its page, with ``next`` and an invitation."""
    chosen = _provider_or_404(provider)
    next_url = safe_next(request.args.get("next"), default=home_url())
    if current_user.is_authenticated:
        return redirect(next_url)
    invite = request.form.get("invite", "")[:1024] or None
    return _go_to(chosen, {"intent": "signin", "next": next_url, "invite": invite})


@bp.get("/login/with/<provider>/callback")
def callback(provider: str) -> ResponseReturnValue:
    """Come back from a provider: sign in, sign up, or link, as the trip was for."""
    chosen = _provider_or_404(provider)
    intent = session.pop(INTENT, None)
    if not isinstance(intent, dict) or intent.get("provider") != chosen.name:
        intent = {}
    try:
        account = clients.fetch_account(chosen)
    except MismatchingStateError:
        return problem(
            _("This sign-in link has expired"),
            _(
                "The answer from %(provider)s does not belong to a sign-in started in this "
                "browser, or it was already used. Please try again.",
                provider=chosen.display_name,
            ),
        )
    except OAuthError as error:
        if error.error == "access_denied":
            return problem(
                _("Sign-in cancelled"),
                _(
                    "%(provider)s did not let us know who you are, so you are not signed in.",
                    provider=chosen.display_name,
                ),
            )
        return problem(
            _("Sign-in with %(provider)s failed", provider=chosen.display_name),
            _(
                "%(provider)s refused to confirm this sign-in (the code may have been used "
                "already or expired). Please try again.",
                provider=chosen.display_name,
            ),
        )
    except requests.RequestException:
        return unreachable(chosen)
    except (AuthlibBaseError, JoseError, ValueError, KeyError):
        return problem(
            _("Sign-in with %(provider)s failed", provider=chosen.display_name),
            _(
                "%(provider)s answered in a way we could not check, so you are not signed in. "
                "Please try again.",
                provider=chosen.display_name,
            ),
        )
    if intent.get("intent") == "link":
        return _link(chosen, account)
    return _sign_in_or_up(chosen, account, intent)


def _sign_in_or_up(
    provider: Provider, account: ProviderAccount, intent: dict[str, Any]
) -> ResponseReturnValue:
    next_url = safe_next(intent.get("next"), default=home_url())
    via = f"provider:{provider.name}"
    identity = links.find_identity(provider=provider, subject=account.subject)
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        if user is None or user.status not in SIGN_IN_STATUSES:
            return problem(
                _("This account cannot sign in"),
                _(
                    "The account linked to this %(provider)s account cannot be used to sign in.",
                    provider=provider.display_name,
                ),
                status=403,
            )
        links.used_to_sign_in(identity=identity, account=account)
        # A second factor, when the account has one, is still asked for.
        return first_factor_passed(user, remember=False, via=via, next_url=next_url)
    try:
        user = links.sign_up_with(
            provider=provider, account=account, invitation=intent.get("invite")
        )
    except links.AddressUnverified:
        db.session.rollback()
        return problem(
            _("Email address not verified"),
            _(
                "%(provider)s has not verified the email address of this account, so we cannot "
                "create an account from it. Verify it with %(provider)s, or sign up with a "
                "password.",
                provider=provider.display_name,
            ),
            actions=("register",),
        )
    except links.AddressTaken:
        db.session.rollback()
        return problem(
            _("You already have an account"),
            _(
                "An account with the address %(email)s exists already. Sign in to it with its "
                "password or a passkey, then link %(provider)s under Settings → Connected "
                "accounts. After that, “Continue with %(provider)s” signs you in to it.",
                email=account.email,
                provider=provider.display_name,
            ),
            status=409,
            actions=("login", "settings", "reset"),
        )
    except (RegistrationClosed, InvitationRefused) as refused:
        db.session.rollback()
        return refused_sign_up(refused, next_param=None)
    except (Conflict, IntegrityError):  # the same provider account, twice at once
        db.session.rollback()
        return problem(
            _("Sign-in with %(provider)s failed", provider=provider.display_name),
            _("Please try again."),
            status=409,
        )
    record_sign_in(user=user, via=via)
    sign_in(user, remember=False)
    flash(
        _(
            "Welcome to %(site)s, %(username)s! You can sign in with %(provider)s from now on.",
            site=site_settings().name,
            username=user.username,
            provider=provider.display_name,
        ),
        "success",
    )
    db.session.commit()
    return redirect(next_url)


def _link(provider: Provider, account: ProviderAccount) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return problem(
            _("Signed out meanwhile"),
            _(
                "Sign in again, then link %(provider)s from Settings → Connected accounts.",
                provider=provider.display_name,
            ),
            actions=("login",),
        )
    user = db.session.get(User, current_user.id)
    assert user is not None
    try:
        links.link(user=user, provider=provider, account=account)
    except Conflict as taken:
        db.session.rollback()
        if taken.code == "auth.provider_already_linked":
            message = _(
                "Your account already has a %(provider)s account linked. Unlink it "
                "first to link another one.",
                provider=provider.display_name,
            )
        else:
            message = _(
                "This %(provider)s account is linked to another %(site)s account. "
                "Unlink it there first.",
                provider=provider.display_name,
                site=site_settings().name,
            )
        flash(message, "danger")
        return redirect(url_for("providers.settings"))
    flash(
        _("%(provider)s is linked: you can sign in with it now.", provider=provider.display_name),
        "success",
    )
    db.session.commit()
    return redirect(url_for("providers.settings"))


@bp.get("/settings/connected-accounts")
@login_required
def settings() -> ResponseReturnValue:
    """List linked third-party accounts; link or unlink one."""
    user = db.session.get(User, current_user.id)
    assert user is not None
    linked = {identity.provider: identity for identity in links.identities_of(user=user)}
    rows = [(p.name, p.display_name, linked.pop(p.name, None)) for p in clients.configured()]
    # Providers no longer offered keep their links listed, so they can still be removed.
    rows += [(name, clients.display_name(name), identity) for name, identity in linked.items()]
    return render_template(
        "providers/settings.html",
        rows=rows,
        can_unlink={
            name: links.can_unlink(user=user, identity=identity)
            for name, _shown, identity in rows
            if identity is not None
        },
    )


@bp.post("/settings/connected-accounts/<provider>/link")
@login_required
def link(provider: str) -> ResponseReturnValue:
    """Link an account of a provider: off to its page, back to settings."""
    return _go_to(_provider_or_404(provider), {"intent": "link"})


@bp.post("/settings/connected-accounts/<provider>/unlink")
@login_required
def unlink(provider: str) -> ResponseReturnValue:
    """Unlink this account's link to ``provider`` (while another way to sign in remains)."""
    user = db.session.get(User, current_user.id)
    assert user is not None
    identity = next((i for i in links.identities_of(user=user) if i.provider == provider), None)
    if identity is None:
        abort(404)
    name = clients.display_name(provider)
    try:
        links.unlink(user=user, identity=identity, provider_name=name)
    except links.LastSignInMethod:
        db.session.rollback()
        flash(
            _(
                "%(provider)s is the only way you can sign in, so it stays linked. Set a "
                "password first (“Forgot your password?” mails you a link) or add a passkey.",
                provider=name,
            ),
            "danger",
        )
        return redirect(url_for("providers.settings"))
    db.session.commit()
    flash(_("%(provider)s is no longer linked.", provider=name), "success")
    return redirect(url_for("providers.settings"))
