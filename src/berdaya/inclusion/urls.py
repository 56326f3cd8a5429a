from django.urls import path

from . import views

app_name = "inclusion"
urlpatterns = [
    path("", views.home, name="home"),
    path("penduduk/<int:person_pk>/disabilitas/", views.profile_edit, name="profile_edit"),
    path("penduduk/<int:person_pk>/alat-bantu/", views.device_add, name="device_add"),
    path("alat-bantu/<int:pk>/diterima/", views.device_received, name="device_received"),
]
