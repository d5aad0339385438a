from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        """Fill projects' "project created" registry: a new project gets its reporting
        schedule in the same transaction (projects never imports reporting); and
        accounts' registry of what the portal holds about a person."""
        from accounts.personal_data import register_personal_data_source
        from reporting.personal_data import source

        register_personal_data_source(source)
        try:
            from projects.services import project_created_handlers, register_project_created_handler
        except ModuleNotFoundError as missing:
            # projects.services was being written alongside this app (issue 5); until it
            # exists there is nothing to register with. Any other import error is real.
            if missing.name != "projects.services":
                raise
            return
        from reporting.services.schedule import report_schedule_generate

        if report_schedule_generate not in project_created_handlers:
            register_project_created_handler(report_schedule_generate)

    # What the dashboards' figures read: a committed write to any of these tables gives
    # the cached figures a new version (reporting.dashboards, config/page_cache.py).
    # Reviews, scores, files, mail and the timeline change often and never enter the
    # figures, so they are left out.
    FIGURES_SOURCES = (
        "grants.Programme",
        "grants.Theme",
        "grants.Call",
        "grants.Application",
        "grants.ApplicationLocation",
        "grants.Decision",
        "projects.Project",
        "projects.ProjectLocation",
        "projects.Tranche",
        "projects.Indicator",
        "projects.Cofinancing",
        "reporting.ProgressReport",
        "reporting.IndicatorProgress",
        "reporting.Spending",
        "reporting.CofinancingReceipt",
    )
