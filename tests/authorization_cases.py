"""The rows of the authorisation matrix (tests/test_authorization_matrix.py): for every
named URL of the portal, how to fill its arguments from the shared data set and what
each member of the cast gets.

Outcomes: a status code (200, 400, 403, 404), ``LOGIN`` for a redirect to the
login page, or ``AWAY`` for any other redirect (a page that sends the user on, e.g. a
committee member's start page, or a POST that refuses bad input with a message).

Expectations come from DESIGN.md's roles. Where the code answers 403 rather than 404
to someone who may see an object but not change it (staff on an organisation's draft),
the row keeps the code's choice and says why. POST-only views are posted with empty
data, inside a savepoint that the test rolls back, so that the permission check runs
and is what the row records; a GET on them would only show Django's 405 to everyone.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

OK = 200
BAD_REQUEST = 400
FORBIDDEN = 403
HIDDEN = 404
LOGIN = "login"
AWAY = "redirect"

ROLES = (
    "anonymous",
    "applicant_a",
    "applicant_b",
    "committee_member",
    "conflicted_member",
    "staff",
    "donor_viewer",
    "admin",
)

# The few allauth pages the matrix covers; the rest of accounts/ is allauth's own.
ALLAUTH_ROUTES = {
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_email",
    "account_change_password",
    "mfa_index",
}


def _table(default, base: dict, overrides: dict) -> dict:
    """``programme_staff=`` sets staff and admin at once (admin's role sees the
    whole programme, DESIGN.md)."""
    unknown = set(overrides) - set(ROLES) - {"programme_staff"}
    assert not unknown, f"unknown roles {unknown}"
    table = dict.fromkeys(ROLES, default) | base
    if "programme_staff" in overrides:
        both = overrides.pop("programme_staff")
        table |= {"staff": both, "admin": both}
    return table | overrides


def public(**overrides) -> dict:
    return _table(OK, {}, overrides)


def signed_in(**overrides) -> dict:
    return _table(OK, {"anonymous": LOGIN}, overrides)


def organisation_a(**overrides) -> dict:
    """Organisation A's object: its member and programme staff; a 404 for the rest."""
    base = {"anonymous": LOGIN, "applicant_a": OK, "staff": OK, "admin": OK}
    return _table(HIDDEN, base, overrides)


def staff_only(**overrides) -> dict:
    return _table(HIDDEN, {"anonymous": LOGIN, "staff": OK, "admin": OK}, overrides)


def committee(**overrides) -> dict:
    """An application assigned to both members, where the conflicted one declared."""
    return _table(HIDDEN, {"anonymous": LOGIN, "committee_member": OK}, overrides)


def donor(**overrides) -> dict:
    base = {"anonymous": LOGIN, "donor_viewer": OK, "staff": OK, "admin": OK}
    return _table(HIDDEN, base, overrides)


def nobody(**overrides) -> dict:
    """An object no one may reach by this address (a leak if anyone gets it)."""
    return _table(HIDDEN, {"anonymous": LOGIN}, overrides)


@dataclass(frozen=True)
class Case:
    name: str
    expected: dict
    kwargs: Callable = field(default=lambda w: {})
    method: str = "get"
    label: str = ""

    def describe(self) -> str:
        return f"{self.method.upper()} {self.name}" + (f" [{self.label}]" if self.label else "")


# Staff may see an organisation's draft, report or membership but not change it: the
# code answers 403 (the object exists for them), which is the documented choice
# (grants/views/applications.py::_editable, reporting/views.py::_editable).
STAFF_SEE_NOT_EDIT = {"programme_staff": FORBIDDEN}


def _site() -> list[Case]:
    return [Case("healthz", public(), label="load balancers' health check")]


