from django.apps import AppConfig


class ListeningConfig(AppConfig):
    name = "civicdesk.listening"
    label = "listening"
    verbose_name = "Listening"
