from django.urls import path

from . import views

app_name = "outcomes"

urlpatterns = [
    path("", views.index, name="index"),
    path("jatuh-tempo/", views.due, name="due"),
    path("survei/baru/<int:person_pk>/", views.survey_create, name="survey_create"),
    path("survei/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("impor/", views.survey_import, name="import"),
    path("impor/templat.csv", views.import_template, name="import_template"),
    path("impor/kesalahan.csv", views.import_errors, name="import_errors"),
    path("program/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("program/<int:pk>/dampak/", views.impact_page, name="impact"),
    path("program/<int:pk>/graduasi/", views.graduation_page, name="graduation"),
    path("program/<int:pk>/graduasi/perbarui/", views.graduation_refresh, name="graduation_refresh"),
]
