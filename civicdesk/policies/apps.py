from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "civicdesk.policies"
    label = "policies"
    verbose_name = "Policy"

    def ready(self) -> None:
        from civicdesk.policies.selectors import policy_current  # models are ready only now
        from civicdesk.publishing.checks import use_policy_source

        use_policy_source(policy_current)
