"""Subscribing to an author's newsletter through the API."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from inkstone.auth.links import recipient_locale
from inkstone.auth.services import get_user_by_username
from inkstone.auth.tokens import current_user, signed_in_user, token_optional, token_required
from inkstone.core.errors import Invalid
from inkstone.extensions import db, limiter
from inkstone.newsletters import limits, services
from inkstone.newsletters.models import Subscription
from inkstone.newsletters.schemas import SubscriptionIn, SubscriptionOut
from inkstone.newsletters.views import request_locale

bp = APIBlueprint("newsletters_api", __name__, tag="Newsletters")


def _out(author: str, subscription: Subscription, *, email: str | None = None) -> dict[str, Any]:
    return {
        "subscription": {
            "author": author,
            "email": email or subscription.email,
            "status": subscription.status,
            "confirmed_at": subscription.confirmed_at,
        }
    }


@bp.post("/profiles/<username>/subscribe")
@limiter.shared_limit(limits.ip_limit, scope=limits.CLIENT_SCOPE)
@limiter.shared_limit(limits.address_limit, scope=limits.ADDRESS_SCOPE, key_func=limits.address_key)
@token_optional
@bp.input(SubscriptionIn, arg_name="body")
@bp.output(SubscriptionOut, status_code=202)
@bp.doc(
    responses={
        200: "A token user's address was subscribed already",
        201: "A token user's confirmed address is subscribed",
        404: "No such author",
        413: "The body is too large",
        422: "The address is missing or not an email address",
        429: "Too many subscriptions from this client or for this address",
    },
    operation_id="SubscribeToAuthor",
)
def subscribe(username: str, body: dict[str, Any]) -> Any:
    """Subscribe to an author's newsletter

    With a token and no `email` (or the account's own, confirmed address), the account's
    address is subscribed at once: 201 (200 if it was already). Otherwise a confirmation link
    is mailed to `email` and the answer is 202 with `status: pending`, whatever the address's
    state: whether it is already subscribed is not revealed.
    """
    author = get_user_by_username(username=username)
    user = current_user()
    email = body["subscription"].get("email")
    if user is not None and not email:
        email = user.email
    if not email:
        raise Invalid("can't be blank", field="email")
    locale = recipient_locale(user) if user is not None else request_locale()
    outcome = services.subscribe(author=author, email=email, locale=locale, user=user)
    db.session.commit()
    own = user is not None and services.email_key(user.email) == services.email_key(email)
    if own and outcome.subscription.status == services.Status.CONFIRMED:
        return _out(author.username, outcome.subscription), 201 if outcome.created else 200
    # Never the stored state: the same answer for a new, pending or subscribed address.
    pending = _out(author.username, outcome.subscription, email=outcome.subscription.email)
    pending["subscription"].update(status=services.Status.PENDING.value, confirmed_at=None)
    return pending, 202


@bp.delete("/profiles/<username>/subscribe")
@token_required
@bp.output(SubscriptionOut)
@bp.doc(responses=[404], operation_id="UnsubscribeFromAuthor")
def unsubscribe(username: str) -> Any:
    """Unsubscribe from an author's newsletter

    Stops the mail to the token user's subscription; like unfollowing, asking twice (or
    without a subscription) answers the same.
    """
    author = get_user_by_username(username=username)
    user = signed_in_user()
    found = services.unsubscribe_user(author=author, user=user)
    db.session.commit()
    if found is None:
        return {
            "subscription": {
                "author": author.username,
                "email": user.email,
                "status": services.Status.UNSUBSCRIBED.value,
                "confirmed_at": None,
            }
        }
    return _out(author.username, found)
