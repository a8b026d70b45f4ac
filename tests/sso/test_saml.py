"""Single sign-on through a real SAML 2.0 identity provider (pysaml2) with signed assertions."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from django.urls import reverse

from civicdesk.organizations.models import AuditEvent, Membership, Role
from civicdesk.sso.services import saml_provider_save
from tests.factories import World
from tests.sso.conftest import rules
from tests.sso.forms import submit
from tests.sso.peers import saml_idp

pytestmark = pytest.mark.slow

# The attribute names a Shibboleth-style IdP sends (eduPerson / LDAP OIDs).
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
IS_MEMBER_OF = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"


def test_a_member_signs_in_through_a_saml_idp_and_gets_the_mapped_role(
    tmp_path: Path,
    world: World,
    live_server,  # noqa: ANN001
) -> None:
    with saml_idp(tmp_path) as idp:
        # Configured from the IdP's metadata address, read through the guarded client.
        provider = saml_provider_save(
            organization=world.org,
            provider=None,
            rules=rules(
                name="County IdP",
                groups_claim=IS_MEMBER_OF,
                role_mappings=[
                    {"group": "comms", "role": Role.APPROVER, "brand": world.brand.slug}
                ],
            ),
            entity_id="",
            sso_url="",
            x509cert="",
            metadata_url=f"{idp.url}/metadata",
            email_attribute=MAIL,
            uid_attribute="",
            actor=world.admin,
        )
        assert provider.social_app.settings["idp"]["sso_url"] == idp.sso_url
        slug = provider.social_app.client_id
        client = httpx.Client(follow_redirects=True, timeout=20)
        sp_metadata = client.get(live_server.url + reverse("saml_metadata", args=[slug]))
        assert sp_metadata.status_code == 200
        idp.sp_metadata.append(sp_metadata.text)

        # An address the IdP vouches for that belongs to nobody of the organization.
        idp.identity = {"mail": ["nobody@city.example"], "isMemberOf": ["comms"]}
        page = client.get(f"{live_server.url}/login/")
        posted = submit(client, submit(client, page, action_contains=f"/saml/{slug}/login/"))
        assert posted.url.path == "/login/"
        assert "Nobody with this email address belongs" in posted.text

        idp.identity = {"mail": [world.viewer.email], "isMemberOf": ["comms"]}
        page = client.get(f"{live_server.url}/login/")
        posted = submit(client, submit(client, page, action_contains=f"/saml/{slug}/login/"))
        assert posted.url.path == "/", posted.text[:2000]
    assert Membership.objects.get(user=world.viewer, brand=world.brand).role == Role.APPROVER
    actions = set(
        AuditEvent.objects.filter(organization=world.org).values_list("action", flat=True)
    )
    assert {"sso.provider.added", "sso.refused", "sso.membership.mapped", "sso.signin"} <= actions
