from django.apps import AppConfig


class SuggestionsConfig(AppConfig):
    name = "renda.suggestions"
    label = "suggestions"
    verbose_name = "代表建议"

    def ready(self) -> None:
        from renda.core.notify import register_templates, register_visibility
        from renda.suggestions import permissions
        from renda.suggestions.models import Suggestion
        from renda.suggestions.notices import TEMPLATES

        register_visibility(Suggestion, permissions.can_view_in_some_role)
        register_templates(TEMPLATES)
