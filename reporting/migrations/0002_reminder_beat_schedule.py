"""The daily reminder run: a django-celery-beat periodic task at 08:00 Bishkek time.

Staff may change the time (or pause it) in the admin under "Periodic tasks"; this
migration only creates it when it is missing, and its reverse removes it.
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Progress report reminders (daily)"
TASK = "reporting.send_report_reminders"
CRONTAB = {
    "minute": "0",
    "hour": "8",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "timezone": "Asia/Bishkek",
}


def create_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = CrontabSchedule.objects.filter(**CRONTAB).first()
    if schedule is None:
        schedule = CrontabSchedule.objects.create(**CRONTAB)
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": schedule,
            "enabled": True,
            "description": "Mails the reminders about progress reports due in a week, "
            "due today or overdue; each reminder is sent once.",
        },
    )
    # Tell a running beat that its schedule changed (what the admin's save signal does).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_task(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK).delete()
    CrontabSchedule.objects.filter(**CRONTAB, periodictask__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_task, remove_task)]
