from django.apps import AppConfig


class ExercisesConfig(AppConfig):
    name = "civicdesk.exercises"
    verbose_name = "Exercises"
