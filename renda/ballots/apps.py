from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "renda.ballots"
    label = "ballots"
    verbose_name = "表决与测评"
