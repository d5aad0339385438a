import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.enums import ProgrammeRole
from accounts.forms import InvitationForm, LanguageForm, OrganisationForm, ProfileForm
from accounts.models import Invitation, Membership, User
from accounts.rules import (
    can_download_personal_data_of,
    can_edit_organisation,
    can_manage_members,
    membership_role,
)
from accounts.selectors import organisation_detail, organisation_list

PAGE_SIZE = 25
logger = logging.getLogger(__name__)


def home(request):
    return render(request, "home.html")


@login_required
def start(request):
    """Each role's start page after login."""
    user = request.user
    if user.role == ProgrammeRole.COMMITTEE_MEMBER:
        return redirect("review_queue")
    if user.is_programme_staff:
        return redirect("staff_dashboard")
    if user.role == ProgrammeRole.DONOR_VIEWER:
        return redirect("donor_dashboard")
    context = {
        # Counts through the reverse relations of grants and projects (no import of
        # the apps above): the start page links on to their own lists.
        "organisations": organisation_list(user).annotate(
            application_count=Count("applications", distinct=True),
            project_count=Count("projects", distinct=True),
        ),
        "invitations": Invitation.objects.pending()
        .filter(email__iexact=user.email)
        .select_related("organisation"),
    }
    return render(request, "accounts/start.html", context)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        response = redirect("profile")
        response.set_cookie(
            "django_language",
            form.cleaned_data["language"],
            max_age=365 * 24 * 60 * 60,
            samesite="Lax",
            secure=request.is_secure(),
        )
        messages.success(request, _("Your profile was saved."))
        return response
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def language_switch(request):
    """Switch the interface language; signed-in users keep the choice on their account."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    # A URL, never a view name: redirect("0") would look up a view called "0".
    response = HttpResponseRedirect(next_url)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        response.set_cookie(
            "django_language",
            language,
            max_age=365 * 24 * 60 * 60,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@login_required
def organisation_list_view(request):
    page = Paginator(organisation_list(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/organisation_list.html", {"page": page})


@login_required
def organisation_create_view(request):
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The organisation was registered. You are its owner."))
            return redirect("organisation_detail", pk=organisation.pk)
    return render(request, "accounts/organisation_form.html", {"form": form})


@login_required
def organisation_detail_view(request, pk):
    organisation = get_object_or_404(organisation_detail(request.user, pk))
    context = {
        "organisation": organisation,
        "my_role": membership_role(request.user, organisation),
        "can_edit": can_edit_organisation(request.user, organisation),
        "can_manage": can_manage_members(request.user, organisation),
    }
    if context["can_manage"]:
        context["invitations"] = organisation.invitations.pending()
        context["invitation_form"] = InvitationForm()
    return render(request, "accounts/organisation_detail.html", context)


@login_required
def organisation_edit_view(request, pk):
    organisation = get_object_or_404(organisation_detail(request.user, pk))
    if not can_edit_organisation(request.user, organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(organisation=organisation, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The organisation's details were saved."))
            return redirect("organisation_detail", pk=organisation.pk)
    return render(
        request, "accounts/organisation_form.html", {"form": form, "organisation": organisation}
    )


@login_required
def invitation_create_view(request, pk):
    organisation = get_object_or_404(organisation_detail(request.user, pk))
    if not can_manage_members(request.user, organisation):
        raise PermissionDenied
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                language=request.LANGUAGE_CODE,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("organisation_detail", pk=organisation.pk)
    return render(
        request,
        "accounts/invitation_form.html",
        {"form": form, "organisation": organisation},
    )


@login_required
@require_POST
def membership_remove_view(request, pk, membership_pk):
    organisation = get_object_or_404(organisation_detail(request.user, pk))
    membership = get_object_or_404(Membership, pk=membership_pk, organisation=organisation)
    try:
        services.membership_remove(membership=membership, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("%(member)s was removed.") % {"member": membership.user})
    return redirect("organisation_detail", pk=organisation.pk)


@login_required
def invitation_accept_view(request, token):
    invitation = get_object_or_404(
        Invitation.objects.select_related("organisation", "invited_by"), token=token
    )
    if invitation.email.lower() != request.user.email.lower():
        # Not for this account: say so without showing whose organisation it is.
        if not invitation.is_pending:
            raise Http404
        messages.error(
            request,
            _(
                "This invitation was sent to another address. "
                "Sign in with that address to accept it."
            ),
        )
        return redirect("start")
    if request.method == "POST":
        try:
            services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("start")
        messages.success(
            request,
            _("You joined %(organisation)s.") % {"organisation": invitation.organisation.name},
        )
        return redirect("organisation_detail", pk=invitation.organisation_id)
    return render(request, "accounts/invitation_accept.html", {"invitation": invitation})


# --- personal data -------------------------------------------------------------------------


@login_required
def personal_data_view(request):
    """What the portal holds about the person, their copy of it, and their request to
    have their account anonymised."""
    return render(request, "accounts/personal_data.html")


def _personal_data_response(person):
    archive = services.user_export_personal_data(user=person)
    filename = f"personal-data-{person.pk}-{timezone.localdate():%Y-%m-%d}.zip"
    response = FileResponse(archive, as_attachment=True, filename=filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def personal_data_download_view(request):
    return _personal_data_response(request.user)


@login_required
def person_data_download_view(request, pk):
    """An administrator's copy of someone's data (e.g. to answer a request by post);
    a 404 for everyone else, whose own copy is on their profile."""
    person = get_object_or_404(User, pk=pk)
    if not can_download_personal_data_of(request.user, person):
        raise Http404
    logger.info("Personal data of user %s downloaded by user %s", person.pk, request.user.pk)
    return _personal_data_response(person)


@login_required
@require_POST
def anonymisation_request_view(request):
    told = services.user_request_anonymisation(user=request.user)
    if told:
        messages.success(
            request,
            _(
                "Your request was sent to the administrators. They will anonymise your "
                "account and let you know by email before they do."
            ),
        )
    else:
        messages.error(
            request,
            _("No administrator could be reached. Please write to the programme instead."),
        )
    return redirect("personal_data")
