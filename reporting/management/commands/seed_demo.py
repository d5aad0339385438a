from django.conf import settings
from django.core.management.base import BaseCommand

from reporting import demo


class Command(BaseCommand):
    help = (
        'Create the demo story of the 2017 "Prevention in Action" small grants programme. '
        "Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        people = demo.seed_people_and_organisations()
        _programme, call_2017 = demo.seed_programme_and_calls()
        demo.seed_applications_2017(call_2017)
        demo.seed_open_call_draft()
        demo.seed_review_2017(call_2017)
        demo.seed_projects_2017()
        demo.seed_donor_summary()
        demo.seed_mail_outbox()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        if not settings.DEBUG:
            self.stdout.write("Demo logins are printed only when DJANGO_DEBUG is on.")
            return
        self.stdout.write(
            f"\nDemo logins (local use only), all with the password {demo.DEMO_PASSWORD!r}:"
        )
        for user in people["staff"] + people["committee"] + people["applicants"][:4]:
            self.stdout.write(f"  {user.email:<42} {user.get_role_display()}")
        self.stdout.write(
            f"  ...and {len(people['applicants']) - 4} more applicants: see /admin/accounts/user/"
        )
