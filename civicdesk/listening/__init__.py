"""Listening: what the public says about the organization beyond its own inbox, grouped into
topics, and the spikes that become issue cards."""
