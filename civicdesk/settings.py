"""Django settings, read from environment variables through civicdesk.config."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.utils.csp import CSP

from civicdesk.config import (
    cache_config,
    data_dir,
    database_config,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_str,
    secret_from_env_or_file,
)
from civicdesk.connectors.catalog import platform_api_urls, platform_apps

DATA_DIR = data_dir()

SECRET_KEY = secret_from_env_or_file("SECRET_KEY", "secret_key")
DEBUG = env_bool("DEBUG", False)
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_SITE = urlsplit(SITE_URL)
# Served over HTTPS: every transport protection below defaults to on.
SITE_IS_HTTPS = _SITE.scheme == "https"
# The site's own host is always allowed; Django's test client adds "testserver" itself.
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    sorted({"127.0.0.1", "localhost", "[::1]", *([_SITE.hostname] if _SITE.hostname else [])}),
)
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", [f"{_SITE.scheme}://{_SITE.netloc}"] if SITE_IS_HTTPS else []
)

# Key for platform credentials at rest (Fernet, base64). Generated into the data folder
# for a laptop install; a deployment sets it and keeps it out of the database backups.
CREDENTIALS_KEY = secret_from_env_or_file("CIVICDESK_CREDENTIALS_KEY", "credentials_key")
# Seed of the Ed25519 key that signs the records' checkpoints and exports; kept out of the
# database (and its backups) so that rewriting the database cannot forge a signature.
RECORDS_SIGNING_KEY = secret_from_env_or_file(
    "CIVICDESK_RECORDS_SIGNING_KEY", "records_signing_key"
)

INSTALLED_APPS = [
    # Before django.contrib.admin and allauth: our sign-in pages use the desk's layout.
    "civicdesk.accounts",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "civicdesk.core",
    "civicdesk.organizations",
    "civicdesk.publishing",
    "civicdesk.inbox",
    "civicdesk.analytics",
    "civicdesk.connectors",
    "civicdesk.exnet",
    "civicdesk.rules",
    "civicdesk.understanding",
    "civicdesk.pages",
    "civicdesk.policies",
    "civicdesk.incidents",
    "civicdesk.claims",
    "civicdesk.listening",
    "civicdesk.exercises",
    "civicdesk.records",
    "civicdesk.runtime",  # the worker, the server, the demo: above every other app
    "civicdesk.sso",
    # Sign-in: accounts (username or email, password reset, lockout), second factors (TOTP,
    # recovery codes, passkeys), each person's list of sessions, and single sign-on per
    # organization (OpenID Connect, SAML 2.0; configured in the database, civicdesk/sso).
    "django.contrib.humanize",  # allauth's session list says "5 minutes ago"
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The interface's language from the browser; a person's own choice (their profile)
    # overrides it once they are known (accounts.middleware.ProfileLanguageMiddleware).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "civicdesk.accounts.language.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Idle and absolute session limits, then the organization's second-factor rule.
    # The session rules of accounts, with single sign-on's answer to the second-factor rule.
    "civicdesk.sso.middleware.SignOnPolicyMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "civicdesk.urls"
WSGI_APPLICATION = "civicdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicdesk.pages.context.desk",
            ],
        },
    },
]

DATABASES = {"default": database_config(env_str("DATABASE_URL"), DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Lockout and rate-limit counters (allauth) live in the cache, so every web process must
# see the same one: a database table by default, Redis when CACHE_URL (or REDIS_URL) names
# one (docs/security.md).
CACHES = {"default": cache_config(env_str("CACHE_URL") or env_str("REDIS_URL"))}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in (django-allauth; docs/security.md says why and how it is set up).
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# The sign-in adapter with single sign-on's rules (SSO only) on top of accounts' own.
ACCOUNT_ADAPTER = "civicdesk.sso.adapter.AccountAdapter"
USERSESSIONS_ADAPTER = "civicdesk.accounts.adapter.UserSessionsAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # people join by invitation, to an address already known
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False  # the session ends with the browser, and sooner when idle
ACCOUNT_EMAIL_NOTIFICATIONS = True  # a person hears of every change to how they sign in
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
# Lockout: this many failed sign-ins for one account, or from one address, within the
# window, and further attempts are refused until it has passed (the right password too).
SIGNIN_FAILURES_PER_ACCOUNT = env_int("SIGNIN_FAILURES_PER_ACCOUNT", 5)
SIGNIN_FAILURES_PER_ADDRESS = env_int("SIGNIN_FAILURES_PER_ADDRESS", 20)
SIGNIN_LOCKOUT_SECONDS = env_int("SIGNIN_LOCKOUT_SECONDS", 15 * 60)
ACCOUNT_RATE_LIMITS = {
    "login_failed": (
        f"{SIGNIN_FAILURES_PER_ADDRESS}/{SIGNIN_LOCKOUT_SECONDS}s/ip,"
        f"{SIGNIN_FAILURES_PER_ACCOUNT}/{SIGNIN_LOCKOUT_SECONDS}s/key"
    ),
    "login": f"{env_int('SIGNIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE', 30)}/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Single sign-on (civicdesk/sso): each organization's providers are SocialApp rows; the
# adapter matches people by verified email and never lets anyone sign themselves up.
SOCIALACCOUNT_ADAPTER = "civicdesk.sso.adapter.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # matching is ours: members of the IdP's organization
SOCIALACCOUNT_LOGIN_ON_GET = False  # sign-in buttons post, so a link cannot start a sign-in
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env_int("SSO_REQUEST_TIMEOUT_SECONDS", 10)
SOCIALACCOUNT_PROVIDERS = {"openid_connect": {"OAUTH_PKCE_ENABLED": True}}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "Civic Desk")
# One step of clock drift either way between the server and a phone.
MFA_TOTP_TOLERANCE = 1
# WebAuthn refuses plain HTTP except on localhost; a laptop install uses that.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not SITE_IS_HTTPS
# A person whose organization requires a second factor may only reach these before enrolling.
MFA_ENROLMENT_URL = "mfa_activate_totp"

# Sessions: signed out after this long without a request (sliding), and after this long
# whatever happens (a fresh sign-in each working day).
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS

# Mail (invitations, password resets, security notices): Django's SMTP mailer, set from
# EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS (on for port
# 587) and EMAIL_USE_SSL (on for 465). Without EMAIL_HOST, messages are printed to the
# console instead of sent: fine for the demo, never for a deployment. Send with
# django.core.mail (send_mail, EmailMessage): it uses the "default" mailer.
_EMAIL_HOST = env_str("EMAIL_HOST", "")
_EMAIL_PORT = env_int("EMAIL_PORT", 587)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _EMAIL_HOST,
            "port": _EMAIL_PORT,
            "username": env_str("EMAIL_HOST_USER", ""),
            "password": env_str("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", _EMAIL_PORT == 587),
            "use_ssl": env_bool("EMAIL_USE_SSL", _EMAIL_PORT == 465),
            "timeout": env_int("EMAIL_TIMEOUT", 20),
        },
    }
    if _EMAIL_HOST
    else {"BACKEND": "django.core.mail.backends.console.EmailBackend"},
}
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", f"Civic Desk <noreply@{_SITE.hostname or 'localhost'}>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # htmx reads the token from the page, never from the cookie
# A refused form gets the desk's own 403 page, with the menu and a way on.
CSRF_FAILURE_VIEW = "civicdesk.pages.views.site.csrf_failure"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", SITE_IS_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SITE_IS_HTTPS)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if SITE_IS_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SITE_IS_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The header by which the TLS-terminating proxy says the request came over HTTPS (it must
# set or strip it on every request). Empty: no proxy, trust no header.
_PROXY_HEADER = env_str("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto" if SITE_IS_HTTPS else "")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_HEADER.upper().replace("-", "_"), "https") if _PROXY_HEADER else None
)
# Asking browsers to hard-code HTTPS for the domain (the preload list) is the domain
# owner's decision, not a default; Django warns about it otherwise.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No script runs unless it is one of our own files: public text can never become code.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "en"
# The interface's languages, each named in itself (the switcher shows them so).
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español"), ("ar", "العربية")]
# One catalogue for the whole project: translators work in a single file a language.
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise expects it even when it serves from the apps
# Served by the web process itself (WhiteNoise); found in the apps without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = DATA_DIR / "media"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {
        "civicdesk": {
            "handlers": ["console"],
            "level": env_str("LOG_LEVEL", "INFO"),
            "propagate": False,
        },
    },
}

# Publishing: how late a publication may go out before it is marked missed instead.
PUBLISH_MISSED_AFTER_SECONDS = env_int("PUBLISH_MISSED_AFTER_SECONDS", 15 * 60)
PUBLISH_MAX_ATTEMPTS = env_int("PUBLISH_MAX_ATTEMPTS", 8)
PUBLISH_BACKOFF_BASE_SECONDS = env_float("PUBLISH_BACKOFF_BASE_SECONDS", 5.0)
PUBLISH_BACKOFF_CAP_SECONDS = env_float("PUBLISH_BACKOFF_CAP_SECONDS", 15 * 60.0)
PUBLISH_CLAIM_BATCH = env_int("PUBLISH_CLAIM_BATCH", 20)
# A platform's concurrency cap is per worker; this many workers share the platform.
PUBLISH_WORKERS_EXPECTED = env_int("PUBLISH_WORKERS_EXPECTED", 4)
# A claim that has not finished in this time is taken to be from a dead worker.
PUBLISH_CLAIM_TIMEOUT_SECONDS = env_int("PUBLISH_CLAIM_TIMEOUT_SECONDS", 300)
# A claim is a lease, renewed while the publication is being sent; one not renewed in this
# time belongs to a dead or stuck worker.
PUBLISH_LEASE_SECONDS = env_float("PUBLISH_LEASE_SECONDS", 30.0)
# Publications one worker sends at once (each platform's account limits still apply).
PUBLISH_THREADS = env_int("PUBLISH_THREADS", 16)
INGEST_INTERVAL_SECONDS = env_int("INGEST_INTERVAL_SECONDS", 30)
METRICS_INTERVAL_SECONDS = env_int("METRICS_INTERVAL_SECONDS", 15 * 60)
# Records: how often the audit and archive chains are signed, and for how many days received
# messages are fetched again to see their authors' edits and deletions.
RECORDS_CHECKPOINT_SECONDS = env_int("RECORDS_CHECKPOINT_SECONDS", 60 * 60)
RECORDS_RECHECK_DAYS = env_int("RECORDS_RECHECK_DAYS", 7)
# How often every chain is read again from its first entry (the pages then check only what
# was added since), and up to how many entries a page checks a chain in full itself when no
# full check has been stored yet.
RECORDS_VERIFY_SECONDS = env_int("RECORDS_VERIFY_SECONDS", 24 * 60 * 60)
RECORDS_VERIFY_ON_PAGE_MAX = env_int("RECORDS_VERIFY_ON_PAGE_MAX", 20_000)
# How often each channel's platform is asked whether the account still works.
CHANNEL_CHECK_INTERVAL_SECONDS = env_int("CHANNEL_CHECK_INTERVAL_SECONDS", 4 * 3600)
CONNECTOR_TIMEOUT_SECONDS = env_float("CONNECTOR_TIMEOUT_SECONDS", 10.0)
# Addresses people type (feeds, Mastodon and Bluesky servers) are never private, loopback or
# link-local ones (core/outbound.py), except the hosts named here ("host" or "host:port",
# comma-separated): the exercise network or a peer on this machine.
OUTBOUND_ALLOWED_HOSTS = env_list("OUTBOUND_ALLOWED_HOSTS", [])
# The built-in exercise network (API, public pages, faults) is for rehearsals: a production
# install serves none of it unless this turns it on (the demo and the tests do).
EXNET_ENABLED = env_bool("EXNET_ENABLED", False)
# Where the worker reaches the built-in exercise network (served by the web process).
EXNET_BASE_URL = env_str("EXNET_BASE_URL", SITE_URL + "/exnet/api")
# Faults asked for per request by a header: anyone could slow or break the network with them.
EXNET_ALLOW_REQUEST_FAULTS = env_bool("EXNET_ALLOW_REQUEST_FAULTS", False)
# How long the network holds a request it was told to time out.
EXNET_FAULT_HOLD_SECONDS = env_float("EXNET_FAULT_HOLD_SECONDS", CONNECTOR_TIMEOUT_SECONDS + 2)

# Platforms, from each one's description (connectors/<platform>/platform.py): the
# organization's registered application on each (CIVICDESK_<PLATFORM>_CLIENT_ID and
# _CLIENT_SECRET, for OAuth, and X's _TIER), and an optional API address (_API_URL, for a
# self-hosted peer, a proxy, or tests).
PLATFORM_APPS = platform_apps(env_str)
PLATFORM_API_URLS = platform_api_urls(env_str)
# Tokens expiring sooner than this are refreshed by the sweep, and just before use.
TOKEN_REFRESH_MARGIN_SECONDS = env_int("TOKEN_REFRESH_MARGIN_SECONDS", 15 * 60)
# Admins are warned this long before a token that cannot be refreshed expires.
TOKEN_EXPIRY_WARNING_DAYS = env_int("TOKEN_EXPIRY_WARNING_DAYS", 7)

# Where the labelled research data lives (the layout of the project's shared data). When
# set, each organization's message-understanding model is retrained weekly from it plus
# the team's corrections, and replaced only if it is not worse.
UNDERSTANDING_TRAINING_DATA = env_str("UNDERSTANDING_TRAINING_DATA", "")
UNDERSTANDING_RETRAIN_DAYS = env_int("UNDERSTANDING_RETRAIN_DAYS", 7)
