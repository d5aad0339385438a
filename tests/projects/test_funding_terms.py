import datetime
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import services
from projects.enums import TrancheCondition
from projects.models import FundingTerms, TrancheRule
from projects.selectors import funding_terms_for
from projects.services import (
    funding_terms_problems,
    funding_terms_save,
    project_create_from_application,
)
from tests.factories import CallFactory
from tests.projects import approved_application, today_is

pytestmark = pytest.mark.django_db

SIGNING, INTERIM, FINAL = (
    TrancheCondition.ON_SIGNING,
    TrancheCondition.INTERIM_REPORT,
    TrancheCondition.FINAL_REPORT,
)


def rule(percent, condition, report_number=None):
    return {"percent": Decimal(percent), "condition": condition, "report_number": report_number}


def saved_rules(call):
    return list(
        TrancheRule.objects.filter(terms__call=call)
        .order_by("order")
        .values_list("order", "percent", "condition", "report_number")
    )


# --- validation ------------------------------------------------------------------------------


def test_shares_that_do_not_add_up_to_100_say_the_current_sum():
    assert funding_terms_problems([rule("50", SIGNING), rule("40", FINAL)]) == [
        "The shares add up to 90%; they must add up to exactly 100%."
    ]


def test_an_interim_rule_needs_its_report_number():
    assert funding_terms_problems([rule("60", SIGNING), rule("40", INTERIM)]) == [
        "Say which interim report releases the tranche of 40%."
    ]


def test_at_most_one_tranche_follows_the_final_report():
    assert funding_terms_problems([rule("50", FINAL), rule("50", FINAL)]) == [
        "Only one tranche can follow the final report."
    ]


def test_a_template_without_tranches_is_refused():
    assert funding_terms_problems([]) == ["Add at least one tranche."]


def test_shares_of_exactly_100_with_cents_are_accepted():
    assert (
        funding_terms_problems(
            [rule("33.33", SIGNING), rule("33.33", INTERIM, 1), rule("33.34", FINAL)]
        )
        == []
    )


# --- saving -------------------------------------------------------------------------------------


def test_the_default_terms_apply_to_a_call_without_its_own():
    call = CallFactory()
    terms = funding_terms_for(call)
    assert (terms.pk, terms.report_every_months, terms.grace_days) == (None, 6, 15)
    assert [(r.percent, r.condition, r.report_number) for r in terms.rules_list] == [
        (Decimal("50"), SIGNING, None),
        (Decimal("40"), INTERIM, 1),
        (Decimal("10"), FINAL, None),
    ]


def test_staff_save_a_call_terms_and_rules(staff):
    call = CallFactory()
    funding_terms_save(
        call=call,
        by=staff,
        report_every_months=3,
        grace_days=20,
        rules=[rule("30", SIGNING), rule("30", INTERIM, 1), rule("40", FINAL, 9)],
    )
    terms = FundingTerms.objects.get(call=call)
    assert (terms.report_every_months, terms.grace_days) == (3, 20)
    # A report number means nothing for a final rule: it is dropped.
    assert saved_rules(call) == [
        (1, Decimal("30.00"), SIGNING, None),
        (2, Decimal("30.00"), INTERIM, 1),
        (3, Decimal("40.00"), FINAL, None),
    ]


def test_saving_again_replaces_the_rules(staff):
    call = CallFactory()
    funding_terms_save(
        call=call, by=staff, report_every_months=6, grace_days=15, rules=[rule("100", SIGNING)]
    )
    funding_terms_save(
        call=call,
        by=staff,
        report_every_months=6,
        grace_days=15,
        rules=[rule("80", SIGNING), rule("20", FINAL)],
    )
    assert saved_rules(call) == [
        (1, Decimal("80.00"), SIGNING, None),
        (2, Decimal("20.00"), FINAL, None),
    ]


def test_invalid_terms_save_nothing(staff):
    call = CallFactory()
    with pytest.raises(ValidationError) as error:
        funding_terms_save(
            call=call, by=staff, report_every_months=6, grace_days=15, rules=[rule("99", SIGNING)]
        )
    assert error.value.messages == ["The shares add up to 99%; they must add up to exactly 100%."]
    assert FundingTerms.objects.filter(call=call).exists() is False


def test_a_grace_period_beyond_90_days_is_refused(staff):
    call = CallFactory()
    with pytest.raises(ValidationError) as error:
        funding_terms_save(
            call=call, by=staff, report_every_months=6, grace_days=91, rules=[rule("100", SIGNING)]
        )
    assert list(error.value.message_dict) == ["grace_days"]
    assert FundingTerms.objects.filter(call=call).exists() is False


def test_only_staff_set_funding_terms(applicant_a):
    with pytest.raises(PermissionDenied):
        funding_terms_save(
            call=CallFactory(),
            by=applicant_a,
            report_every_months=6,
            grace_days=15,
            rules=[rule("100", SIGNING)],
        )


