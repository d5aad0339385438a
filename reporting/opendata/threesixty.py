"""The funded projects as 360Giving grants (360Giving Data Standard 1.4): a package
``{"grants": [...], ...}`` of one grant per funded project.

- ``id``: ``THREESIXTY_GIVING_PREFIX`` + ``-`` + the agreement number made safe
  (``360G-UNODC-PIA-PIA-2017-001``). The prefix must be registered with 360Giving.
- ``recipientOrganization``: the organisation's name and a generated identifier
  ``<prefix>-ORG-<id>`` (its registration and taxpayer numbers are not published),
  located in Kyrgyzstan.
- ``fundingOrganization``: UNODC, with ``IATI_REPORTING_ORG_REF`` (an org-id) as id.
- ``awardDate``: the day of the funding decision; ``plannedDates`` the project's start
  and end; ``actualDates`` their real counterparts once known.
- ``amountAwarded``, ``amountDisbursed`` (paid tranches), ``currency``.
- ``beneficiaryLocation``: each place (with its oblast), country KG.
- ``grantProgramme``: the call; ``classifications``: the theme.
"""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone, translation

from grants.enums import CallState
from projects.models import Project
from reporting.opendata import (
    Publisher,
    award_date,
    ended_on,
    identifier_part,
    money,
    paid_tranches,
    place_name,
    project_description,
    published_projects,
)

THREESIXTY_GIVING_VERSION = "1.4"
LANGUAGE = "en"
COUNTRY = "KG"
LICENSE = "https://creativecommons.org/licenses/by/4.0/"


def grant_identifier(project: Project, publisher: Publisher) -> str:
    return f"{publisher.threesixty_prefix}-{identifier_part(project.agreement_number)}"


def organisation_identifier(project: Project, publisher: Publisher) -> str:
    return f"{publisher.threesixty_prefix}-ORG-{project.organisation_id}"


def _number(value: Decimal) -> float | int:
    """JSON numbers: whole amounts as integers, others with their two decimals."""
    value = money(value)
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _months(starts_on: datetime.date, ends_on: datetime.date) -> int:
    """The planned duration in whole months (rounded up: 1 July-30 June is 12)."""
    days_after = ends_on + datetime.timedelta(days=1)
    months = (days_after.year - starts_on.year) * 12 + days_after.month - starts_on.month
    if days_after.day > starts_on.day:
        months += 1
    return max(months, 1)


def _programme(call, base_url: str) -> dict:
    """The call as the grant programme; its public page while the call has one."""
    programme = {"code": call.slug, "title": call.title}
    if call.state in CallState.public():
        programme["url"] = base_url + reverse("call_detail", args=[call.slug])
    return programme


def _grant(
    project: Project, publisher: Publisher, *, ended: datetime.date | None, base_url: str
) -> dict:
    application = project.application
    call = application.call
    grant = {
        "id": grant_identifier(project, publisher),
        "title": project.title,
        "description": project_description(project),
        "currency": call.programme.currency,
        "amountAwarded": _number(project.amount_awarded),
        "amountDisbursed": _number(
            sum((tranche.paid_amount for tranche in paid_tranches(project)), Decimal("0"))
        ),
        "awardDate": award_date(project).isoformat(),
        "plannedDates": [
            {
                "startDate": project.starts_on.isoformat(),
                "endDate": project.ends_on.isoformat(),
                "duration": _months(project.starts_on, project.ends_on),
            }
        ],
        "recipientOrganization": [
            {
                "id": organisation_identifier(project, publisher),
                "name": project.organisation.name,
                "location": [{"countryCode": COUNTRY, "name": "Kyrgyzstan"}],
            }
        ],
        "fundingOrganization": [
            {"id": publisher.reporting_org_ref, "name": publisher.reporting_org_name}
        ],
        "beneficiaryLocation": [
            {"name": place_name(location), "countryCode": COUNTRY}
            for location in project.locations.all()
        ],
        "grantProgramme": [_programme(call, base_url)],
        "fromOpenCall": "Yes",
    }
    today = timezone.localdate()
    if project.starts_on <= today:
        actual = {"startDate": project.starts_on.isoformat()}
        if ended is not None:
            actual["endDate"] = max(ended, project.starts_on).isoformat()
        grant["actualDates"] = [actual]
    if application.theme is not None:
        grant["classifications"] = [
            {
                "vocabulary": f"{publisher.threesixty_prefix}-theme",
                "code": str(application.theme_id),
                "title": application.theme.name,
            }
        ]
    return grant


def threesixty_giving_package(projects=None, *, publisher=None, base_url: str = "") -> dict:
    """The package of the given projects (every funded project by default).

    ``base_url`` (``https://grants.example.org``) makes the call links absolute; the
    view passes the site's. An empty package (no funded project yet) has ``grants: []``,
    which the standard's package schema does not accept (it wants at least one grant)."""
    publisher = publisher or Publisher.from_settings()
    projects = list(published_projects() if projects is None else projects)
    ended = ended_on(projects)
    with translation.override(LANGUAGE):
        grants = [
            _grant(
                project,
                publisher,
                ended=ended.get(project.pk),
                base_url=base_url,
            )
            for project in projects
        ]
    return {
        "version": THREESIXTY_GIVING_VERSION,
        "title": f"{publisher.reporting_org_name}: small grants awarded in Kyrgyzstan",
        "description": (
            f"Grants awarded by the {publisher.reporting_org_name} to local "
            "crime-prevention projects in Kyrgyzstan."
        ),
        "issued": timezone.localdate().isoformat(),
        "license": LICENSE,
        "publisher": {
            "name": publisher.reporting_org_name,
            "identifier": publisher.reporting_org_ref,
        },
        "grants": grants,
    }
