"""Flask extensions, created once and bound to the app in the factory."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from companion.models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Rate limits (failed sign-ins; web/auth.py). Storage and switches come from the app's
# config (RATELIMIT_STORAGE_URI...); ``auth`` binds it to each app it is registered on.
limiter = Limiter(get_remote_address)
