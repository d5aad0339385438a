"""The funded projects as IATI activities (IATI Activity Standard, version 2.03).

One ``iati-activity`` per funded project, its children in the schema's order:

- ``iati-identifier``: ``IATI_ACTIVITY_PREFIX`` + ``-`` + the agreement number with
  ``/`` and other unsafe characters turned into ``-`` (``XM-DAC-41146-PIA-PIA-2017-001``).
- ``reporting-org`` and ``participating-org``: UNODC reports (type 40, multilateral)
  and is accountable (role 2) and extending (role 3); the donor funds (role 1, type 10,
  government); the organisation implements (role 4) and is named without a ``ref``
  (it has no IATI identifier; its registration numbers are not published).
- ``activity-status`` (codelist ActivityStatus): active 2 implementation; completed 4
  closed once every tranche is paid, else 3 finalisation; suspended 6; terminated 5
  cancelled.
- ``activity-date``: 1 planned start and 3 planned end always; 2 actual start once the
  start date has passed; 4 actual end for completed and terminated projects (the day
  of that change of state).
- ``recipient-country`` KG 100%; a ``location`` per place of the project (name, reach
  1 = activity, class and GeoNames feature designation from the unit's level).
- ``sector``: one OECD DAC 5-digit code (vocabulary 1, ``IATI_SECTOR_CODE``) at 100%.
- ``default-flow-type`` 10 (ODA), ``default-finance-type`` 110 (standard grant),
  ``default-aid-type`` C01 (project-type intervention); the currency is the
  programme's, as the activity's ``default-currency``.
- ``budget``: the award split by calendar year pro rata by days (each budget covers at
  most one year; the last year takes the rounding), type 1 original, status 2 committed.
- ``planned-disbursement``: each tranche not yet paid of a running project, on its
  planned date.
- ``transaction``: 2 commitment of the award on the agreement date; 3 disbursement for
  each paid tranche on its payment date. None is dated after today.
- ``result``: one per standard indicator (type 1 output, measure 1 unit), baseline in
  the start year, one period over the project with the target and, once a report is
  accepted, the achieved value summed over accepted reports.
"""

import datetime
import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils import timezone, translation

from accounts.enums import LegalForm
from projects.enums import ProjectState, StandardIndicator
from projects.models import Project
from regions.enums import RegionLevel
from reporting.opendata import (
    IndicatorFigures,
    Publisher,
    agreement_date,
    ended_on,
    identifier_part,
    money,
    paid_tranches,
    place_name,
    project_description,
    published_projects,
    standard_indicator_figures,
    unpaid_tranches,
)

IATI_VERSION = "2.03"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGE = "en"
RECIPIENT_COUNTRY = "KG"

ORGANISATION_TYPE_GOVERNMENT = "10"
ORGANISATION_TYPE_MULTILATERAL = "40"
# IATI OrganisationType of the implementing organisation, by its legal form.
ORGANISATION_TYPES = {
    LegalForm.PUBLIC_ASSOCIATION: "24",  # partner-country based NGO
    LegalForm.INITIATIVE_GROUP: "24",
    LegalForm.FOUNDATION: "60",  # foundation
    LegalForm.LOCAL_SELF_GOVERNMENT: "11",  # local government
    LegalForm.OTHER: "90",  # other
}

ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_EXTENDING, ROLE_IMPLEMENTING = "1", "2", "3", "4"

STATUS_IMPLEMENTATION, STATUS_FINALISATION, STATUS_CLOSED = "2", "3", "4"
STATUS_CANCELLED, STATUS_SUSPENDED = "5", "6"

DATE_PLANNED_START, DATE_ACTUAL_START, DATE_PLANNED_END, DATE_ACTUAL_END = "1", "2", "3", "4"

FLOW_TYPE_ODA = "10"
FINANCE_TYPE_STANDARD_GRANT = "110"
AID_TYPE_PROJECT = "C01"

BUDGET_ORIGINAL, BUDGET_COMMITTED = "1", "2"
TRANSACTION_COMMITMENT, TRANSACTION_DISBURSEMENT = "2", "3"

RESULT_OUTPUT = "1"
MEASURE_UNIT = "1"

# Location class (1 administrative region, 2 populated place) and GeoNames feature
# designation of each level of the administrative tree.
LOCATION_KINDS = {
    RegionLevel.OBLAST: ("1", "ADM1"),
    RegionLevel.CITY: ("2", "PPLA"),
    RegionLevel.DISTRICT: ("1", "ADM2"),
    RegionLevel.CITY_DISTRICT: ("2", "PPLX"),
    RegionLevel.AYIL_AIMAK: ("1", "ADM3"),
    RegionLevel.TOWN: ("2", "PPL"),
    RegionLevel.VILLAGE: ("2", "PPL"),
}
LOCATION_REACH_ACTIVITY = "1"


def activity_identifier(project: Project, publisher: Publisher) -> str:
    return f"{publisher.activity_prefix}-{identifier_part(project.agreement_number)}"


