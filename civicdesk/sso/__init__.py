"""Single sign-on per organization: OpenID Connect and SAML 2.0 through allauth.socialaccount."""
