"""Open data at the stable public addresses promised in DESIGN.md."""

from django.urls import path

from reporting import views_opendata

urlpatterns = [
    path("open-data/iati.xml", views_opendata.open_data_iati, name="open_data_iati"),
    path(
        "open-data/360giving.json",
        views_opendata.open_data_360giving,
        name="open_data_360giving",
    ),
]
