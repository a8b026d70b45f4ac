"""What a signed-in session carries for its limits (times are Unix seconds)."""

from __future__ import annotations

SIGNED_IN_AT = "civicdesk.signed_in_at"
SEEN_AT = "civicdesk.seen_at"
# The last verdict on the second-factor rule, and when it was reached.
MFA_NEEDED = "civicdesk.mfa_needed"
MFA_CHECKED_AT = "civicdesk.mfa_checked_at"
# The last-seen time is written at most this often: not a session write per request.
TOUCH_EVERY_SECONDS = 60
