from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    name = "civicdesk.claims"
    label = "claims"
    verbose_name = "Claims"

    def ready(self) -> None:
        # The inbox sits below the claims desk: messages are matched to claims as the inbox
        # understands them, through the hook it offers (inbox.arrivals).
        from civicdesk.claims.matching import match_arrivals
        from civicdesk.inbox.arrivals import set_arrival_hook

        set_arrival_hook(match_arrivals)
