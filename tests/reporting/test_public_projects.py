"""The public page of funded projects: open to anyone, terminated grants left out,
names and places but no personal data, totals and map over every project, 25 a page,
a fixed number of queries."""

import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from projects.enums import ProjectState
from projects.models import ProjectLocation
from tests.factories import ProjectFactory
from tests.reporting.figures_data import build_programme

URL = reverse("public_project_list")


@pytest.fixture
def data(organisation_a, organisation_b, oblast):
    return build_programme(
        organisation_a=organisation_a, organisation_b=organisation_b, oblast=oblast
    )


def project_rows(html: str) -> list[str]:
    table = re.search(r'<table[^>]*id="table-projects".*?</table>', html, re.S).group(0)
    return [
        re.sub(r"<[^>]+>", "", title).strip()
        for title in re.findall(r"<tr>\s*<td>(.*?)</td>", table, re.S)
    ]


@pytest.mark.parametrize("who", [None, "applicant_a", "committee_member", "staff", "donor_viewer"])
def test_anyone_may_see_the_funded_projects(client, request, who, data):
    if who:
        client.force_login(request.getfixturevalue(who))

    response = client.get(URL)

    assert response.status_code == 200
    assert len(project_rows(response.content.decode())) == 3


def test_active_suspended_and_completed_projects_are_listed_but_not_terminated_ones(client, data):
    ProjectFactory(
        application__call=data.call_2017, title="Cancelled grant", state=ProjectState.TERMINATED
    )

    html = client.get(URL).content.decode()

    titles = [project.title for project in data.projects.values()]
    assert sorted(project_rows(html)) == sorted(titles)
    assert "Cancelled grant" not in html
    assert "terminated grants are not listed" in html


def test_a_row_shows_organisation_places_theme_amount_and_status(client, data):
    html = client.get(URL).content.decode()

    table = re.search(r'<table[^>]*id="table-projects".*?</table>', html, re.S).group(0)
    first = re.search(r"<tr>\s*<td>Safe roads to school</td>.*?</tr>", table, re.S).group(0)
    cells = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", first, re.S)
    ]
    assert cells == [
        "Safe roads to school",
        "Community Safety Jety-Oguz",
        "Jety-Oguz District (Issyk-Kul Oblast); Kara-Suu District (Osh Oblast)",
        "Road safety",
        "300,000.00 KGS",
        "Active",
    ]


def test_places_are_named_in_the_visitors_language(client, data):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"

    html = client.get(URL).content.decode()

    assert "Ошская область" in html
    assert "Osh Oblast" not in html


def test_programme_totals_and_the_map_cover_every_public_project(client, data):
    html = client.get(URL).content.decode()

    assert '<p class="h4 mb-0" id="total-projects">3</p>' in html
    assert 'id="total-awarded">740,000.00 <span class="small">KGS</span>' in html
    assert '<p class="h4 mb-0" id="total-people">720</p>' in html
    assert (
        '<tr data-code="41706000000000"><th scope="row">Osh Oblast</th><td class="num">2</td>'
        in html
    )
    assert (
        '<tr data-code="41702000000000"><th scope="row">Issyk-Kul Oblast</th>'
        '<td class="num">2</td>' in html
    )


def test_the_public_page_shows_no_personal_data(client, data, applicant_a, applicant_b, staff):
    html = client.get(URL).content.decode()

    secrets = []
    for user in (applicant_a, applicant_b, data.decider, staff):
        secrets += [user.email, user.full_name]
    for organisation in data.organisations:
        organisation.refresh_from_db()
        secrets += [
            organisation.email,
            organisation.phone,
            organisation.address,
            organisation.taxpayer_number,
            organisation.registration_number,
        ]
    assert all(secrets)
    assert [secret for secret in secrets if secret in html] == []


def test_the_list_pages_by_25_while_the_totals_count_all(client, oblast):
    for _number in range(26):
        project = ProjectFactory(amount_awarded=Decimal("100000.00"))
        ProjectLocation.objects.create(project=project, region=oblast)

    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()

    assert len(project_rows(first)) == 25
    assert len(project_rows(second)) == 1
    assert 'id="total-projects">26</p>' in second
    assert 'id="total-awarded">2,600,000.00' in second
    assert "26 projects" in first


def test_an_empty_portal_says_so(client, db):
    html = client.get(URL).content.decode()

    assert "No project has been funded yet." in html


@pytest.mark.parametrize("count", [1, 5])
def test_the_public_page_takes_a_fixed_number_of_queries(
    client, oblast, count, django_assert_num_queries
):
    for _number in range(count):
        project = ProjectFactory()
        ProjectLocation.objects.create(project=project, region=oblast)

    # The list: count, page, locations 3; the totals: sums, people, currency 3; the
    # map by oblast with its names 1; the map's own oblast names 1. No session.
    with django_assert_num_queries(8):
        response = client.get(URL)

    assert response.status_code == 200
