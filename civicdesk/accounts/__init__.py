"""Sign-in, second factors and sessions: the desk's side of django-allauth.

allauth does the work (forms, lockout, password reset, TOTP, passkeys, the session list);
this app adds what is ours: the audit trail of every sign-in event, the organization's
second-factor rule, idle and absolute session limits, and the desk's page layout.
"""
