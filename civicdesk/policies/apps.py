from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "civicdesk.policies"
    label = "policies"
    verbose_name = "Policy"