def _accounts() -> list[Case]:
    # Registering an organisation is open to any signed-in person (the sign-up path of
    # applicants); nothing of anyone else's is shown there.
    return [
        Case("home", public()),
        Case(
            "start",
            signed_in(
                committee_member=AWAY,
                conflicted_member=AWAY,
                programme_staff=AWAY,
                donor_viewer=AWAY,
            ),
            label="each role's start page; applicants stay here",
        ),
        Case("profile", signed_in()),
        Case("personal_data", signed_in(), label="the person's own data page"),
        Case("personal_data_download", signed_in(), label="each person's own copy only"),
        Case(
            "anonymisation_request",
            signed_in(**dict.fromkeys(ROLES[1:], AWAY)),
            method="post",
            label="tells the administrators",
        ),
        Case(
            "person_data_download",
            nobody(admin=OK),
            lambda w: {"pk": w.viewer_membership.user_id},
            label="someone else's data: administrators only",
        ),
        Case("language_switch", public(**dict.fromkeys(ROLES, AWAY)), method="post"),
        Case("organisation_list", signed_in()),
        Case("organisation_create", signed_in()),
        Case("organisation_detail", organisation_a(), lambda w: {"pk": w.organisation_a.pk}),
        Case(
            "organisation_edit",
            organisation_a(**STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.organisation_a.pk},
        ),
        Case(
            "invitation_create",
            organisation_a(**STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.organisation_a.pk},
        ),
        Case(
            "membership_remove",
            organisation_a(applicant_a=AWAY, **STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.organisation_a.pk, "membership_pk": w.viewer_membership.pk},
            method="post",
        ),
        Case(
            "invitation_accept",
            # Not the addressee: sent to the start page with a message naming no one.
            signed_in(**{role: AWAY for role in ROLES if role != "anonymous"}),
            lambda w: {"token": w.invitation_newcomer.token},
            label="invitation to someone outside the cast",
        ),
        Case(
            "invitation_accept",
            signed_in(**{role: AWAY for role in ROLES if role not in ("anonymous", "applicant_b")}),
            lambda w: {"token": w.invitation_b.token},
            label="organisation A invites applicant B",
        ),
    ]


def _allauth() -> list[Case]:
    signed_in_away = {role: AWAY for role in ROLES if role != "anonymous"}
    return [
        Case("account_login", public(**signed_in_away)),
        Case("account_signup", public(**signed_in_away)),
        Case("account_reset_password", public()),
        Case("account_email", signed_in()),
        Case("account_change_password", signed_in()),
        Case("mfa_index", signed_in()),
    ]


def _regions() -> list[Case]:
    return [
        Case("regions_index", public()),
        Case("region_options", public()),
        Case("region_detail", public(), lambda w: {"code": w.oblast.code}),
    ]


def _calls() -> list[Case]:
    open_call = lambda w: {"slug": w.open_call.slug}  # noqa: E731
    review_call = lambda w: {"pk": w.review_call.pk}  # noqa: E731
    return [
        Case("call_list", public()),
        Case("call_detail", public(), open_call, label="published call"),
        Case(
            "call_detail",
            nobody(anonymous=HIDDEN, programme_staff=OK),
            lambda w: {"slug": w.draft_call.slug},
            label="draft call: staff preview only",
        ),
        Case(
            "call_question_ask",
            # Members of an organisation see the form again with its errors.
            signed_in(**_no_org_away()),
            open_call,
            method="post",
            label="empty question",
        ),
        Case("staff_call_list", staff_only()),
        Case("staff_call_create", staff_only()),
        Case("staff_call_detail", staff_only(), review_call),
        Case("staff_call_edit", staff_only(), lambda w: {"pk": w.draft_call.pk}),
        Case("staff_call_state", staff_only(programme_staff=AWAY), review_call, method="post"),
        Case("staff_call_questions", staff_only(), lambda w: {"pk": w.open_call.pk}),
        Case(
            "staff_question_answer",
            staff_only(programme_staff=OK),
            lambda w: {"pk": w.question_a.pk},
            method="post",
        ),
    ]


def _no_org_away() -> dict:
    """Signed-in people with no organisation are sent back with a message."""
    return {
        "committee_member": AWAY,
        "conflicted_member": AWAY,
        "programme_staff": AWAY,
        "donor_viewer": AWAY,
    }


