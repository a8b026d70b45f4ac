from django.apps import AppConfig


class RuntimeConfig(AppConfig):
    name = "civicdesk.runtime"
    label = "runtime"
