"""URL routes: the pages, the built-in exercise network, and what platforms fetch from us."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from civicdesk.accounts import views as account_views
from civicdesk.claims.urls import public_urlpatterns as rumour_urls
from civicdesk.connectors.bluesky import oauth as bluesky_oauth
from civicdesk.pages.views import influencers, settings_sso
from civicdesk.sso import views as sso_views

# The admin has no sign-in form of its own: it sends people to ours, with its lockout and
# second step.
# (django-stubs sees a method; Django's sites take an instance attribute in its place.)
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    # Password reset and change, second factors, the list of one's sessions, and single
    # sign-on (allauth.socialaccount: OpenID Connect, SAML).
    path("accounts/language/", account_views.account_language, name="account-language"),
    path("accounts/", include("allauth.urls")),
    # Single sign-on: allauth.socialaccount's /accounts/oidc/<id>/ and /accounts/saml/<id>/
    # above; the address-to-provider step of the sign-in page and the settings screen here.
    path("sso/find/", sso_views.sso_find, name="sso-find"),
    path("settings/<int:org_pk>/sso/", settings_sso.settings_sso, name="settings-sso"),
    path(
        "settings/<int:org_pk>/sso/<str:protocol>/new/",
        settings_sso.settings_sso_provider,
        name="settings-sso-provider-add",
    ),
    path(
        "settings/<int:org_pk>/sso/<str:protocol>/<int:pk>/",
        settings_sso.settings_sso_provider,
        name="settings-sso-provider-edit",
    ),
    path(
        "settings/<int:org_pk>/sso/providers/<int:pk>/remove/",
        settings_sso.settings_sso_remove,
        name="settings-sso-provider-remove",
    ),
    # Bluesky's authorization servers read who we are from here (atproto OAuth).
    path(
        "oauth/bluesky/client-metadata.json",
        login_not_required(bluesky_oauth.client_metadata_view),
        name="bluesky-client-metadata",
    ),
    path("exnet/", include("civicdesk.exnet.urls")),
    path("policy/", include("civicdesk.policies.urls")),
    path("records/", include("civicdesk.records.urls")),
    path("analytics/", include("civicdesk.pages.analytics_urls")),
    path("claims/", include("civicdesk.claims.urls")),
    path("listening/", include("civicdesk.pages.listening_urls")),
    path("inbox/influencers/", influencers.influencers, name="influencers"),
    # The public rumour-control pages: no sign-in.
    path("rumours/", include(rumour_urls)),
    path("", include("civicdesk.pages.urls")),
]

# Styled error pages: 403 and 404 keep the menu and say why; 500 needs no database.
handler403 = "civicdesk.pages.views.site.forbidden"
handler404 = "civicdesk.pages.views.site.not_found"
handler500 = "civicdesk.pages.views.site.server_error"
