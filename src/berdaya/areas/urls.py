from django.urls import path

from . import views

app_name = "areas"
urlpatterns = [
    path("", views.district_list, name="district_list"),
    path("kecamatan/<str:code>/", views.district_detail, name="district_detail"),
    path("desa-pilihan/", views.village_options, name="village_options"),
]
