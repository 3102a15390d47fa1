from django.apps import AppConfig


class DeputiesConfig(AppConfig):
    name = "renda.deputies"
    label = "deputies"
    verbose_name = "人大代表"

    def ready(self) -> None:
        from renda.core.jobs import register_periodic_job
        from renda.core.notify import register_templates, register_visibility
        from renda.deputies import feed, permissions, reports
        from renda.deputies.jobs import recompute_current_scores
        from renda.deputies.models import DutyEntry

        # The duty record logs suggestions submitted and motions filed from those processes' audit events.
        feed.connect()
        # A report to electors receives the verdict of its rating ballot when the ballot closes.
        reports.connect()
        register_periodic_job("deputies.scores", recompute_current_scores)
        register_visibility(DutyEntry, permissions.can_view_entry_in_some_role)
        register_templates(RECORD_TEMPLATES)


RECORD_TEMPLATES: dict[str, tuple[str, str]] = {
    "duty_entry.verified": (
        "【履职登记已核实】{title}",
        "您登记的履职活动“{title}”（{date}）已经核实，计入履职档案：{link}",
    ),
    "duty_entry.rejected": (
        "【履职登记未通过】{title}",
        "您登记的履职活动“{title}”（{date}）未通过核实，原因：{reason}。详情：{link}",
    ),
    "duty_entry.staff_added": (
        "【履职记录】{title}",
        "人大代表工作机构为您登记了履职活动“{title}”（{date}），已计入履职档案：{link}",
    ),
}
