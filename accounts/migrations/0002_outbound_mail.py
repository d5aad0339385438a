"""The mail outbox (accounts.outbox), and its flush: a django-celery-beat periodic task
every minute that sends the mail a broker or mail server outage left waiting.

Staff may change the interval (or pause it) in the admin under "Periodic tasks"; this
migration only creates it when it is missing, and its reverse removes it.
"""

import django.utils.timezone
from django.db import migrations, models
from django.utils import timezone

TASK_NAME = "Mail outbox flush (every minute)"
TASK = "accounts.flush_outbox"
INTERVAL = {"every": 1, "period": "minutes"}


def create_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    schedule = IntervalSchedule.objects.filter(**INTERVAL).first()
    if schedule is None:
        schedule = IntervalSchedule.objects.create(**INTERVAL)
    PeriodicTask.objects.get_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "interval": schedule,
            "enabled": True,
            "description": "Sends the mail waiting in the outbox: left by a broker or mail "
            "server outage, due for a retry, or abandoned by a worker that died.",
        },
    )
    # Tell a running beat that its schedule changed (what the admin's save signal does).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_task(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME, task=TASK).delete()
    IntervalSchedule.objects.filter(**INTERVAL, periodictask__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutboundMail",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("recipient", models.EmailField(max_length=254, verbose_name="recipient")),
                ("subject", models.CharField(max_length=998, verbose_name="subject")),
                ("text", models.TextField(verbose_name="text")),
                ("html", models.TextField(blank=True, verbose_name="HTML")),
                ("language", models.CharField(blank=True, max_length=10, verbose_name="language")),
                ("template", models.CharField(blank=True, max_length=200, verbose_name="template")),
                (
                    "dedup_key",
                    models.CharField(blank=True, max_length=200, verbose_name="deduplication key"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Waiting to be sent"),
                            ("sending", "Being sent"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="status",
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                (
                    "next_attempt_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="next attempt"
                    ),
                ),
                ("claimed_at", models.DateTimeField(blank=True, null=True, verbose_name="claimed")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="created"),
                ),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
            ],
            options={
                "verbose_name": "outgoing mail",
                "verbose_name_plural": "outgoing mail",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(fields=["status", "next_attempt_at"], name="outbound_mail_due")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("dedup_key", ""), _negated=True),
                        fields=("dedup_key",),
                        name="outbound_mail_unique_dedup_key",
                    )
                ],
            },
        ),
        migrations.RunPython(create_task, remove_task),
    ]