def activity_status(project: Project) -> str:
    if project.state == ProjectState.ACTIVE:
        return STATUS_IMPLEMENTATION
    if project.state == ProjectState.SUSPENDED:
        return STATUS_SUSPENDED
    if project.state == ProjectState.TERMINATED:
        return STATUS_CANCELLED
    all_paid = all(tranche.paid_on is not None for tranche in project.tranches.all())
    return STATUS_CLOSED if all_paid else STATUS_FINALISATION


def yearly_budgets(
    amount: Decimal, starts_on: datetime.date, ends_on: datetime.date
) -> list[tuple[datetime.date, datetime.date, Decimal]]:
    """The award split by calendar year, pro rata by days; the last year takes what
    rounding leaves, so the budgets add up to the award exactly."""
    segments = []
    start = starts_on
    while start <= ends_on:
        end = min(datetime.date(start.year, 12, 31), ends_on)
        segments.append((start, end))
        start = end + datetime.timedelta(days=1)
    total_days = (ends_on - starts_on).days + 1
    budgets = []
    left = money(amount)
    for index, (start, end) in enumerate(segments):
        if index == len(segments) - 1:
            share = left
        else:
            share = money(amount * ((end - start).days + 1) / total_days)
            left -= share
        budgets.append((start, end, share))
    return budgets


# --- writing ----------------------------------------------------------------------------


def _element(parent, tag: str, attributes: dict | None = None, text: str | None = None):
    element = ET.SubElement(parent, tag, {k: v for k, v in (attributes or {}).items() if v})
    if text is not None:
        element.text = text
    return element


def _narrative(parent, text: str) -> None:
    _element(parent, "narrative", text=text)


def _text_element(parent, tag: str, text: str, attributes: dict | None = None) -> None:
    _narrative(_element(parent, tag, attributes), text)


def _date(value: datetime.date) -> str:
    return value.isoformat()


def _amount(value: Decimal) -> str:
    return f"{money(value):.2f}"


