"""Every form of the portal, as fuzzed by tests/test_fuzz_forms.py: the URL it is posted
to, who may use it, the object it acts on (the data set of the authorisation matrix,
``world``), the forms the view builds (so that the posted names come from the form
classes, formsets' management forms and rows included) and a valid submission to
mutate.

URL arguments come from the matrix's rows (tests/authorization_cases.py) unless a spec
gives its own. A new URL whose view reads a POST fails ``test_every_form_is_fuzzed``
until it has a spec here or a reasoned entry in ``NOT_FUZZED``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.forms import (
    AddEmailForm,
    ChangePasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone
from hypothesis import strategies as st

from accounts.forms import InvitationForm, LanguageForm, OrganisationForm, ProfileForm
from accounts.models import Organisation
from grants.enums import ApplicationState, DecisionOutcome
from grants.forms.applications import StartForm, WithdrawForm, section_forms
from grants.forms.calls import (
    AnswerForm,
    CallForm,
    CallStateForm,
    CriterionFormSet,
    DocumentFormSet,
    QuestionForm,
    RegionFormSet,
    criteria_initial,
    documents_initial,
    regions_initial,
)
from grants.forms.committee import AssignmentForm, CommitteeMemberAddForm
from grants.forms.ranking import (
    BulkDecisionForm,
    DecisionForm,
    FundingOverrideForm,
    RankingSettingsForm,
)
from grants.forms.reviews import DeclarationForm, ReviewForm
from grants.forms.screening import ScreeningForm
from grants.models import CallReviewSettings
from grants.ranking import DECIDABLE_STATES
from grants.services.applications import section_version
from projects.enums import TrancheState
from projects.forms import (
    FundingTermsForm,
    IndicatorForm,
    ProjectStateForm,
    TranchePaymentForm,
    TrancheRuleFormSet,
    tranche_rules_initial,
)
from projects.models import Tranche
from projects.selectors import funding_terms_for
from reporting.enums import ReportState
from reporting.forms import OfflineUploadForm, ReportFileForm, ReturnForm
from reporting.forms import section_forms as report_section_forms
from reporting.forms_summaries import SummaryRequestForm
from reporting.models import ProgressReport
from reporting.offline import report_workbook
from reporting.selectors import report_with_everything
from reporting.services.reports import section_version as report_section_version
from tests.authorization_cases import CASES
from tests.factories import TEST_PASSWORD, ThemeFactory
from tests.fuzz import strategies as fuzz
from tests.fuzz.engine import initial_data
from tests.fuzz.strategies import MINIMAL_PDF

BUTTON = st.sampled_from(["", "1", "on", "\x00"])


@dataclass(frozen=True)
class FormSpec:
    name: str  # the URL's name
    actor: str  # a role of tests/authorization_cases.py
    parts: Callable = lambda w: []  # the forms the view builds, unbound
    base: Callable = lambda w: {}  # a valid submission
    extra: dict = field(default_factory=dict)  # other keys the view reads: strategies
    kwargs: Callable | None = None  # URL arguments, when no matrix row fits
    case_label: str | None = None  # which matrix row's arguments to use
    prepare: Callable | None = None  # puts the object in the state the form is used in
    htmx: bool = False  # also posted as htmx's autosave
    # Fields a saved object may leave invalid by design: {"app.Model": ["field"]}.
    full_clean_exclude: dict = field(default_factory=dict)
    label: str = ""

    @property
    def id(self) -> str:
        return self.name + (f"[{self.label}]" if self.label else "")

    def url_kwargs(self, world) -> dict:
        if self.kwargs is not None:
            return self.kwargs(world)
        rows = [case for case in CASES if case.name == self.name]
        if self.case_label is not None:
            rows = [case for case in rows if case.label == self.case_label]
        assert rows, f"no matrix row for {self.id}"
        return rows[0].kwargs(world)


def pdf(name="budget.pdf"):
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def _with(data: dict, **values) -> dict:
    return {**data, **values}


# --- accounts ---------------------------------------------------------------------------


def _organisation_create_base(w):
    new = Organisation(
        name="Kyzyl-Suu Women's Council",
        legal_form=w.organisation_a.legal_form,
        region=w.oblast,
        address="12 Lenin St, Kyzyl-Suu",
        phone="+996 555 123 456",
        email="council@example.org",
    )
    return initial_data(OrganisationForm(instance=new))


ACCOUNTS = [
    FormSpec(
        "profile",
        "applicant_a",
        parts=lambda w: [ProfileForm(instance=w.applicant_a)],
        base=lambda w: initial_data(ProfileForm(instance=w.applicant_a)),
    ),
    FormSpec(
        "language_switch",
        "applicant_a",
        parts=lambda w: [LanguageForm()],
        base=lambda w: {"language": "ru", "next": "/calls/"},
    ),
    FormSpec(
        "organisation_create",
        "applicant_a",
        parts=lambda w: [OrganisationForm()],
        base=_organisation_create_base,
    ),
    FormSpec(
        "organisation_edit",
        "applicant_a",
        parts=lambda w: [OrganisationForm(instance=w.organisation_a)],
        base=lambda w: initial_data(OrganisationForm(instance=w.organisation_a)),
    ),
    FormSpec(
        "invitation_create",
        "applicant_a",
        parts=lambda w: [InvitationForm()],
        base=lambda w: {"email": "colleague@example.org", "role": "editor"},
    ),
    FormSpec("membership_remove", "applicant_a"),
    FormSpec("anonymisation_request", "applicant_a"),
    FormSpec(
        "invitation_accept",
        "applicant_b",
        case_label="organisation A invites applicant B",
    ),
]

# allauth's own pages: the visitor's way in, fuzzed like the portal's forms.
ALLAUTH = [
    FormSpec(
        "account_login",
        "anonymous",
        parts=lambda w: [LoginForm(request=RequestFactory().get("/"))],
        base=lambda w: {"login": "alice@example.org", "password": TEST_PASSWORD},
    ),
    FormSpec(
        "account_signup",
        "anonymous",
        parts=lambda w: [SignupForm()],
        base=lambda w: {
            "email": "newcomer@example.org",
            "password1": "Issyk-Kul 2017 lake",
            "password2": "Issyk-Kul 2017 lake",
        },
    ),
    FormSpec(
        "account_reset_password",
        "anonymous",
        parts=lambda w: [ResetPasswordForm()],
        base=lambda w: {"email": "alice@example.org"},
    ),
    FormSpec(
        "account_change_password",
        "applicant_a",
        parts=lambda w: [ChangePasswordForm(user=w.applicant_a)],
        base=lambda w: {
            "oldpassword": TEST_PASSWORD,
            "password1": "Issyk-Kul 2017 lake",
            "password2": "Issyk-Kul 2017 lake",
        },
    ),
    FormSpec(
        "account_email",
        "applicant_a",
        parts=lambda w: [AddEmailForm(user=w.applicant_a)],
        base=lambda w: {"email": "aliya.second@example.org", "action_add": ""},
        extra={"action_add": BUTTON, "action_remove": BUTTON, "action_primary": BUTTON},
    ),
]


# --- calls and questions ------------------------------------------------------------------


def _editor_parts(call):
    return [
        CallForm(call=call),
        RegionFormSet(prefix="regions", initial=regions_initial(call) if call else None),
        CriterionFormSet(prefix="criteria", initial=criteria_initial(call) if call else None),
        DocumentFormSet(prefix="documents", initial=documents_initial(call) if call else None),
    ]


def _editor_base(call, **changes):
    data = {}
    for part in _editor_parts(call):
        data.update(initial_data(part))
    return _with(data, **changes)


def _editable_draft(w):
    """The draft call as staff leave it before publishing: a theme and a region."""
    theme = ThemeFactory(programme=w.draft_call.programme)
    w.draft_call.themes.set([theme])
    w.draft_call.eligible_regions.set([w.oblast])


CALLS = [
    FormSpec(
        "call_question_ask",
        "applicant_a",
        parts=lambda w: [QuestionForm(user=w.applicant_a)],
        base=lambda w: {
            "organisation": str(w.organisation_a.pk),
            "text": "May a school be our partner?",
        },
    ),
    FormSpec(
        "staff_call_create",
        "staff",
        parts=lambda w: _editor_parts(w.draft_call),
        # The draft call's values under a new address (its criteria's ids included:
        # ids of another call's rows must not be taken over).
        base=lambda w: _editor_base(w.draft_call, slug="fuzzed-call", title="Fuzzed call"),
        prepare=_editable_draft,
    ),
    FormSpec(
        "staff_call_edit",
        "staff",
        parts=lambda w: _editor_parts(w.draft_call),
        base=lambda w: _editor_base(w.draft_call),
        prepare=_editable_draft,
    ),
    FormSpec(
        "staff_call_state",
        "staff",
        parts=lambda w: [CallStateForm()],
        base=lambda w: {"to_state": "decided", "expected_state": w.review_call.state},
    ),
    FormSpec(
        "staff_question_answer",
        "staff",
        parts=lambda w: [AnswerForm(prefix=f"q{w.question_a.pk}")],
        base=lambda w: {f"q{w.question_a.pk}-answer": "Yes, a lyceum may be a partner."},
        extra={"page": st.one_of(fuzz.number(), fuzz.text())},
    ),
]


# --- applications -----------------------------------------------------------------------------

SECTIONS = [
    "summary",
    "problem",
    "workplan",
    "locations",
    "partners",
    "beneficiaries",
    "budget",
    "declaration",
]


def _section_spec(section):
    def parts(w):
        w.draft_a.refresh_from_db()
        return [part for part in section_forms(w.draft_a, section) if part is not None]

    def base(w):
        data = {"base_version": str(section_version(w.draft_a, section))}
        for part in parts(w):
            data.update(initial_data(part))
        return data

    return FormSpec(
        "application_section",
        "applicant_a",
        parts=parts,
        base=base,
        extra={"base_version": fuzz.number(), "continue": BUTTON},
        kwargs=lambda w: {"pk": w.draft_a.pk, "section": section},
        htmx=True,
        label=section,
        # Drafts may be incomplete: a blank title is checked at submission
        # (grants.services.applications.application_save_section).
        full_clean_exclude={"grants.Application": ["title"]},
    )


class _DocumentsUpload(forms.Form):
    """The documents page's file inputs: one per required document and one extra."""

    def __init__(self, call):
        super().__init__()
        for document in call.documents.all():
            self.fields[f"document_{document.pk}"] = forms.FileField()
        self.fields["document_extra"] = forms.FileField()


