from django.urls import path

from . import views

app_name = "transparency"

urlpatterns = [
    path("", views.index, name="index"),
    path("<str:code>/", views.area, name="area"),
]