def _applications() -> list[Case]:
    draft = lambda w: {"pk": w.draft_a.pk}  # noqa: E731
    submitted = lambda w: {"pk": w.submitted_a.pk}  # noqa: E731
    return [
        Case(
            "application_start",
            # A and B each have a draft on this call already: sent on to it.
            signed_in(applicant_a=AWAY, applicant_b=AWAY),
            lambda w: {"slug": w.open_call.slug},
            label="published call",
        ),
        Case(
            "application_start",
            nobody(),
            lambda w: {"slug": w.draft_call.slug},
            label="draft call: no one applies",
        ),
        Case("application_list", signed_in()),
        Case("application_detail", organisation_a(), submitted, label="submitted"),
        Case("application_detail", organisation_a(), draft, label="draft"),
        Case(
            "application_section",
            organisation_a(**STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.draft_a.pk, "section": "summary"},
            label="draft, summary",
        ),
        Case(
            "application_section",
            organisation_a(**STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.draft_a.pk, "section": "documents"},
            label="draft, documents",
        ),
        Case("application_submit", organisation_a(**STAFF_SEE_NOT_EDIT), draft),
        Case(
            "application_withdraw",
            # Empty reason: the member is sent back with "tell us why".
            organisation_a(applicant_a=AWAY, **STAFF_SEE_NOT_EDIT),
            submitted,
            method="post",
        ),
        Case("application_print", organisation_a(), submitted),
        Case("application_pdf", organisation_a(), submitted),
        Case(
            "attachment_download",
            organisation_a(),
            lambda w: {"pk": w.submitted_a.pk, "attachment_pk": w.file_a.pk},
        ),
        Case(
            "attachment_download",
            nobody(),
            lambda w: {"pk": w.submitted_a.pk, "attachment_pk": w.file_b.pk},
            label="B's file through A's application",
        ),
        Case(
            "attachment_delete",
            organisation_a(applicant_a=AWAY, **STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.draft_a.pk, "attachment_pk": w.draft_file_a.pk},
            method="post",
        ),
    ]


def _staff_applications() -> list[Case]:
    submitted = lambda w: {"pk": w.submitted_a.pk}  # noqa: E731
    return [
        Case("staff_application_list", staff_only()),
        Case("staff_application_export", staff_only(), lambda w: {"fmt": "csv"}),
        Case("staff_application_detail", staff_only(), submitted),
        Case(
            "staff_application_screen",
            staff_only(),
            submitted,
            method="post",
        ),
    ]


def _reviews() -> list[Case]:
    return [
        Case(
            "review_queue",
            # Any committee member has a queue (the conflicted one too); staff review
            # through their own pages.
            committee(conflicted_member=OK),
        ),
        Case(
            "review_score",
            committee(),
            lambda w: {"application_pk": w.submitted_a.pk},
            label="declared: member scores, conflicted member sees nothing",
        ),
        Case(
            "review_score",
            committee(committee_member=AWAY),
            lambda w: {"application_pk": w.submitted_b.pk},
            label="not yet declared: sent to the declaration",
        ),
        Case(
            "review_declare",
            committee(),
            lambda w: {"application_pk": w.submitted_b.pk},
            label="not yet declared",
        ),
        Case(
            "review_declare",
            # Both have declared: the member goes on to scoring, the conflicted member
            # back to the queue (with no word about the application).
            committee(committee_member=AWAY, conflicted_member=AWAY),
            lambda w: {"application_pk": w.submitted_a.pk},
            label="already declared",
        ),
        Case(
            "review_attachment_download",
            committee(),
            lambda w: {"application_pk": w.submitted_a.pk, "attachment_pk": w.file_a.pk},
        ),
        Case(
            "review_attachment_download",
            nobody(),
            lambda w: {"application_pk": w.submitted_a.pk, "attachment_pk": w.file_b.pk},
            label="B's file through A's assignment",
        ),
    ]


def _committee() -> list[Case]:
    call = lambda w: {"pk": w.review_call.pk}  # noqa: E731
    seat = lambda w: {"pk": w.review_call.pk, "member_pk": w.seat_member.pk}  # noqa: E731
    return [
        Case("staff_committee", staff_only(), call),
        Case("staff_committee_add", staff_only(), call, method="post"),
        Case("staff_committee_chair", staff_only(programme_staff=AWAY), seat, method="post"),
        Case("staff_committee_remove", staff_only(programme_staff=AWAY), seat, method="post"),
        Case("staff_committee_assign", staff_only(programme_staff=AWAY), call, method="post"),
        Case("staff_review_progress", staff_only(), call),
    ]


def _ranking() -> list[Case]:
    call = lambda w: {"pk": w.review_call.pk}  # noqa: E731
    submitted = lambda w: {"pk": w.submitted_a.pk}  # noqa: E731
    return [
        Case("staff_ranking", staff_only(), call),
        Case("staff_ranking_xlsx", staff_only(), call),
        Case("staff_decisions_pdf", staff_only(), call),
        Case("staff_ranking_decide_bulk", staff_only(programme_staff=AWAY), call, method="post"),
        Case("staff_funding_override", staff_only(programme_staff=AWAY), submitted, method="post"),
        Case("staff_application_decide", staff_only(), submitted),
        Case(
            "staff_scores_export",
            staff_only(),
            lambda w: {"pk": w.review_call.pk, "fmt": "csv"},
        ),
    ]


