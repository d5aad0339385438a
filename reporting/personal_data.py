"""What reporting holds about a person, for their copy of their data and for the
anonymisation of their account (registered with ``accounts.personal_data``)."""

import re

from accounts.personal_data import PersonalDataSource, UploadedFile, anonymised_email, when
from reporting.models import DonorRecipient, DonorSummary, ProgressReport, ReminderSent, ReportFile


def _addressed_to(reminder: ReminderSent, email: str) -> bool:
    return email.lower() in (part.strip().lower() for part in reminder.recipients.split(","))


def _reminders(user):
    candidates = ReminderSent.objects.filter(recipients__icontains=user.email).select_related(
        "report__project"
    )
    return [reminder for reminder in candidates if _addressed_to(reminder, user.email)]


def _report_files(user):
    return ReportFile.objects.filter(uploaded_by=user).select_related("report__project")


def reporting_sections(user) -> dict[str, list]:
    reports = ProgressReport.objects.filter(submitted_by=user).select_related("project")
    summaries = DonorSummary.objects.filter(requested_by=user).select_related("programme")
    mailing = DonorRecipient.objects.filter(email__iexact=user.email).select_related("programme")
    return {
        "reports_submitted": [
            {
                "project": report.project.agreement_number,
                "report": f"{report.get_kind_display()} {report.number}",
                "period": [when(report.period_start), when(report.period_end)],
                "state": report.get_state_display(),
                "submitted": when(report.submitted_at),
            }
            for report in reports
        ],
        "report_files_uploaded": [
            {
                "project": stored.report.project.agreement_number,
                "report": stored.report.number,
                "file": stored.original_name,
                "caption": stored.caption,
                "size_in_bytes": stored.size,
                "uploaded": when(stored.uploaded_at),
            }
            for stored in _report_files(user)
        ],
        "report_reminders_received": [
            {
                "project": reminder.report.project.agreement_number,
                "report": reminder.report.number,
                "reminder": reminder.get_kind_display(),
                "sent": when(reminder.sent_at),
            }
            for reminder in _reminders(user)
        ],
        "donor_summaries_requested": [
            {
                "programme": summary.programme.name,
                "period": [when(summary.period_start), when(summary.period_end)],
                "requested": when(summary.created_at),
            }
            for summary in summaries
        ],
        "donor_summary_mailing_list": [
            {
                "programme": recipient.programme.name,
                "name": recipient.name,
                "email": recipient.email,
                "receives_summaries": recipient.is_active,
            }
            for recipient in mailing
        ],
    }


def reporting_files(user):
    for stored in _report_files(user):
        name = f"{stored.report.project.agreement_number} {stored.original_name}"
        yield UploadedFile(folder="reports", name=name.replace("/", "-"), file=stored.file)


def reporting_anonymise(*, user, by, old_email, reason=""):
    """The address leaves the record of reminders sent and the donor's mailing list."""
    new_email = anonymised_email(user)
    pattern = re.compile(rf"(?<![^\s,]){re.escape(old_email)}(?![^\s,])", re.IGNORECASE)
    for reminder in ReminderSent.objects.filter(recipients__icontains=old_email):
        recipients = pattern.sub(new_email, reminder.recipients)
        if recipients != reminder.recipients:
            ReminderSent.objects.filter(pk=reminder.pk).update(recipients=recipients)
    DonorRecipient.objects.filter(email__iexact=old_email).update(
        name="", email=new_email, is_active=False
    )


source = PersonalDataSource(
    name="reporting",
    sections=reporting_sections,
    files=reporting_files,
    anonymise=reporting_anonymise,
)
