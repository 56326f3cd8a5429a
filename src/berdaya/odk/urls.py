from django.urls import path

from . import views

app_name = "odk"

urlpatterns = [
    path("", views.home, name="home"),
    path("formulir/<str:form>.xlsx", views.form_download, name="form_download"),
    path("unggah/", views.upload, name="upload"),
    path("kiriman/", views.submission_list, name="submission_list"),
    path("kiriman/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("sumber/", views.source_list, name="source_list"),
    path("sumber/tarik/", views.source_pull, name="source_pull"),
]
