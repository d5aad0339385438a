import datetime
from decimal import Decimal
from unittest.mock import patch

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from grants.services.states import StaleStateError, timeline_for
from projects import services
from projects.enums import TrancheCondition, TrancheState
from projects.models import Tranche
from projects.services import (
    project_create_from_application,
    split_award,
    tranche_record_payment,
    tranches_release_for_report,
)
from tests.factories import ProjectFactory
from tests.projects import approved_application, today_is

pytestmark = pytest.mark.django_db

PAID_ON = datetime.date(2017, 7, 10)


@pytest.fixture
def project(organisation_a, staff):
    """A project of 333,333.33 KGS on the default terms (50/40/10), made on 20 June 2017."""
    application = approved_application(organisation=organisation_a, requested=Decimal("333333.33"))
    with (
        patch.object(services, "project_created_handlers", []),
        today_is(datetime.date(2017, 6, 20)),
    ):
        return project_create_from_application(
            application=application, amount=Decimal("333333.33"), by=staff
        )


def tranche(project, order):
    return Tranche.objects.get(project=project, order=order)


def pay(tranche_, staff, amount, on=PAID_ON, reference="TR-2017-0711"):
    with today_is(datetime.date(2017, 7, 15)):
        return tranche_record_payment(
            tranche=tranche_, paid_on=on, amount=Decimal(amount), reference=reference, by=staff
        )


# --- arithmetic ---------------------------------------------------------------------------


def test_fifty_forty_ten_of_an_odd_award_sums_to_the_award_exactly():
    shares = split_award(Decimal("333333.33"), [Decimal("50"), Decimal("40"), Decimal("10")])
    assert shares == [Decimal("166666.67"), Decimal("133333.33"), Decimal("33333.33")]
    assert sum(shares) == Decimal("333333.33")


def test_thirds_put_the_rounding_on_the_last_tranche():
    shares = split_award(
        Decimal("100000.00"), [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]
    )
    assert shares == [Decimal("33330.00"), Decimal("33330.00"), Decimal("33340.00")]


def test_a_project_tranches_add_up_to_the_award(project):
    amounts = list(project.tranches.order_by("order").values_list("amount", flat=True))
    assert amounts == [Decimal("166666.67"), Decimal("133333.33"), Decimal("33333.33")]
    assert sum(amounts) == project.amount_awarded


# --- payments ----------------------------------------------------------------------------


def test_paying_a_ready_tranche_records_the_payment(project, staff):
    paid = pay(tranche(project, 1), staff, "166666.67")
    paid.refresh_from_db()
    assert (
        paid.state,
        paid.paid_on,
        paid.paid_amount,
        paid.payment_reference,
        paid.paid_by,
    ) == (TrancheState.PAID, PAID_ON, Decimal("166666.67"), "TR-2017-0711", staff)
    assert [(t.from_state, t.to_state, t.by) for t in timeline_for(paid)] == [
        (TrancheState.READY, TrancheState.PAID, staff)
    ]


def test_a_payment_below_the_tranche_is_accepted_and_marks_it_paid(project, staff):
    paid = pay(tranche(project, 1), staff, "100000.00")
    assert (paid.state, paid.paid_amount) == (TrancheState.PAID, Decimal("100000.00"))


def test_a_payment_beyond_the_award_is_refused(project, staff):
    with pytest.raises(ValidationError) as error:
        pay(tranche(project, 1), staff, "333333.34")
    assert error.value.message_dict == {
        "amount": [
            "This payment would bring the total paid to 333,333.34 KGS, beyond the award of "
            "333,333.33 KGS. At most 333,333.33 KGS can still be paid."
        ]
    }
    assert tranche(project, 1).state == TrancheState.READY


def test_a_payment_beyond_the_award_counts_what_was_paid_before(project, staff):
    pay(tranche(project, 1), staff, "166666.67")
    second = tranche(project, 2)
    tranches_release_for_report(project=project, kind="interim", number=1, by=staff)
    # An over-generous tranche (edited in the admin) cannot pay beyond the award either.
    Tranche.objects.filter(pk=second.pk).update(amount=Decimal("200000.00"))
    with pytest.raises(ValidationError) as error:
        pay(tranche(project, 2), staff, "170000.00")
    assert error.value.message_dict["amount"] == [
        "This payment would bring the total paid to 336,666.67 KGS, beyond the award of "
        "333,333.33 KGS. At most 166,666.66 KGS can still be paid."
    ]


def test_a_payment_above_the_tranche_amount_is_refused(project, staff):
    with pytest.raises(ValidationError) as error:
        pay(tranche(project, 1), staff, "166666.68")
    assert error.value.message_dict == {
        "amount": ["The payment cannot exceed the tranche's amount (166,666.67 KGS)."]
    }


def test_paying_a_planned_tranche_is_refused(project, staff):
    with pytest.raises(ValidationError) as error:
        pay(tranche(project, 2), staff, "133333.33")
    assert error.value.messages == [
        "Tranche 2 is not ready for payment yet: it is released "
        "“After an interim report is accepted”."
    ]
    assert tranche(project, 2).paid_amount is None


def test_paying_a_paid_tranche_again_is_refused(project, staff):
    pay(tranche(project, 1), staff, "166666.67")
    with pytest.raises(StaleStateError, match="Tranche 1 was paid already"):
        pay(tranche(project, 1), staff, "1.00")


