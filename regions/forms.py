from django import forms
from django.utils.translation import gettext_lazy as _

from regions.models import Region


class RegionField(forms.ModelChoiceField):
    """Choose one unit of the region tree. (The step-by-step picker replaces the widget.)"""

    def __init__(self, *, queryset=None, **kwargs):
        kwargs.setdefault("label", _("Region"))
        super().__init__(queryset=queryset or Region.objects.for_picker().current(), **kwargs)
