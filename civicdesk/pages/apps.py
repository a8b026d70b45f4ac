from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "civicdesk.pages"
    label = "pages"