def _figure(value: Decimal) -> str:
    """An indicator value without needless decimals: 120, 12.5."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal("1")))
    return format(value.normalize(), "f")


def _value(parent, amount: Decimal, on: datetime.date) -> None:
    _element(parent, "value", {"value-date": _date(on)}, _amount(amount))


def _org(parent, tag: str, *, ref: str = "", name: str, type_: str = "") -> None:
    _narrative(_element(parent, tag, {"ref": ref, "type": type_}), name)


def _participating_orgs(activity, project: Project, publisher: Publisher) -> None:
    for role, ref, type_, name in (
        (ROLE_FUNDING, publisher.donor_ref, ORGANISATION_TYPE_GOVERNMENT, publisher.donor_name),
        (
            ROLE_ACCOUNTABLE,
            publisher.reporting_org_ref,
            ORGANISATION_TYPE_MULTILATERAL,
            publisher.reporting_org_name,
        ),
        (
            ROLE_EXTENDING,
            publisher.reporting_org_ref,
            ORGANISATION_TYPE_MULTILATERAL,
            publisher.reporting_org_name,
        ),
        (
            ROLE_IMPLEMENTING,
            "",
            ORGANISATION_TYPES.get(project.organisation.legal_form, "90"),
            project.organisation.name,
        ),
    ):
        element = _element(activity, "participating-org", {"ref": ref, "role": role, "type": type_})
        _narrative(element, name)


def _activity_dates(activity, project: Project, ended: datetime.date | None) -> None:
    today = timezone.localdate()
    dates = [(DATE_PLANNED_START, project.starts_on)]
    if project.starts_on <= today and (ended is None or project.starts_on <= ended):
        dates.append((DATE_ACTUAL_START, project.starts_on))
    dates.append((DATE_PLANNED_END, project.ends_on))
    if ended is not None:
        dates.append((DATE_ACTUAL_END, ended))
    for kind, on in dates:
        _element(activity, "activity-date", {"type": kind, "iso-date": _date(on)})


def _locations(activity, project: Project, identifier: str) -> None:
    for location in project.locations.all():
        region = location.region
        element = _element(activity, "location", {"ref": f"{identifier}-{region.code}"})
        _element(element, "location-reach", {"code": LOCATION_REACH_ACTIVITY})
        _text_element(element, "name", place_name(location))
        location_class, feature = LOCATION_KINDS.get(region.level, ("1", ""))
        _element(element, "location-class", {"code": location_class})
        if feature:
            _element(element, "feature-designation", {"code": feature})


def _money_flows(activity, project: Project, publisher: Publisher) -> None:
    organisation = project.organisation.name
    for start, end, amount in yearly_budgets(
        project.amount_awarded, project.starts_on, project.ends_on
    ):
        budget = _element(activity, "budget", {"type": BUDGET_ORIGINAL, "status": BUDGET_COMMITTED})
        _element(budget, "period-start", {"iso-date": _date(start)})
        _element(budget, "period-end", {"iso-date": _date(end)})
        _value(budget, amount, start)
    for tranche in unpaid_tranches(project):
        planned = _element(activity, "planned-disbursement", {"type": BUDGET_ORIGINAL})
        _element(planned, "period-start", {"iso-date": _date(tranche.planned_on)})
        _value(planned, tranche.amount, tranche.planned_on)
        _org(
            planned,
            "provider-org",
            ref=publisher.reporting_org_ref,
            name=publisher.reporting_org_name,
            type_=ORGANISATION_TYPE_MULTILATERAL,
        )
        _org(planned, "receiver-org", name=organisation)
    committed_on = agreement_date(project)
    flows = [
        (
            TRANSACTION_COMMITMENT,
            committed_on,
            project.amount_awarded,
            f"Grant agreement {project.agreement_number}",
        )
    ]
    flows += [
        (
            TRANSACTION_DISBURSEMENT,
            tranche.paid_on,
            tranche.paid_amount,
            f"Tranche {tranche.order} of grant agreement {project.agreement_number}",
        )
        for tranche in paid_tranches(project)
    ]
    for kind, on, amount, description in flows:
        transaction = _element(activity, "transaction")
        _element(transaction, "transaction-type", {"code": kind})
        _element(transaction, "transaction-date", {"iso-date": _date(on)})
        _value(transaction, amount, on)
        _text_element(transaction, "description", description)
        _org(
            transaction,
            "provider-org",
            ref=publisher.reporting_org_ref,
            name=publisher.reporting_org_name,
            type_=ORGANISATION_TYPE_MULTILATERAL,
        )
        _org(transaction, "receiver-org", name=organisation)


def _results(activity, project: Project, figures: list[IndicatorFigures]) -> None:
    labels = dict(StandardIndicator.choices)
    for row in figures:
        label = str(labels.get(row.standard, row.standard))
        result = _element(activity, "result", {"type": RESULT_OUTPUT})
        _text_element(result, "title", label)
        indicator = _element(result, "indicator", {"measure": MEASURE_UNIT, "ascending": "1"})
        _text_element(indicator, "title", label)
        _element(
            indicator,
            "baseline",
            {
                "year": str(project.starts_on.year),
                "iso-date": _date(project.starts_on),
                "value": _figure(row.baseline),
            },
        )
        period = _element(indicator, "period")
        _element(period, "period-start", {"iso-date": _date(project.starts_on)})
        _element(period, "period-end", {"iso-date": _date(project.ends_on)})
        _element(period, "target", {"value": _figure(row.target)})
        if row.actual is not None:
            _element(period, "actual", {"value": _figure(row.actual)})


def _activity(root, project: Project, publisher: Publisher, *, ended, figures) -> None:
    identifier = activity_identifier(project, publisher)
    activity = _element(
        root,
        "iati-activity",
        {XML_LANG: LANGUAGE, "default-currency": project.application.call.programme.currency},
    )
    _element(activity, "iati-identifier", text=identifier)
    _org(
        activity,
        "reporting-org",
        ref=publisher.reporting_org_ref,
        name=publisher.reporting_org_name,
        type_=ORGANISATION_TYPE_MULTILATERAL,
    )
    _text_element(activity, "title", project.title)
    _text_element(activity, "description", project_description(project), {"type": "1"})
    _participating_orgs(activity, project, publisher)
    _element(activity, "activity-status", {"code": activity_status(project)})
    _activity_dates(activity, project, ended)
    _element(activity, "recipient-country", {"code": RECIPIENT_COUNTRY, "percentage": "100"})
    _locations(activity, project, identifier)
    _element(
        activity,
        "sector",
        {"vocabulary": "1", "code": publisher.sector_code, "percentage": "100"},
    )
    _element(activity, "default-flow-type", {"code": FLOW_TYPE_ODA})
    _element(activity, "default-finance-type", {"code": FINANCE_TYPE_STANDARD_GRANT})
    _element(activity, "default-aid-type", {"code": AID_TYPE_PROJECT, "vocabulary": "1"})
    _money_flows(activity, project, publisher)
    _results(activity, project, figures)


def iati_activities(projects=None, *, publisher: Publisher | None = None) -> bytes:
    """The ``iati-activities`` document of the given projects (every funded project by
    default) as UTF-8 bytes. Texts are in English whatever the visitor's language."""
    publisher = publisher or Publisher.from_settings()
    projects = list(published_projects() if projects is None else projects)
    ended = ended_on(projects)
    figures = standard_indicator_figures(projects)
    root = ET.Element(
        "iati-activities",
        {
            "version": IATI_VERSION,
            "generated-datetime": timezone.now().replace(microsecond=0).isoformat(),
        },
    )
    with translation.override(LANGUAGE):
        for project in projects:
            _activity(
                root,
                project,
                publisher,
                ended=ended.get(project.pk),
                figures=figures.get(project.pk, []),
            )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
