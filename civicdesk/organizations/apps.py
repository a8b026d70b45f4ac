from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "civicdesk.organizations"
    label = "organizations"
