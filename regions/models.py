from django.db import models
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from regions.enums import RegionLevel


class RegionQuerySet(models.QuerySet):
    def current(self):
        """Units valid today: not retired by a later classifier edition."""
        return self.filter(valid_to__isnull=True)

    def roots(self):
        """Oblasts and the cities of republican significance (Bishkek, Osh)."""
        return self.filter(parent__isnull=True)

    def for_picker(self):
        """Units offered by the region picker: everything above the village level."""
        return self.exclude(level=RegionLevel.VILLAGE)

    def order_by_name(self):
        """Sort by the name shown in the active language (the same fallback as ``Region.name``)."""
        language = (translation.get_language() or "en")[:2]
        if language == "ru":
            display = models.F("name_ru")
        else:
            field = "name_ky" if language == "ky" else "name_en"
            display = Coalesce(NullIf(field, models.Value("")), "name_ru")
        return self.alias(display_name=display).order_by("display_name", "code")


class Region(models.Model):
    """A unit of Kyrgyzstan's administrative-territorial classifier (SOATE).

    The tree runs oblast (or republican city) -> district (or city district, or city
    of oblast significance) -> town or ayil aimak -> village. A unit is never deleted
    once loaded: a later classifier edition retires it (``valid_to``, ``successor``),
    so projects funded in it keep pointing at the unit they were funded in.
    """

    code = models.CharField(_("SOATE code"), max_length=14, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        related_name="children",
        null=True,
        blank=True,
    )
    # The oblast or republican city a unit lies in (itself for those): stored, not
    # walked, so that figures "by oblast" are one GROUP BY. Set by load_regions.
    oblast = models.ForeignKey(
        "self",
        verbose_name=_("oblast"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    name_en = models.CharField(_("name in English"), max_length=200)
    name_ru = models.CharField(_("name in Russian"), max_length=200)
    name_ky = models.CharField(_("name in Kyrgyz"), max_length=200, blank=True)
    edition = models.CharField(
        _("classifier edition"),
        max_length=40,
        help_text=_("The SOATE edition the unit was loaded from."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("Empty while the unit is current.")
    )
    successor = models.ForeignKey(
        "self",
        verbose_name=_("successor"),
        on_delete=models.SET_NULL,
        related_name="predecessors",
        null=True,
        blank=True,
        help_text=_("The unit that took over after a merger or recoding."),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [
            # The picker lists a unit's children by name.
            models.Index(fields=["parent", "name_ru"], name="region_children_idx"),
            models.Index(fields=["level"], name="region_level_idx"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language; Russian where the Kyrgyz name is missing."""
        language = (translation.get_language() or "en")[:2]
        if language == "ky":
            return self.name_ky or self.name_ru
        if language == "ru":
            return self.name_ru
        return self.name_en or self.name_ru

    @property
    def is_current(self) -> bool:
        return self.valid_to is None
