from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "renda.insight"
    label = "insight"
    verbose_name = "民情分析"

    def ready(self) -> None:
        from renda.core.jobs import register_periodic_job
        from renda.insight import alerts, jobs, report

        # Spike alerts: once a day (cache-guarded inside), over the current week so far.
        register_periodic_job("insight.spike_alerts", alerts.spike_scan_all)
        # The monthly report: from the 1st, last month's, once per congress.
        register_periodic_job("insight.monthly_reports", report.generate_due_reports)
        # Routing models: retrained weekly at night per congress with enough triage history.
        register_periodic_job("insight.retrain_routing", jobs.retrain_due_models)
