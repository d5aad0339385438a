"""The monthly donor summaries: a django-celery-beat periodic task on the first day of
each month at 06:00 Bishkek time, summarising the previous calendar month.

Staff may change the schedule (or pause it) in the admin under "Periodic tasks"; this
migration only creates the task when it is missing, and its reverse removes it.
"""

from django.db import migrations
from django.utils import timezone

TASK_NAME = "Donor summaries (monthly)"
TASK = "reporting.monthly_donor_summaries"
CRONTAB = {
    "minute": "0",
    "hour": "6",
    "day_of_week": "*",
    "day_of_month": "1",
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
            "description": "Makes each programme's donor summary of the previous calendar "
            "month (PDF and XLSX) and mails it to the donor's recipients; once per period.",
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
        ("reporting", "0003_donor_summaries"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_task, remove_task)]