def _projects() -> list[Case]:
    project = lambda w: {"pk": w.project_a.pk}  # noqa: E731
    return [
        Case("project_list_mine", signed_in()),
        Case("project_detail", organisation_a(), project),
        Case("staff_project_list", staff_only()),
        Case("staff_project_state", staff_only(), project, method="post"),
        Case(
            "staff_tranche_pay",
            staff_only(),
            lambda w: {"pk": w.project_a.pk, "tranche_pk": w.tranche_a.pk},
        ),
        Case(
            "staff_tranche_pay",
            nobody(),
            lambda w: {"pk": w.project_a.pk, "tranche_pk": w.tranche_b.pk},
            label="B's tranche through A's project",
        ),
        Case("staff_indicator_add", staff_only(), project),
        Case(
            "staff_indicator_edit",
            staff_only(),
            lambda w: {"pk": w.project_a.pk, "indicator_pk": w.indicator_a.pk},
        ),
        Case("staff_funding_terms", staff_only(), lambda w: {"pk": w.review_call.pk}),
        Case("staff_projects_export", staff_only(), lambda w: {"fmt": "csv"}),
        Case("staff_tranches_export", staff_only(), lambda w: {"fmt": "xlsx"}),
    ]


def _reports() -> list[Case]:
    report = lambda w: {"pk": w.report_a.pk}  # noqa: E731
    return [
        Case("report_list", signed_in()),
        Case("report_detail", organisation_a(), report),
        Case(
            "report_section",
            organisation_a(**STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.report_a.pk, "section": "narrative"},
            label="narrative",
        ),
        Case(
            "report_section",
            organisation_a(**STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.report_a.pk, "section": "files"},
            label="files",
        ),
        Case("report_submit", organisation_a(**STAFF_SEE_NOT_EDIT), report),
        Case("report_offline_download", organisation_a(), report),
        Case("report_offline_upload", organisation_a(**STAFF_SEE_NOT_EDIT), report),
        Case(
            "report_file_download",
            organisation_a(),
            lambda w: {"pk": w.report_a.pk, "file_pk": w.report_file_a.pk},
        ),
        Case(
            "report_file_download",
            nobody(),
            lambda w: {"pk": w.report_a.pk, "file_pk": w.report_file_b.pk},
            label="B's file through A's report",
        ),
        Case(
            "report_file_delete",
            organisation_a(applicant_a=AWAY, **STAFF_SEE_NOT_EDIT),
            lambda w: {"pk": w.report_a.pk, "file_pk": w.report_file_a.pk},
            method="post",
        ),
        Case("staff_report_list", staff_only()),
        Case("staff_report_detail", staff_only(), report),
        Case(
            "staff_report_return",
            staff_only(programme_staff=BAD_REQUEST),
            report,
            method="post",
            label="empty comments",
        ),
        Case(
            "staff_report_accept",
            # Report 1 is still being prepared: refused with a message.
            staff_only(programme_staff=AWAY),
            report,
            method="post",
        ),
        Case("staff_reports_export", staff_only(), lambda w: {"fmt": "csv"}),
    ]


def _dashboards_and_summaries() -> list[Case]:
    summary = lambda w: {"pk": w.summary.pk}  # noqa: E731
    return [
        Case("staff_dashboard", staff_only()),
        Case("donor_dashboard", donor()),
        Case("public_project_list", public()),
        Case("donor_summary_list", donor()),
        Case("donor_summary_detail", donor(), summary),
        Case("donor_summary_progress", donor(), summary),
        Case("donor_summary_pdf", donor(), summary),
        Case("donor_summary_xlsx", donor(), summary),
        Case("open_data_iati", public()),
        Case("open_data_360giving", public()),
    ]


CASES: list[Case] = [
    *_site(),
    *_accounts(),
    *_allauth(),
    *_regions(),
    *_calls(),
    *_applications(),
    *_staff_applications(),
    *_reviews(),
    *_committee(),
    *_ranking(),
    *_projects(),
    *_reports(),
    *_dashboards_and_summaries(),
]
