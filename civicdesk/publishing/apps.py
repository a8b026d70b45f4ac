from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "civicdesk.publishing"
    label = "publishing"
