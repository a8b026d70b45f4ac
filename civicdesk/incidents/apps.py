from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "civicdesk.incidents"
    verbose_name = "Incidents"

    def ready(self) -> None:
        # While an incident is open, its channels' messages are understood in incident mode
        # and its brands' ordinary posts wait: both hooks are asked at run time, so declaring
        # or closing an incident takes effect on the next ingest or claim.
        from civicdesk.inbox.understanding import set_incident_scope
        from civicdesk.incidents.selectors import channels_in_incident, held_publications
        from civicdesk.publishing.publisher import set_claim_hold

        set_incident_scope(channels_in_incident)
        set_claim_hold(held_publications)
