"""The forms of the Single sign-on settings screen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicdesk.organizations.models import Role
from civicdesk.sso.models import IdentityProvider
from civicdesk.sso.services import SignOnRules


def mappings_parse(text: str) -> list[dict[str, str]]:
    """Lines "group = role" or "group = role @ brand-slug" into mappings."""
    mappings = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        group, sep, rest = line.partition("=")
        role, _at, brand = rest.partition("@")
        if not sep or not group.strip() or not role.strip():
            raise forms.ValidationError(
                _("Line %(number)s: write “group = role” or “group = role @ brand”.")
                % {"number": number}
            )
        if role.strip() not in Role.values:
            raise forms.ValidationError(
                _("Line %(number)s: %(role)s is not a role (%(roles)s).")
                % {"number": number, "role": role.strip(), "roles": ", ".join(Role.values)}
            )
        mappings.append({"group": group.strip(), "role": role.strip(), "brand": brand.strip()})
    return mappings


def mappings_text(mappings: list[dict[str, str]]) -> str:
    return "\n".join(
        f"{m['group']} = {m['role']}" + (f" @ {m['brand']}" if m.get("brand") else "")
        for m in mappings
    )


class RulesForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name on the sign-in button"),
        max_length=100,
        help_text=gettext_lazy("People see “Sign in with” followed by this name."),
    )
    email_domains = forms.CharField(
        label=gettext_lazy("Email domains"),
        required=False,
        help_text=gettext_lazy(
            "Comma-separated, such as city.example, parks.city.example: people typing an "
            "address there are sent to this provider."
        ),
    )
    groups_claim = forms.CharField(
        label=gettext_lazy("Group claim or attribute"),
        required=False,
        initial="groups",
        max_length=200,
    )
    role_mappings = forms.CharField(
        label=gettext_lazy("Groups and roles"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One a line: “group = role” for every brand, or “group = role @ brand-slug”. "
            "Roles: admin, manager, author, approver, responder, analyst, viewer."
        ),
    )
    create_people = forms.BooleanField(
        label=gettext_lazy(
            "Create people the desk does not know when one of their groups is listed"
        ),
        required=False,
    )

    def clean_email_domains(self) -> list[str]:
        raw = self.cleaned_data["email_domains"]
        domains = [d.strip().lower().lstrip("@") for d in raw.split(",") if d.strip()]
        for domain in domains:
            if "." not in domain or " " in domain or "@" in domain:
                raise forms.ValidationError(_("%(domain)s is not a domain.") % {"domain": domain})
        return domains

    def clean_role_mappings(self) -> list[dict[str, str]]:
        return mappings_parse(self.cleaned_data["role_mappings"])

    def rules(self) -> SignOnRules:
        data = self.cleaned_data
        return SignOnRules(
            name=data["name"],
            email_domains=data["email_domains"],
            groups_claim=data["groups_claim"].strip(),
            role_mappings=data["role_mappings"],
            create_people=data["create_people"],
        )

    @staticmethod
    def initial_for(provider: IdentityProvider) -> dict[str, Any]:
        return {
            "name": provider.name,
            "email_domains": ", ".join(provider.email_domains),
            "groups_claim": provider.groups_claim,
            "role_mappings": mappings_text(provider.role_mappings),
            "create_people": provider.create_people,
        }


class OIDCForm(RulesForm):
    issuer = forms.URLField(
        label=gettext_lazy("Issuer URL"),
        help_text=gettext_lazy("Where the provider publishes /.well-known/openid-configuration."),
        assume_scheme="https",
    )
    client_id = forms.CharField(label=gettext_lazy("Client ID"), max_length=191)
    client_secret = forms.CharField(
        label=gettext_lazy("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=gettext_lazy("Stored encrypted. Leave empty to keep the current one."),
    )
    scopes = forms.CharField(
        label=gettext_lazy("Scopes"),
        initial="openid email profile",
        help_text=gettext_lazy("Space-separated; add the one that brings groups if needed."),
    )

    def clean_scopes(self) -> list[str]:
        return self.cleaned_data["scopes"].split()

    @staticmethod
    def initial_for(provider: IdentityProvider) -> dict[str, Any]:
        app = provider.social_app
        return {
            **RulesForm.initial_for(provider),
            "issuer": app.settings.get("server_url", ""),
            "client_id": app.client_id,
            "scopes": " ".join(app.settings.get("scope", [])),
        }


class SAMLForm(RulesForm):
    metadata_url = forms.URLField(
        label=gettext_lazy("IdP metadata URL"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Read when you save. Or leave it empty and fill in the three fields below."
        ),
    )
    entity_id = forms.CharField(label=gettext_lazy("IdP entity ID"), required=False)
    sso_url = forms.URLField(
        label=gettext_lazy("IdP sign-in URL"), required=False, assume_scheme="https"
    )
    x509cert = forms.CharField(
        label=gettext_lazy("IdP signing certificate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("PEM, as the provider's admin screen shows it."),
    )
    email_attribute = forms.CharField(
        label=gettext_lazy("Email attribute"),
        initial="email",
        max_length=200,
    )
    uid_attribute = forms.CharField(
        label=gettext_lazy("Unique ID attribute"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Leave empty to use the email attribute."),
    )

    @staticmethod
    def initial_for(provider: IdentityProvider) -> dict[str, Any]:
        app_settings = provider.social_app.settings
        idp = app_settings.get("idp", {})
        mapping = app_settings.get("attribute_mapping", {})
        email = (mapping.get("email") or ["email"])[0]
        uid = (mapping.get("uid") or [""])[0]
        return {
            **RulesForm.initial_for(provider),
            "metadata_url": app_settings.get("metadata_source", ""),
            "entity_id": idp.get("entity_id", ""),
            "sso_url": idp.get("sso_url", ""),
            "x509cert": idp.get("x509cert", ""),
            "email_attribute": email,
            "uid_attribute": "" if uid == email else uid,
        }


class PolicyForm(forms.Form):
    sso_only = forms.BooleanField(
        label=gettext_lazy("Single sign-on is the only way in"),
        required=False,
        help_text=gettext_lazy(
            "The password form then refuses the organization's members and points them to "
            "the sign-in button. Installation operators keep their password."
        ),
    )
    sso_counts_as_mfa = forms.BooleanField(
        label=gettext_lazy("A sign-in through our provider counts as the second step"),
        required=False,
        help_text=gettext_lazy(
            "Turn on when the provider already asks for a second factor. Providers that say "
            "so in the sign-in (OpenID Connect “amr”) count either way."
        ),
    )
