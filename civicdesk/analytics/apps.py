from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "civicdesk.analytics"
    label = "analytics"
