"""Extension objects, created unbound and bound to the app by ``init_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from inkstone.core.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = JWTManager()
cors = CORS()
login = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
mail = Mail()
cache = Cache()  # bound by core.cache.init_cache


class RouteLimiter(Limiter):
    """Flask-Limiter with limits only where a route declares them (``@limiter.limit``).

    Inkstone sets no application-wide or default limits, so the check Flask-Limiter runs
    before every request finds nothing to do; skipping it saves tens of microseconds on
    every request. Decorated routes still check their own limits.
    """

    def _check_request_limit(
        self, callable_name: str | None = None, in_middleware: bool = True
    ) -> None:
        if not in_middleware:
            super()._check_request_limit(callable_name=callable_name, in_middleware=False)


limiter = RouteLimiter(key_func=get_remote_address)
