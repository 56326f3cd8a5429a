from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("dari-kelompok/<int:group_pk>/", views.organisation_from_group, name="organisation_from_group"),
]