APPLICATIONS = [
    FormSpec(
        "application_start",
        "applicant_a",
        parts=lambda w: [
            StartForm(organisations=Organisation.objects.filter(pk=w.organisation_a.pk))
        ],
        base=lambda w: {"organisation": str(w.organisation_a.pk)},
        case_label="published call",
    ),
    *[_section_spec(section) for section in SECTIONS],
    FormSpec(
        "application_section",
        "applicant_a",
        parts=lambda w: [_DocumentsUpload(w.draft_a.call)],
        base=lambda w: {"document_extra": pdf()},
        extra={"continue": BUTTON},
        case_label="draft, documents",
        label="documents",
    ),
    FormSpec("application_submit", "applicant_a"),
    FormSpec(
        "application_withdraw",
        "applicant_a",
        parts=lambda w: [WithdrawForm()],
        base=lambda w: {"reason": "Our partner school closed."},
    ),
    FormSpec("attachment_delete", "applicant_a"),
    FormSpec(
        "staff_application_screen",
        "staff",
        parts=lambda w: [ScreeningForm()],
        base=lambda w: {
            "decision": ApplicationState.INELIGIBLE,
            "reason_code": "other",
            "note": "Registered after the deadline.",
            "expected_state": w.submitted_a.state,
        },
    ),
]


