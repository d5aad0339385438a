"""The Celery application: broker and schedule come from Django settings.

Beat reads its schedule from the database (django-celery-beat), so staff edit
periodic tasks in the admin without a deployment.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping")
def ping() -> str:
    """Answers "pong": used by health checks and the worker test to see a task complete."""
    return "pong"
