"""A deterministic data set of realistic shape and size for performance work
(``manage.py seed_scale``): three programmes, thirty calls, twenty thousand
applications with their reviews, two thousand projects with their reports.

The modules follow the life of a grant: ``people`` (logins, committee pool,
organisations), ``calls``, ``applications``, ``reviews`` (committee, scores,
decisions), ``projects`` (projects and tranches) and ``reports``; ``base`` holds the
plan of counts and the bulk-insert machinery, ``files`` the two shared stored files.
"""

import datetime
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership
from grants.enums import ApplicationState, CallState
from regions.enums import RegionLevel
from regions.models import Region
from reporting.models import DonorRecipient
from reporting.scale.applications import seed_call_applications
from reporting.scale.base import BISHKEK, Clock, Plan, Timeline, bulk, historic_timestamps
from reporting.scale.calls import call_timeline, seed_programmes_and_calls
from reporting.scale.files import ensure_shared_files
from reporting.scale.people import (
    password_hash,
    seed_committee_pool,
    seed_email_addresses,
    seed_fixed_users,
    seed_organisations,
)
from reporting.scale.projects import seed_call_projects
from reporting.scale.reports import seed_call_reports
from reporting.scale.reviews import in_review_budget, seed_call_reviews

__all__ = ["Plan", "ScaleResult", "NoPlaces", "seed_scale"]


class NoPlaces(Exception):
    """The regions table holds no ayil aimak or town to put organisations in."""


@dataclass
class ScaleResult:
    plan: Plan
    users: dict


