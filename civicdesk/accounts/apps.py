from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "civicdesk.accounts"
    label = "accounts"
    verbose_name = "Sign-in and sessions"
    default_auto_field = "django.db.models.BigAutoField"
