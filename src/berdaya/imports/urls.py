from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("templat.<str:fmt>", views.template, name="template"),
    path("ekspor/", views.export, name="export"),
    path("<int:pk>/pemetaan/", views.mapping, name="mapping"),
    path("<int:pk>/pratinjau/", views.preview, name="preview"),
    path("<int:pk>/periksa-ulang/", views.restart_check, name="recheck"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/kesalahan.xlsx", views.errors_file, name="errors"),
    path("<int:pk>/ditahan/<int:row>/", views.held_row, name="held_row"),
]
