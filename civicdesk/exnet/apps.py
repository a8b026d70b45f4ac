from django.apps import AppConfig


class ExnetConfig(AppConfig):
    name = "civicdesk.exnet"
    label = "exnet"
