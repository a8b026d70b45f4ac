"""Example scenarios shipped with Civic Desk (YAML files read by ``load_scenario``)."""