@pytest.mark.parametrize(
    ("amount", "on", "reference", "field", "message"),
    [
        ("0", PAID_ON, "TR-1", "amount", "The payment must be more than zero."),
        ("-5", PAID_ON, "TR-1", "amount", "The payment must be more than zero."),
        (
            "100",
            datetime.date(2017, 7, 16),
            "TR-1",
            "paid_on",
            "The payment date cannot be in the future.",
        ),
        (
            "100",
            PAID_ON,
            "  ",
            "reference",
            "Enter the payment reference (the bank's transfer number).",
        ),
    ],
)
def test_a_bad_payment_is_refused_with_a_clear_message(
    project, staff, amount, on, reference, field, message
):
    with pytest.raises(ValidationError) as error:
        pay(tranche(project, 1), staff, amount, on=on, reference=reference)
    assert error.value.message_dict == {field: [message]}
    assert tranche(project, 1).state == TrancheState.READY


def test_only_staff_record_payments(project, applicant_a):
    with pytest.raises(PermissionDenied):
        pay(tranche(project, 1), applicant_a, "100.00")


# --- release by accepted reports ------------------------------------------------------------


def test_an_accepted_interim_report_makes_its_tranche_ready(project, staff):
    released = tranches_release_for_report(project=project, kind="interim", number=1, by=staff)
    assert [t.order for t in released] == [2]
    second = tranche(project, 2)
    assert (second.state, second.ready_at is not None) == (TrancheState.READY, True)
    assert tranche(project, 3).state == TrancheState.PLANNED


def test_releasing_twice_changes_nothing_the_second_time(project, staff):
    tranches_release_for_report(project=project, kind="interim", number=1, by=staff)
    ready_at = tranche(project, 2).ready_at
    assert tranches_release_for_report(project=project, kind="interim", number=1, by=staff) == []
    assert tranche(project, 2).ready_at == ready_at


def test_an_interim_report_of_another_number_releases_nothing(project, staff):
    assert tranches_release_for_report(project=project, kind="interim", number=2, by=staff) == []
    assert list(project.tranches.order_by("order").values_list("state", flat=True)) == [
        TrancheState.READY,
        TrancheState.PLANNED,
        TrancheState.PLANNED,
    ]


def test_the_accepted_final_report_releases_the_final_tranche(project, staff):
    released = tranches_release_for_report(project=project, kind="final", number=2, by=staff)
    assert [(t.order, t.condition) for t in released] == [(3, TrancheCondition.FINAL_REPORT)]


def test_a_paid_tranche_is_not_made_ready_again(staff):
    project = ProjectFactory()
    paid = Tranche.objects.create(
        project=project,
        order=1,
        amount=Decimal("100.00"),
        planned_on=datetime.date(2017, 7, 1),
        condition=TrancheCondition.FINAL_REPORT,
        state=TrancheState.PAID,
        paid_amount=Decimal("100.00"),
    )
    assert tranches_release_for_report(project=project, kind="final", number=1, by=staff) == []
    paid.refresh_from_db()
    assert paid.state == TrancheState.PAID


def test_an_unknown_report_kind_is_a_programming_error(project, staff):
    with pytest.raises(ValueError, match="Unknown report kind"):
        tranches_release_for_report(project=project, kind="monthly", number=1, by=staff)


# --- the payment page ----------------------------------------------------------------------


def pay_url(project, order):
    return f"/staff/projects/{project.pk}/tranches/{tranche(project, order).pk}/pay/"


def test_staff_record_a_payment_on_the_payment_page(client, project, staff):
    client.force_login(staff)
    with today_is(datetime.date(2017, 7, 15)):
        response = client.post(
            pay_url(project, 1),
            {"paid_on": "2017-07-10", "amount": "166666.67", "reference": "TR-9"},
        )
    assert response.status_code == 302
    assert response["Location"] == f"/project/{project.pk}/"
    assert tranche(project, 1).payment_reference == "TR-9"


def test_the_payment_page_shows_the_refusal_beside_the_amount_and_keeps_the_input(
    client, project, staff
):
    client.force_login(staff)
    with today_is(datetime.date(2017, 7, 15)):
        response = client.post(
            pay_url(project, 1),
            {"paid_on": "2017-07-10", "amount": "400000", "reference": "TR-9"},
        )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "amount": [
            "This payment would bring the total paid to 400,000.00 KGS, beyond the award of "
            "333,333.33 KGS. At most 333,333.33 KGS can still be paid."
        ]
    }
    assert 'value="TR-9"' in response.content.decode()
    assert tranche(project, 1).state == TrancheState.READY


def test_the_payment_page_of_a_planned_tranche_refuses_the_payment(client, project, staff):
    client.force_login(staff)
    response = client.post(
        pay_url(project, 2), {"paid_on": "2017-07-10", "amount": "10", "reference": "TR-9"}
    )
    assert response.context["form"].non_field_errors() == [
        "Tranche 2 is not ready for payment yet: it is released "
        "“After an interim report is accepted”."
    ]
    assert tranche(project, 2).state == TrancheState.PLANNED


@pytest.mark.parametrize("who", ["applicant_a", "applicant_b", "committee_member", "donor_viewer"])
def test_the_payment_page_is_not_found_for_anyone_but_staff(client, project, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(pay_url(project, 1)).status_code == 404
    assert (
        client.post(
            pay_url(project, 1), {"paid_on": "2017-07-10", "amount": "10", "reference": "X"}
        ).status_code
        == 404
    )
    assert tranche(project, 1).state == TrancheState.READY


def test_the_payment_page_sends_anonymous_visitors_to_sign_in(client, project):
    response = client.get(pay_url(project, 1))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
