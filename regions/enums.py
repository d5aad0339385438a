from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    OBLAST = "oblast", _("Oblast")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    CITY_DISTRICT = "city_district", _("City district")
    TOWN = "town", _("Town")
    AYIL_AIMAK = "ayil_aimak", _("Ayil aimak")
    VILLAGE = "village", _("Village")

    @classmethod
    def top(cls):
        """Levels shown on the oblast map: the oblasts and the two republican cities."""
        return [cls.OBLAST, cls.CITY]

    @classmethod
    def local(cls):
        """Levels a project can be located in below the district: towns and ayil aimaks."""
        return [cls.TOWN, cls.AYIL_AIMAK]
