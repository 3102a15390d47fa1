from django.apps import AppConfig


class LivelihoodConfig(AppConfig):
    name = "renda.livelihood"
    label = "livelihood"
    verbose_name = "民生实事项目"