def test_changing_the_terms_does_not_alter_existing_projects(organisation_a, staff):
    application = approved_application(organisation=organisation_a)
    with (
        patch.object(services, "project_created_handlers", []),
        today_is(datetime.date(2017, 6, 20)),
    ):
        project = project_create_from_application(
            application=application, amount=Decimal("300000"), by=staff
        )
    before = list(project.tranches.order_by("order").values_list("amount", "condition"))
    funding_terms_save(
        call=application.call,
        by=staff,
        report_every_months=3,
        grace_days=10,
        rules=[rule("100", SIGNING)],
    )
    assert list(project.tranches.order_by("order").values_list("amount", "condition")) == before
    assert len(before) == 3


# --- the page ----------------------------------------------------------------------------------


def page(call):
    return f"/staff/calls/{call.pk}/funding-terms/"


def form_data(rules, every="6", grace="15", extra_rows=0):
    data = {
        "report_every_months": every,
        "grace_days": grace,
        "rules-TOTAL_FORMS": str(len(rules) + extra_rows),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "12",
    }
    # The spare rows come back empty, as a browser sends them.
    for index, (percent, condition, number) in enumerate(rules + [("", "", "")] * extra_rows):
        data[f"rules-{index}-percent"] = percent
        data[f"rules-{index}-condition"] = condition
        data[f"rules-{index}-report_number"] = number
    return data


def test_staff_see_the_default_terms_on_a_call_without_its_own(client, staff):
    call = CallFactory()
    client.force_login(staff)
    response = client.get(page(call))
    assert response.status_code == 200
    assert response.context["is_default"] is True
    assert [form.initial for form in response.context["formset"].initial_forms] == [
        {"percent": Decimal("50"), "condition": SIGNING, "report_number": None},
        {"percent": Decimal("40"), "condition": INTERIM, "report_number": 1},
        {"percent": Decimal("10"), "condition": FINAL, "report_number": None},
    ]


def test_staff_save_the_terms_on_the_page(client, staff):
    call = CallFactory()
    client.force_login(staff)
    response = client.post(
        page(call),
        form_data([("60", SIGNING, ""), ("40", INTERIM, "1")], every="4", extra_rows=2),
    )
    assert response.status_code == 302
    assert response["Location"] == page(call)
    assert FundingTerms.objects.get(call=call).report_every_months == 4
    assert saved_rules(call) == [
        (1, Decimal("60.00"), SIGNING, None),
        (2, Decimal("40.00"), INTERIM, 1),
    ]


def test_the_page_says_the_current_sum_and_saves_nothing(client, staff):
    call = CallFactory()
    client.force_login(staff)
    response = client.post(
        page(call), form_data([("50", SIGNING, ""), ("40", FINAL, "")], extra_rows=2)
    )
    assert response.status_code == 200
    assert response.context["formset"].non_form_errors() == [
        "The shares add up to 90%; they must add up to exactly 100%."
    ]
    assert "The shares add up to 90%" in response.content.decode()
    assert FundingTerms.objects.filter(call=call).exists() is False


def test_the_page_asks_for_the_interim_report_number_beside_the_row(client, staff):
    call = CallFactory()
    client.force_login(staff)
    response = client.post(page(call), form_data([("50", SIGNING, ""), ("50", INTERIM, "")]))
    assert response.context["formset"].errors == [
        {},
        {"report_number": ["Say which interim report releases this tranche."]},
    ]
    assert FundingTerms.objects.filter(call=call).exists() is False


def test_the_page_refuses_two_final_tranches(client, staff):
    call = CallFactory()
    client.force_login(staff)
    response = client.post(page(call), form_data([("50", FINAL, ""), ("50", FINAL, "")]))
    assert response.context["formset"].non_form_errors() == [
        "Only one tranche can follow the final report."
    ]


@pytest.mark.parametrize("who", ["applicant_a", "committee_member", "donor_viewer"])
def test_the_terms_page_is_not_found_for_anyone_but_staff(client, request, who):
    call = CallFactory()
    client.force_login(request.getfixturevalue(who))
    assert client.get(page(call)).status_code == 404
    assert client.post(page(call), form_data([("100", SIGNING, "")])).status_code == 404
    assert FundingTerms.objects.filter(call=call).exists() is False


def test_the_terms_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(page(CallFactory()))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_row_with_a_share_but_no_condition_is_refused_beside_it(client, staff):
    call = CallFactory()
    client.force_login(staff)
    response = client.post(page(call), form_data([("60", SIGNING, ""), ("40", "", "")]))
    assert response.context["formset"].errors == [{}, {"condition": ["This field is required."]}]
    assert FundingTerms.objects.filter(call=call).exists() is False