def _spread(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders), each at least
    ``minimum`` where the total allows."""
    counts = [minimum] * len(weights)
    left = total - minimum * len(weights)
    if left <= 0:
        return [total // len(weights) + (i < total % len(weights)) for i in range(len(weights))]
    shares = [left * w / sum(weights) for w in weights]
    for index, share in enumerate(shares):
        counts[index] += int(share)
    order = sorted(range(len(weights)), key=lambda i: -(shares[i] - int(shares[i])))
    for index in order[: total - sum(counts)]:
        counts[index] += 1
    return counts


def _allocate(plan: Plan, call_plans, rng) -> None:
    """Applications per call (the in-review call the largest, newer calls larger) and
    projects per decided call (in proportion to its applications)."""
    largest = next(p for p in call_plans if p.state == CallState.IN_REVIEW)
    others = [p for p in call_plans if p is not largest]
    per_programme = plan.calls_per_programme
    weights = []
    for position, call_plan in enumerate(call_plans):
        if call_plan is largest:
            continue
        age = per_programme - 1 - position % per_programme
        weights.append((1.4 - 0.8 * age / max(1, per_programme - 1)) * rng.uniform(0.85, 1.15))
    largest.applications = plan.largest_call
    for call_plan, count in zip(
        others, _spread(plan.applications - plan.largest_call, weights), strict=True
    ):
        call_plan.applications = min(count, plan.largest_call - 1) if count > 1 else count
    decided = [p for p in call_plans if p.state == CallState.DECIDED]
    projects = _spread(plan.projects, [p.applications for p in decided], minimum=0)
    for call_plan, count in zip(decided, projects, strict=True):
        call_plan.projects = count
    # The showcase organisation's funded project needs its call to fund one at least.
    showcase = call_plans[plan.calls_per_programme - 2]
    if showcase.projects == 0:
        donor = max(decided, key=lambda p: p.projects)
        donor.projects -= 1 if donor.projects > 1 else 0
        showcase.projects = 1


@transaction.atomic
def seed_scale(*, seed: int = 2026, scale: float = 1.0, log=None) -> ScaleResult:
    """Build the data set. The caller checks that the database is empty."""
    log = log or (lambda message: None)
    rng = random.Random(seed)
    plan = Plan.for_scale(scale)
    # Midnight in Bishkek: the same seed on the same day gives the same rows.
    clock = Clock(datetime.datetime.combine(timezone.localdate(), datetime.time(), BISHKEK))
    places = list(Region.objects.current().filter(level__in=RegionLevel.local()).order_by("code"))
    if not places:
        raise NoPlaces("No ayil aimak or town is loaded: run load_regions first.")
    roots = list(Region.objects.current().roots().order_by("code"))
    region_by_id = {region.pk: region for region in places}
    ensure_shared_files()

    with historic_timestamps():
        hashed = password_hash()
        users = seed_fixed_users(password_hash=hashed, clock=clock)
        staff = users["staff"]
        pool = seed_committee_pool(plan=plan, rng=rng, password_hash=hashed, clock=clock)
        organisations, owner_of, editor_of = seed_organisations(
            plan=plan, rng=rng, places=places, password_hash=hashed, clock=clock
        )
        seed_email_addresses()
        log(f"people: {len(organisations)} organisations")
        recipients: dict[int, list[str]] = {}
        for organisation_id, address in Membership.objects.order_by(
            "organisation_id", "user__email"
        ).values_list("organisation_id", "user__email"):
            recipients.setdefault(organisation_id, []).append(address)
        recipients = {key: ", ".join(value) for key, value in recipients.items()}

        call_plans = seed_programmes_and_calls(
            plan=plan, rng=rng, clock=clock, roots=roots, staff=staff
        )
        _allocate(plan, call_plans, rng)
        timeline = Timeline()
        call_timeline(plans=call_plans, timeline=timeline, staff=staff)
        forced = _showcase(call_plans, plan)
        showcase_organisation = organisations[0].pk
        for call_plan in call_plans:
            infos = seed_call_applications(
                call_plan=call_plan,
                organisations=organisations,
                forced=forced.get(call_plan.call.pk, {}),
                owner_of=owner_of,
                editor_of=editor_of,
                places=places,
                rng=rng,
                clock=clock,
                staff=staff,
                timeline=timeline,
            )
            if call_plan.reviewed:
                approvals = seed_call_reviews(
                    call_plan=call_plan,
                    infos=infos,
                    pool=pool,
                    plan=plan,
                    rng=rng,
                    clock=clock,
                    staff=staff,
                    timeline=timeline,
                    largest=call_plan.state == CallState.IN_REVIEW,
                )
                if call_plan.state == CallState.IN_REVIEW:
                    in_review_budget(call_plan, infos)
                projects = seed_call_projects(
                    call_plan=call_plan,
                    approvals=approvals,
                    region_by_id=region_by_id,
                    clock=clock,
                    staff=staff,
                    timeline=timeline,
                    forced_organisation_id=showcase_organisation,
                )
                seed_call_reports(
                    infos=projects,
                    rng=rng,
                    clock=clock,
                    staff=staff,
                    timeline=timeline,
                    recipients=recipients,
                )
            timeline.flush()
            log(f"{call_plan.call.slug}: {call_plan.call.state}, {len(infos)} applications")
        bulk(
            DonorRecipient,
            [
                DonorRecipient(
                    programme_id=programme_id,
                    name=users["donor"].full_name,
                    email=users["donor"].email,
                    language="en",
                )
                for programme_id in sorted({p.call.programme_id for p in call_plans})
            ],
        )
    return ScaleResult(plan=plan, users=users)


def _showcase(call_plans, plan: Plan) -> dict:
    """applicant00001's organisation (the first): a funded project from the first
    programme's last decided call, applications to its older calls and to the call in
    review, and a draft in the open call."""
    per_programme = plan.calls_per_programme
    first = call_plans[:per_programme]
    forced = {first[-2].call.pk: {0: ApplicationState.APPROVED}}
    forced[first[-1].call.pk] = {0: ApplicationState.ELIGIBLE}
    forced[first[-3].call.pk] = {0: ApplicationState.ELIGIBLE}
    open_call = next(p for p in call_plans if p.state == CallState.PUBLISHED)
    forced[open_call.call.pk] = {0: ApplicationState.DRAFT}
    return forced
