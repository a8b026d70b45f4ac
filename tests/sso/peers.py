"""The identity providers the single sign-on tests sign in through, on 127.0.0.1.

OpenID Connect: the npm package oidc-provider (tests/peers/oidc_provider.mjs). SAML 2.0:
pysaml2's IdP in a thread, signing with a key and certificate made for the test run (the
``xmlsec1`` binary from Debian does the signing).
"""

from __future__ import annotations

import datetime
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.connectors.peers import PEERS, free_port, node22, run_peer


@contextmanager
def oidc_provider(
    tmp: Path, *, clients: list[dict[str, Any]], users: dict[str, dict[str, Any]]
) -> Iterator[str]:
    """Start the provider; yields its issuer URL."""
    if not (PEERS / "node_modules" / "oidc-provider").exists():
        pytest.skip("oidc-provider is not installed (run scripts/setup --test with Node.js)")
    port = free_port()
    with run_peer(
        [node22(), str(PEERS / "oidc_provider.mjs")],
        ready_url=f"http://127.0.0.1:{port}/.well-known/openid-configuration",
        log=tmp / f"oidc-{port}.log",
        env={
            "PORT": str(port),
            "OIDC_CLIENTS": json.dumps(clients),
            "OIDC_USERS": json.dumps(users),
        },
    ):
        yield f"http://127.0.0.1:{port}"


def key_and_certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate, written for xmlsec1 to read."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = tmp / f"{name}.key", tmp / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@dataclass
class SamlIdP:
    url: str
    entity_id: str
    sso_url: str
    certificate: str
    # Who the IdP says is signing in: attribute name -> values.
    identity: dict[str, list[str]] = field(default_factory=dict)
    sp_metadata: list[str] = field(default_factory=list)


@contextmanager
def saml_idp(tmp: Path) -> Iterator[SamlIdP]:
    """pysaml2's IdP; add the SP's metadata to ``sp_metadata`` before a sign-in."""
    xmlsec = shutil.which("xmlsec1")
    if xmlsec is None:
        pytest.skip("xmlsec1 is not installed (scripts/setup --test installs Debian's)")
    from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
    from saml2.config import IdPConfig
    from saml2.saml import NAMEID_FORMAT_EMAILADDRESS, NameID
    from saml2.server import Server
    from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

    key, cert = key_and_certificate(tmp, "idp")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    idp = SamlIdP(
        url=base,
        entity_id=f"{base}/metadata",
        sso_url=f"{base}/sso",
        certificate=cert.read_text(),
    )

    def server() -> Server:
        config = IdPConfig()
        config.load(
            {
                "entityid": idp.entity_id,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(idp.sso_url, BINDING_HTTP_REDIRECT)]
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        "policy": {"default": {"lifetime": {"minutes": 15}}},
                    }
                },
                "key_file": str(key),
                "cert_file": str(cert),
                "xmlsec_binary": xmlsec,
                "metadata": {"inline": idp.sp_metadata},
            }
        )
        return Server(config=config)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            parsed = urlparse(self.path)
            if parsed.path == "/metadata":
                from saml2.metadata import create_metadata_string

                self._send(200, create_metadata_string(None, server().config).decode(), "text/xml")
                return
            if parsed.path != "/sso":
                self._send(404, "not found", "text/plain")
                return
            query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
            srv = server()
            request = srv.parse_authn_request(query["SAMLRequest"], BINDING_HTTP_REDIRECT)
            message = request.message
            email = idp.identity.get("mail", [""])[0]
            response = srv.create_authn_response(
                {k: v for k, v in idp.identity.items()},
                in_response_to=message.id,
                destination=message.assertion_consumer_service_url,
                sp_entity_id=message.issuer.text,
                name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
                authn={
                    "class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
                    "authn_auth": idp.entity_id,
                },
                sign_assertion=True,
                sign_response=True,
                # SHA-1 signatures are refused by the service provider, as they should be.
                sign_alg=SIG_RSA_SHA256,
                digest_alg=DIGEST_SHA256,
            )
            binding = srv.apply_binding(
                BINDING_HTTP_POST,
                str(response),
                message.assertion_consumer_service_url,
                query.get("RelayState", ""),
                response=True,
            )
            self._send(200, binding["data"], "text/html")

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield idp
    finally:
        httpd.shutdown()
        httpd.server_close()
