"""The exercise network connector: Civic Desk's own practice platform, over HTTP."""
