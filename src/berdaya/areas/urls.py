from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.district_list, name="district_list"),
    path("desa-pilihan/", views.village_options, name="village_options"),
]
