from django.apps import AppConfig


class MotionsConfig(AppConfig):
    name = "renda.motions"
    label = "motions"
    verbose_name = "代表议案"
