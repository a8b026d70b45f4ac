from django.apps import AppConfig


class UnderstandingConfig(AppConfig):
    name = "civicdesk.understanding"
    label = "understanding"
