"""Pages cost a fixed number of queries, whatever the number of rows."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from grants.services.applications import attachment_add
from tests.factories import ApplicationFactory, BudgetLineFactory
from tests.grants.test_application_support import (  # noqa: F401
    call_fixture,
    draft_fixture,
    fill_every_section,
    pdf,
)

pytestmark = pytest.mark.django_db

# 1 session, 2 user, 3 count, 4 the page of applications with call and organisation.
LIST_QUERIES = 4


@pytest.mark.parametrize("count", [1, 5])
def test_the_application_list_costs_the_same_for_1_and_5_applications(
    client, applicant_a, organisation_a, count, django_assert_num_queries
):
    ApplicationFactory.create_batch(count, organisation=organisation_a)  # one per call
    client.force_login(applicant_a)

    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("application_list"))

    assert len(response.context["page"].object_list) == count


@pytest.mark.parametrize("lines", [1, 6])
def test_the_budget_section_costs_the_same_for_1_and_6_lines(
    client, applicant_a, draft, lines, django_assert_num_queries
):
    BudgetLineFactory.create_batch(lines, application=draft)
    client.force_login(applicant_a)

    # session, user, application (+call, programme, organisation, region, theme),
    # memberships, budget lines; the checklist's activities, locations, attachments and
    # required documents (the budget's sum is stored on the application).
    with django_assert_num_queries(9):
        response = client.get(reverse("application_section", args=[draft.pk, "budget"]))

    assert response.status_code == 200


def test_the_summary_section_page_query_count(
    client, applicant_a, draft, django_assert_num_queries
):
    client.force_login(applicant_a)

    # session, user, application, memberships; the checklist's activities, locations,
    # budget lines, attachments and required documents; the call's themes for the form.
    with django_assert_num_queries(10):
        response = client.get(reverse("application_section", args=[draft.pk, "summary"]))

    assert response.status_code == 200


@pytest.mark.parametrize("extra_files", [0, 4])
def test_the_detail_page_costs_the_same_however_many_files(
    client, applicant_a, draft, oblast, extra_files, django_assert_num_queries
):
    fill_every_section(draft, applicant_a, region=oblast)
    for number in range(extra_files):
        attachment_add(application=draft, uploaded=pdf(f"photo{number}.pdf"), by=applicant_a)
    client.force_login(applicant_a)
    ContentType.objects.clear_cache()  # the timeline looks its content type up once

    # session, user, application, memberships, 6 prefetches (activities, partners, lines,
    # locations, attachments, documents), the checklist's theme and 2 region checks, the
    # content type and the timeline (the budget's sum is stored on the application).
    with django_assert_num_queries(15):
        response = client.get(reverse("application_detail", args=[draft.pk]))

    assert response.status_code == 200
