from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "civicdesk.inbox"
    label = "inbox"