# --- the committee's reviews and staff's committee pages -------------------------------------


def _declare_b(w):
    from tests.grants.review_support import declare

    declare(w.seat_member, w.submitted_b)


def _criteria(w):
    return list(w.review_call.criteria.order_by("order", "pk"))


def _review_base(w):
    data = {f"score_{c.pk}": str(c.max_points // 2) for c in _criteria(w)}
    return _with(data, comment="Sound plan.", recommendation="", action="save")


REVIEWS = [
    FormSpec(
        "review_declare",
        "committee_member",
        parts=lambda w: [DeclarationForm()],
        base=lambda w: {"conflict": "no", "reason": ""},
        case_label="not yet declared",
    ),
    FormSpec(
        "review_score",
        "committee_member",
        parts=lambda w: [ReviewForm(criteria=_criteria(w))],
        base=_review_base,
        extra={"action": st.sampled_from(["save", "submit", "", "SUBMIT", "\x00"])},
        kwargs=lambda w: {"application_pk": w.submitted_b.pk},
        prepare=_declare_b,
    ),
    FormSpec(
        "staff_committee_add",
        "staff",
        parts=lambda w: [CommitteeMemberAddForm(call=w.review_call)],
        base=lambda w: {"user": str(w.viewer_membership.user_id), "affiliation": "ngo"},
    ),
    FormSpec("staff_committee_chair", "staff"),
    FormSpec("staff_committee_remove", "staff"),
    FormSpec(
        "staff_committee_assign",
        "staff",
        parts=lambda w: [AssignmentForm()],
        base=lambda w: {"reviewers_per_application": "2"},
    ),
]


# --- ranking and decisions ---------------------------------------------------------------


def _settings(w):
    return CallReviewSettings.for_call(w.review_call)


def _decidable_ids(w):
    return sorted(
        w.review_call.applications.filter(state__in=DECIDABLE_STATES).values_list("pk", flat=True)
    )


RANKING = [
    FormSpec(
        "staff_ranking",
        "staff",
        parts=lambda w: [RankingSettingsForm(instance=_settings(w))],
        base=lambda w: initial_data(RankingSettingsForm(instance=_settings(w))),
        kwargs=lambda w: {"pk": w.review_call.pk},
        # The settings row is made on the first visit of the page, before any POST.
        prepare=_settings,
    ),
    FormSpec(
        "staff_ranking_decide_bulk",
        "staff",
        parts=lambda w: [BulkDecisionForm(application_ids=_decidable_ids(w))],
        base=lambda w: {
            "action": "selected",
            "applications": [f"{w.submitted_a.pk}:eligible"],
            "outcome": DecisionOutcome.WAITLIST,
            "reason": "Above the pass mark, below the line.",
        },
    ),
    FormSpec(
        "staff_funding_override",
        "staff",
        parts=lambda w: [FundingOverrideForm()],
        base=lambda w: {"include": "1", "reason": "The committee asked for it."},
        extra={"remove": BUTTON},
    ),
    FormSpec(
        "staff_application_decide",
        "staff",
        parts=lambda w: [DecisionForm()],
        base=lambda w: {
            # Waitlisted: the data set's application requests nothing to approve.
            "outcome": DecisionOutcome.WAITLIST,
            "amount": str(w.submitted_a.requested_amount),
            "reason": "Above the pass mark, below the funding line.",
            "expected_state": w.submitted_a.state,
        },
    ),
]


# --- projects ---------------------------------------------------------------------------------


def _terms_parts(w):
    terms = funding_terms_for(w.review_call)
    return [
        FundingTermsForm(instance=terms),
        TrancheRuleFormSet(prefix="rules", initial=tranche_rules_initial(terms)),
    ]


def _terms_base(w):
    data = {}
    for part in _terms_parts(w):
        data.update(initial_data(part))
    return data


def _ready_tranche(w):
    Tranche.objects.filter(pk=w.tranche_a.pk).update(state=TrancheState.READY)
    w.tranche_a.refresh_from_db()


PROJECTS = [
    FormSpec(
        "staff_project_state",
        "staff",
        parts=lambda w: [ProjectStateForm(project=w.project_a, data={})],
        base=lambda w: {
            "to_state": "suspended",
            "reason": "Audit of the accounts.",
            "expected_state": w.project_a.state,
        },
    ),
    FormSpec(
        "staff_tranche_pay",
        "staff",
        parts=lambda w: [TranchePaymentForm(tranche=w.tranche_a)],
        base=lambda w: _with(
            initial_data(TranchePaymentForm(tranche=w.tranche_a)), reference="TR-2017-001"
        ),
        case_label="",
        prepare=_ready_tranche,
    ),
    FormSpec(
        "staff_indicator_add",
        "staff",
        parts=lambda w: [IndicatorForm(project=w.project_a)],
        base=lambda w: {
            "name": "Parents at school meetings",
            "unit": "people",
            "baseline": "0",
            "target": "120",
            "location": "",
        },
    ),
    FormSpec(
        "staff_indicator_edit",
        "staff",
        parts=lambda w: [IndicatorForm(project=w.project_a, instance=w.indicator_a)],
        base=lambda w: initial_data(IndicatorForm(project=w.project_a, instance=w.indicator_a)),
    ),
    FormSpec("staff_funding_terms", "staff", parts=_terms_parts, base=_terms_base),
]


# --- progress reports -------------------------------------------------------------------------


def _report(w):
    return report_with_everything(ProgressReport.objects.all()).get(pk=w.report_a.pk)


def _report_section_spec(section):
    def parts(w):
        return [part for part in report_section_forms(_report(w), section) if part is not None]

    def base(w):
        data = {"base_version": str(report_section_version(_report(w), section))}
        for part in parts(w):
            data.update(initial_data(part))
        return data

    return FormSpec(
        "report_section",
        "applicant_a",
        parts=parts,
        base=base,
        extra={"base_version": fuzz.number(), "continue": BUTTON},
        kwargs=lambda w: {"pk": w.report_a.pk, "section": section},
        htmx=True,
        label=section,
    )


def _submitted(w):
    ProgressReport.objects.filter(pk=w.report_a.pk).update(
        state=ReportState.SUBMITTED, submitted_at=timezone.now()
    )


def _workbook(w):
    content = report_workbook(_report(w))
    return SimpleUploadedFile(
        "report.xlsx",
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


REPORTS = [
    *[
        _report_section_spec(section)
        for section in ("narrative", "indicators", "spending", "cofinancing")
    ],
    FormSpec(
        "report_section",
        "applicant_a",
        parts=lambda w: [ReportFileForm()],
        base=lambda w: {"file": pdf("round-table.pdf"), "caption": "Round table, 12 May"},
        extra={"continue": BUTTON},
        case_label="files",
        label="files",
    ),
    FormSpec("report_submit", "applicant_a"),
    FormSpec(
        "report_offline_upload",
        "applicant_a",
        parts=lambda w: [OfflineUploadForm()],
        base=lambda w: {"file": _workbook(w)},
    ),
    FormSpec("report_file_delete", "applicant_a"),
    FormSpec(
        "staff_report_return",
        "staff",
        parts=lambda w: [ReturnForm()],
        base=lambda w: {"comment_narrative": "Say who came to the round table."},
        prepare=_submitted,
    ),
    FormSpec("staff_report_accept", "staff", prepare=_submitted),
    FormSpec(
        "donor_summary_list",
        "staff",
        parts=lambda w: [SummaryRequestForm()],
        base=lambda w: {
            "programme": str(w.review_call.programme_id),
            "period_start": "2018-02-01",
            "period_end": "2018-02-28",
            "second_currency": "USD",
            "exchange_rate": str(Decimal("68.5")),
        },
    ),
]

GROUPS = {
    "accounts": ACCOUNTS + ALLAUTH,
    "calls": CALLS,
    "applications": APPLICATIONS,
    "reviews": REVIEWS,
    "ranking": RANKING,
    "projects": PROJECTS,
    "reports": REPORTS,
}
SPECS = [spec for specs in GROUPS.values() for spec in specs]

# URLs whose view reads a POST but that are not fuzzed, and why.
NOT_FUZZED = {
    # Reads only "page" from a POST when staff_question_answer re-renders it with its
    # errors; a POST to this address itself changes nothing and shows the list.
    "staff_call_questions": "a list page; its POST handling is staff_question_answer's",
    # allauth's pages that need a one-time key, a code from an authenticator or a
    # signed-in session in a particular state; they hold no free-text input of ours.
    "account_logout": "no input: signs out",
    "account_reauthenticate": "allauth's password prompt, like the login form",
    "account_set_password": "only for accounts without a password (none in the portal)",
    "account_confirm_login_code": "login by code is not enabled",
    "account_confirm_email": "a one-time key in the URL, no fields",
    "account_reset_password_from_key": "needs a valid one-time key in the URL",
    "mfa_authenticate": "a TOTP code during login: allauth's own form and rate limit",
    "mfa_reauthenticate": "a TOTP code: allauth's own form",
    "mfa_activate_totp": "a TOTP code checked by allauth against a secret in the session",
    "mfa_deactivate_totp": "no free input: allauth's own confirmation",
    "mfa_generate_recovery_codes": "no input: allauth's own confirmation",
}
