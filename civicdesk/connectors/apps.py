from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "civicdesk.connectors"
    label = "connectors"
