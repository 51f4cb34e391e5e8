"""Settings for Keeping Babies Safe, read from environment variables (see .env.example).

KBS_ENV chooses the profile: "development" (the default, used by `make run` and the tests) or
"production", where a missing secret fails loudly and demo mode is refused.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"The environment variable {name} must be set in production.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


KBS_ENV = env_str("KBS_ENV", "development")
if KBS_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"KBS_ENV must be 'development' or 'production', not {KBS_ENV!r}.")
PRODUCTION = KBS_ENV == "production"

DEBUG = env_bool("KBS_DEBUG", not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("KBS_DEBUG cannot be on in production.")

# Demo mode loads synthetic families and offers persona sign-in buttons. Never in production.
DEMO_MODE = env_bool("KBS_DEMO_MODE", not PRODUCTION)
if PRODUCTION and DEMO_MODE:
    raise ImproperlyConfigured("KBS_DEMO_MODE cannot be on in production: personas must never exist there.")

# Two-step sign-in (a password, then a code from an authenticator app) for every account. Only demo
# mode may turn it off, for persona sign-in; production refuses to start without it (ADR 12).
KBS_MFA_REQUIRED = env_bool("KBS_MFA_REQUIRED", not DEMO_MODE)
if PRODUCTION and not KBS_MFA_REQUIRED:
    raise ImproperlyConfigured("KBS_MFA_REQUIRED cannot be off in production: every account needs two-step sign-in.")

SECRET_KEY = env_str("KBS_SECRET_KEY", None if PRODUCTION else "kbs-development-only-not-a-secret")
ALLOWED_HOSTS = env_list("KBS_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "kbs.core",
    "kbs.accounts",
    "kbs.families",
    "kbs.audit",
    "kbs.tools",
    "kbs.chronology",
    "kbs.contacts",
    "kbs.concerns",
    "kbs.workforce",
    "kbs.insights",
    "kbs.public",
    "kbs.library",
    "kbs.learning",
    "kbs.staff",
    "kbs.prebirth",
    "kbs.api",
    "kbs.subjectaccess",
    "kbs.retention",
    "kbs.imports",
]
if DEMO_MODE:
    INSTALLED_APPS.append("kbs.nonprod")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kbs.accounts.sessions.SessionLifetimeMiddleware",
    "kbs.accounts.mfa.TwoStepRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kbs.core.middleware.SecurityHeadersMiddleware",
    "kbs.audit.actions.ClientAddressMiddleware",
    # Last, as django-axes asks: it turns a lockout found during the request into our locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kbs.urls"
WSGI_APPLICATION = "kbs.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "kbs.core.jinja.environment", "autoescape": True},
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}", conn_max_age=60, conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one request writes; IMMEDIATE avoids lock upgrades mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "families:mine"

# django-axes refuses sign-in to a locked account before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]

# At least 12 characters and not on the shipped list of common and breached passwords; no rules
# about kinds of character and no forced changes (NCSC and NIST 800-63B advice; ADR 12).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "kbs.accounts.passwords.BreachedPasswordValidator"},
]

# Lockout (django-axes, kbs.accounts.lockout): 10 failures within an hour lock the account, and
# separately the address they came from, for an hour. Wrong one-time codes count as failures. Our
# own views forgive a person's failures only once both steps succeed, so the password step alone
# cannot reset the count.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = False
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "kbs.accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # sign-in notices keep only a keyed hash of device and address
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp_token"]
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Keeping Babies Safe"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
# Staff pages are English. The public "Keeping babies safe" pages and the family's printed plans are
# also in these languages (kbs/public/languages.py), chosen by the URL or the family's record, never
# by a cookie. Catalogues: locale/<code>/LC_MESSAGES/django.po (`make messages`).
LANGUAGES = [("en-gb", "English"), ("pl", "Polski"), ("ur", "اردو"), ("ro", "Română")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Outside production, serve straight from the apps' static folders (no collectstatic step).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Any session ends 12 hours after signing in, and after 30 minutes without a request
# (kbs.accounts.sessions).
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_ENGINE = "kbs.accounts.session_store"  # database sessions that refuse malformed keys
KBS_SESSION_IDLE_SECONDS = int(env_str("KBS_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("KBS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Mail: a file backend in demo mode so that notices can be read without a mail server.
EMAIL_BACKEND = env_str(
    "KBS_EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEMO_MODE
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env_str("KBS_EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env_str("KBS_EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("KBS_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = env_str("KBS_FROM_EMAIL", "keeping-babies-safe@example.nhs.uk")

# How long break-glass (emergency) access lasts.
KBS_BREAK_GLASS_HOURS = 3

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KBS_LOG_LEVEL", "WARNING")},
}

# Used in e-mails, which hold links but never names.
KBS_BASE_URL = env_str("KBS_BASE_URL", None if PRODUCTION else "http://127.0.0.1:8000")

# Where to report a security problem (a mailto: or https: URL), published in /.well-known/security.txt.
# Production publishes no security.txt (the address is "not found") until the partnership sets one.
KBS_SECURITY_CONTACT = env_str("KBS_SECURITY_CONTACT", "" if PRODUCTION else "mailto:security@example.nhs.uk")

# The partnership's designated child death contact, told (by e-mail, links only) when a practitioner
# records that a baby has died. Optional: leave empty in production if the partnership has none yet,
# and the agencies' safeguarding leads are still told.
KBS_CHILD_DEATH_CONTACT_EMAIL = env_str(
    "KBS_CHILD_DEATH_CONTACT_EMAIL", "" if PRODUCTION else "child-death-reviews@example.nhs.uk"
)

# The Level 2 e-learning knowledge checks' pass mark, as a percentage.
KBS_L2_PASS_MARK = int(env_str("KBS_L2_PASS_MARK", "80"))


def env_csc_contacts(name: str, default: str) -> list[dict[str, str | bool]]:
    """Children's social care numbers for the public "Worried about a baby?" page: a JSON list of
    {"area", "phone", "out_of_hours"}, with an optional "example": true for made-up numbers."""
    try:
        rows = json.loads(os.environ.get(name) or default)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"{name} must be a JSON list: {error}") from None
    if not isinstance(rows, list) or not all(
        isinstance(row, dict) and all(isinstance(row.get(key), str) and row[key].strip() for key in ("area", "phone"))
        for row in rows
    ):
        raise ImproperlyConfigured(f'{name} must be a JSON list of {{"area", "phone", "out_of_hours"}} objects.')
    return [{"area": row["area"].strip(), "phone": row["phone"].strip(),
             "out_of_hours": str(row.get("out_of_hours") or "").strip(), "example": bool(row.get("example"))}
            for row in rows]


# Outside production the numbers are made up (01632 960xxx is kept for drama by Ofcom) and marked
# as examples on the page; production shows none until the partnership sets its own.
KBS_CSC_CONTACTS = env_csc_contacts("KBS_CSC_CONTACTS", "[]" if PRODUCTION else json.dumps([
    {"area": "Derby City (example)", "phone": "01632 960001", "out_of_hours": "01632 960002", "example": True},
    {"area": "Derbyshire (example)", "phone": "01632 960003", "out_of_hours": "01632 960004", "example": True},
]))

# The library's uploaded files (PDF, PNG, JPEG). Outside the web root: nothing serves this folder
# directly, and every file goes out through the library's access-checked view. BASE_DIR/var is
# git-ignored. With more than one app server, point this at a volume they all share.
KBS_UPLOAD_ROOT = Path(env_str("KBS_UPLOAD_ROOT", str(BASE_DIR / "var" / "uploads")))
# The largest file the library accepts, in megabytes.
KBS_LIBRARY_MAX_UPLOAD_MB = int(env_str("KBS_LIBRARY_MAX_UPLOAD_MB", "10"))
