from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Projects")

    def ready(self):
        # Approving an application creates its project in the same transaction
        # (grants cannot import projects, so it calls registered handlers).
        from grants.services.decisions import register_approval_handler
        from projects.services import project_create_from_application

        register_approval_handler(project_create_from_application)
