from django.urls import path

from . import views

app_name = "farming"
urlpatterns = [
    path("", views.home, name="home"),
    path("petani/<int:person_pk>/", views.farmer_detail, name="farmer_detail"),
    path("petani/<int:person_pk>/lahan/baru/", views.plot_edit, name="plot_add"),
    path("petani/<int:person_pk>/lahan/<int:pk>/", views.plot_edit, name="plot_edit"),
    path("petani/<int:person_pk>/penjualan/baru/", views.sale_add, name="sale_add"),
    path("lahan/<int:plot_pk>/panen/baru/", views.harvest_add, name="harvest_add"),
    path("penjualan/", views.sale_list, name="sale_list"),
    path("kelompok/", views.group_list, name="group_list"),
    path("kelompok/<int:group_pk>/", views.group_profile, name="group_profile"),
]
