"""The dashboards' figures are cached, but never show stale money: a saved or deleted
row they read makes the next page compute them afresh, once its change committed."""

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from reporting.dashboards import cached_public_figures, figures_version
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def test_public_totals_show_a_new_award_on_the_next_page(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ProjectFactory(amount_awarded=Decimal("300000.00"))
    assert cached_public_figures()["awarded"] == "300000.00"

    with django_capture_on_commit_callbacks(execute=True):
        ProjectFactory(amount_awarded=Decimal("125000.50"))

    assert cached_public_figures()["awarded"] == "425000.50"


def test_public_totals_show_a_changed_award_and_a_deleted_project(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        project = ProjectFactory(amount_awarded=Decimal("300000.00"))
        other = ProjectFactory(amount_awarded=Decimal("100000.00"))
    assert cached_public_figures()["projects"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        project.amount_awarded = Decimal("250000.00")
        project.save(update_fields=["amount_awarded"])
    assert cached_public_figures()["awarded"] == "350000.00"

    with django_capture_on_commit_callbacks(execute=True):
        other.delete()
    figures = cached_public_figures()
    assert (figures["projects"], figures["awarded"]) == (1, "250000.00")


def test_figures_computed_while_a_change_commits_are_not_used_after_it(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ProjectFactory(amount_awarded=Decimal("300000.00"))
        # A colleague's page computed the figures before this change committed: they
        # are cached under the version of that moment.
        before = cached_public_figures()
    assert before["awarded"] == "300000.00"  # the changing transaction reads fresh

    cache.set(f"public-figures:{figures_version()}:en:{timezone.localdate()}", {"stale": 1})
    for callback in callbacks:  # the commit
        callback()

    assert cached_public_figures()["awarded"] == "300000.00"
