"""Background work of the donor summaries. Thin: take ids, refetch, return quietly if
gone; the services claim their rows, so a task delivered twice does nothing twice.

Celery autodiscovers ``reporting/tasks.py`` only: it imports this module."""

from celery import shared_task


@shared_task(name="reporting.build_donor_summary", acks_late=True)
def build_donor_summary(summary_id: int) -> str:
    """Make one summary's figures and files (then mail it). Idempotent: a summary
    already being made, ready, or gone is left alone."""
    from reporting.summaries import summary_build

    summary = summary_build(summary_id=summary_id)
    return summary.status if summary is not None else "skipped"


@shared_task(name="reporting.monthly_donor_summaries")
def monthly_donor_summaries() -> int:
    """Celery beat (first day of the month, 06:00 Bishkek time by default): the
    previous month's summary of every running programme; builds are queued on commit."""
    from reporting.summaries import summary_previous_month

    return len(summary_previous_month())
