from django.contrib import admin

from regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name_en",
        "name_ru",
        "name_ky",
        "level",
        "parent",
        "edition",
        "valid_to",
    ]
    list_filter = ["level", "edition", ("oblast", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", "name_en", "name_ru", "name_ky"]
    autocomplete_fields = ["parent", "oblast", "successor"]
    list_select_related = ["parent"]
    list_per_page = 50
