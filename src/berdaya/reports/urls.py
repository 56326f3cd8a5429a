from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("buat/", views.request_view, name="request"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/unduh/<str:fmt>/", views.download, name="download"),
]
