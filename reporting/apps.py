from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        """Fill projects' "project created" registry: a new project gets its reporting
        schedule in the same transaction (projects never imports reporting)."""
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
