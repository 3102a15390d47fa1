from django.apps import AppConfig


class OpinionsConfig(AppConfig):
    name = "renda.opinions"
    label = "opinions"
    verbose_name = "群众意见"

    def ready(self) -> None:
        from renda.core.audit import register_audit_listener
        from renda.core.jobs import register_periodic_job
        from renda.core.notify import register_templates, register_visibility
        from renda.opinions import hooks, permissions, snapshots
        from renda.opinions.actions.handling import overdue_flag
        from renda.opinions.models import Opinion
        from renda.opinions.notices import TEMPLATES

        register_visibility(Opinion, permissions.can_view_in_some_role)
        register_templates(TEMPLATES)
        # Insight routes, clusters and indexes each new opinion inside the intake's transaction.
        register_audit_listener("opinion.received", hooks.on_received)
        # Overdue dispatches are recorded on the opinion's timeline and the unit is told (reminders and
        # escalation of the unit's duty itself run in core.jobs from the duty's due date).
        register_periodic_job("opinions.overdue", overdue_flag)
        # Dashboards whose counting is slow (a very large year of opinions) are recounted in the background.
        register_periodic_job("opinions.dashboard_snapshots", snapshots.refresh_snapshots)
