"""The claims desk: rumours the public repeats, matched across languages, corrected, and
listed with their facts on the organization's public rumour-control page."""
