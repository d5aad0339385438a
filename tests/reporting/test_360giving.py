"""360Giving JSON (1.4) at /open-data/360giving.json: valid against the official package
schema with Draft 2020-12 and format checking (so that dates are checked), and
carrying no personal data."""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from reporting.opendata.threesixty import threesixty_giving_package
from tests.factories import ProjectFactory
from tests.reporting.test_iati import PERSONAL, build_programme, tranche

pytestmark = pytest.mark.django_db

URL = "/open-data/360giving.json"


@pytest.fixture(scope="module")
def validator():
    """The package schema, its remote reference to the grant schema mapped to the local
    file. The schemas name their dialect with ``http://`` (not the registered
    ``https://``), so the Draft 2020-12 validator and resource are chosen explicitly."""
    folder = Path(settings.STANDARDS_DIR) / "360giving"
    package_path = folder / "360-giving-package-schema.json"
    grant_path = folder / "360-giving-schema.json"
    if not (package_path.exists() and grant_path.exists()):
        pytest.skip(f"360Giving schemas not found in {folder} (STANDARDS_DIR): validation skipped.")
    package = json.loads(package_path.read_text())
    grant = json.loads(grant_path.read_text())
    resource = DRAFT202012.create_resource(grant)
    remote = package["properties"]["grants"]["items"]["$ref"]
    registry = Registry().with_resources([(remote, resource), (grant["$id"], resource)])
    return Draft202012Validator(
        package, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@pytest.fixture
def programme(staff, organisation_a, organisation_b, oblast):
    return build_programme(
        staff=staff, organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast
    )


def errors(validator, data) -> list[str]:
    return [
        f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(data)
    ]


def grant_of(data, agreement_number: str) -> dict:
    identifier = "360G-UNODC-PIA-" + agreement_number.replace("/", "-")
    [grant] = [grant for grant in data["grants"] if grant["id"] == identifier]
    return grant


def test_the_package_is_valid_against_the_360giving_schema(validator, programme):
    data = threesixty_giving_package(base_url="https://grants.example.org")
    assert errors(validator, data) == []
    assert len(data["grants"]) == 4


def test_the_validator_checks_dates_so_a_bad_award_date_fails(validator, programme):
    data = threesixty_giving_package()
    data["grants"][0]["awardDate"] = "2017-02-30T25:00:00"
    assert errors(validator, data) != []


def test_a_grant_says_who_gave_what_to_whom_when_and_where(programme):
    data = threesixty_giving_package(base_url="https://grants.example.org")
    running = programme["running"]
    grant = grant_of(data, "PIA/2017/001")
    assert grant == {
        "id": "360G-UNODC-PIA-PIA-2017-001",
        "title": "Safer schools in Jety-Oguz",
        "description": "Round tables of schools, police and the ayil okmotu.",
        "currency": "KGS",
        "amountAwarded": 300000,
        "amountDisbursed": 150000,
        "awardDate": "2017-06-20",
        "plannedDates": [{"startDate": "2017-07-01", "endDate": "2018-06-30", "duration": 12}],
        "actualDates": [{"startDate": "2017-07-01"}],
        "recipientOrganization": [
            {
                "id": f"360G-UNODC-PIA-ORG-{running.organisation_id}",
                "name": "Community Safety Jety-Oguz",
                "location": [{"countryCode": "KG", "name": "Kyrgyzstan"}],
            }
        ],
        "fundingOrganization": [
            {"id": "XM-DAC-41146", "name": "United Nations Office on Drugs and Crime"}
        ],
        "beneficiaryLocation": [
            {"name": "Jety-Oguz District, Issyk-Kul Oblast", "countryCode": "KG"},
            {"name": "Kyzyl-Suu, Issyk-Kul Oblast", "countryCode": "KG"},
        ],
        "grantProgramme": [
            {
                "code": running.application.call.slug,
                "title": running.application.call.title,
                "url": f"https://grants.example.org/calls/{running.application.call.slug}/",
            }
        ],
        "fromOpenCall": "Yes",
        "classifications": [
            {
                "vocabulary": "360G-UNODC-PIA-theme",
                "code": str(running.application.theme_id),
                "title": "Juvenile delinquency",
            }
        ],
    }


def test_a_finished_project_has_its_actual_end_and_an_upcoming_one_no_actual_dates(programme):
    data = threesixty_giving_package()
    assert grant_of(data, "PIA/2017/002")["actualDates"] == [
        {"startDate": "2017-08-01", "endDate": "2018-08-20"}
    ]
    assert "actualDates" not in grant_of(data, "PIA/2099/004")


def test_amounts_with_cents_stay_exact_numbers(validator, organisation_a):
    project = ProjectFactory(
        application__organisation=organisation_a, amount_awarded=Decimal("123456.78")
    )
    tranche(project, 1, "61728.39", datetime.date(2017, 7, 1), paid_on=datetime.date(2017, 7, 3))
    data = threesixty_giving_package()
    [grant] = data["grants"]
    assert (grant["amountAwarded"], grant["amountDisbursed"]) == (123456.78, 61728.39)
    assert errors(validator, data) == []


def test_the_prefix_comes_from_the_settings(programme, settings):
    settings.THREESIXTY_GIVING_PREFIX = "360G-TEST"
    data = threesixty_giving_package()
    assert sorted(grant["id"] for grant in data["grants"]) == [
        "360G-TEST-PIA-2017-001",
        "360G-TEST-PIA-2017-002",
        "360G-TEST-PIA-2017-003",
        "360G-TEST-PIA-2099-004",
    ]


# --- the public address -----------------------------------------------------------------


def test_the_address_is_stable_and_named():
    assert reverse("open_data_360giving") == URL


def test_anyone_may_download_the_package_as_json_cached_for_ten_minutes(
    client, validator, programme
):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "max-age=600" in response["Cache-Control"]
    data = json.loads(response.content)
    assert errors(validator, data) == []
    assert grant_of(data, "PIA/2017/001")["grantProgramme"][0]["url"].startswith(
        "http://testserver/"
    )


def test_the_package_carries_no_personal_data(
    client, programme, applicant_a, applicant_b, staff, committee_member
):
    text = client.get(URL).content.decode()
    for person in (applicant_a, applicant_b, staff, committee_member):
        assert person.email not in text
        assert person.full_name not in text
    for value in PERSONAL.values():
        assert value not in text


def test_the_package_takes_the_same_queries_for_one_project_or_several(
    client, django_assert_num_queries, organisation_a
):
    ProjectFactory(application__organisation=organisation_a)
    # projects (with call, theme, decision, organisation), locations, tranches
    with django_assert_num_queries(3):
        assert client.get(URL).status_code == 200
    for _ in range(3):
        ProjectFactory(application__organisation=organisation_a)
    cache.clear()
    with django_assert_num_queries(3):
        assert len(json.loads(client.get(URL).content)["grants"]) == 4
