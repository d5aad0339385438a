from django.urls import path

from regions import views

urlpatterns = [
    path("", views.regions_index, name="regions_index"),
    path("options/", views.region_options, name="region_options"),
    path("<str:code>/", views.region_detail, name="region_detail"),
]
