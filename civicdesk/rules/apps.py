from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "civicdesk.rules"
    label = "rules"
