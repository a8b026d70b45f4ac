"""The views of the desk, one module per screen."""
