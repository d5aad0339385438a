"""The form staff use to ask for a donor summary."""

import datetime
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from grants.models import Programme

CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SummaryRequestForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.order_by("-starts_on", "name")
    )
    period_start = forms.DateField(label=_("Period from"), widget=DATE_INPUT)
    period_end = forms.DateField(label=_("Period to"), widget=DATE_INPUT)
    second_currency = forms.CharField(
        label=_("Second currency (optional)"),
        required=False,
        max_length=3,
        help_text=_("A three-letter code, for example USD."),
    )
    exchange_rate = forms.DecimalField(
        label=_("Rate"),
        required=False,
        max_digits=12,
        decimal_places=4,
        min_value=Decimal("0.0001"),
        help_text=_(
            "How much of the programme's currency one unit of the second currency is "
            "worth, for example 68.5 (KGS per USD)."
        ),
        widget=forms.NumberInput(attrs={"step": "0.0001", "inputmode": "decimal"}),
    )

    def clean_second_currency(self):
        code = self.cleaned_data["second_currency"].strip().upper()
        if code and not CURRENCY_CODE.match(code):
            raise forms.ValidationError(_("Enter a three-letter currency code, for example USD."))
        return code

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        programme = data.get("programme")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        elif (
            start and end and programme and (end < programme.starts_on or start > programme.ends_on)
        ):
            self.add_error(
                "period_start",
                _("The period must overlap the programme (%(start)s – %(end)s).")
                % {
                    "start": programme.starts_on.strftime("%d.%m.%Y"),
                    "end": programme.ends_on.strftime("%d.%m.%Y"),
                },
            )
        code, rate = data.get("second_currency"), data.get("exchange_rate")
        if code and rate is None and "exchange_rate" not in self.errors:
            self.add_error("exchange_rate", _("Give the rate of the second currency."))
        if rate is not None and not code and "second_currency" not in self.errors:
            self.add_error("second_currency", _("Name the currency of this rate."))
        if code and programme and code == programme.currency:
            self.add_error(
                "second_currency", _("The second currency must differ from the programme's.")
            )
        return data


def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The form's first values: the previous calendar month."""
    from reporting.summaries import previous_month

    return previous_month(today)
