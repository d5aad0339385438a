"""The shared factories build valid objects (later tests rely on them)."""

import pytest

from reporting.enums import ReportStatus
from tests.factories import IndicatorFactory, ProgressReportFactory, ProjectBudgetLineFactory

pytestmark = pytest.mark.django_db


def test_a_report_of_a_project_is_overdue_after_its_due_date():
    import datetime

    report = ProgressReportFactory()
    IndicatorFactory(project=report.project)
    ProjectBudgetLineFactory(project=report.project)
    report.full_clean()
    assert report.status(datetime.date(2017, 12, 1)) == ReportStatus.NOT_YET_DUE
    assert report.status(datetime.date(2018, 1, 2)) == ReportStatus.DUE
    assert report.status(datetime.date(2018, 1, 16)) == ReportStatus.OVERDUE
    assert report.project.application.organisation == report.project.organisation
