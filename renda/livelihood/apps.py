from __future__ import annotations

import importlib
import pkgutil

from django.apps import AppConfig


class LivelihoodConfig(AppConfig):
    name = "renda.livelihood"
    label = "livelihood"
    verbose_name = "民生实事项目"

    def ready(self) -> None:
        from renda.ballots.actions import register_result_handler
        from renda.core.notify import register_templates, register_visibility
        from renda.livelihood import actions, permissions
        from renda.livelihood.actions.cycle import VOTE_PURPOSE, handle_vote_result
        from renda.livelihood.models import Cycle, Project, Proposal

        register_visibility(Cycle, permissions.can_read_cycle_in_some_role)
        register_visibility(Project, permissions.can_read_project_in_some_role)
        register_visibility(Proposal, permissions.can_read_proposal_in_some_role)
        register_result_handler(VOTE_PURPOSE, handle_vote_result)
        # Every actions module may declare NOTIFY_TEMPLATES (event → texts) and
        # RESULT_HANDLERS (ballot purpose → handler); they are registered here.
        for module_info in pkgutil.iter_modules(actions.__path__):
            module = importlib.import_module(f"{actions.__name__}.{module_info.name}")
            templates = getattr(module, "NOTIFY_TEMPLATES", None)
            if templates:
                register_templates(templates)
            for purpose, handler in (getattr(module, "RESULT_HANDLERS", None) or {}).items():
                register_result_handler(purpose, handler)
