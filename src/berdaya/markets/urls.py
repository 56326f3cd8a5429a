from django.urls import path

from . import views

app_name = "markets"
urlpatterns = [
    path("", views.index, name="index"),
    path("publik/", views.public, name="public"),
    path("catat/", views.observation_add, name="observation_add"),
    path("unggah/", views.observation_upload, name="observation_upload"),
    path("konfirmasi/", views.review, name="review"),
    path("buletin/", views.bulletin_list, name="bulletin_list"),
    path("buletin/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("buletin/<int:pk>/cetak/", views.bulletin_print, name="bulletin_print"),
    path("pembeli/", views.buyer_list, name="buyer_list"),
    path("saluran/", views.ranking, name="ranking"),
    path("penerima/", views.subscriber_list, name="subscriber_list"),
    path("penerima/<int:pk>/tarik/", views.subscriber_withdraw, name="subscriber_withdraw"),
    path("kotak-keluar/", views.outbox, name="outbox"),
    # The SMS/WhatsApp gateway's callbacks (shared secret, no login): delivery reports and inbound messages.
    path("gateway/<str:provider>/laporan/", views.gateway_receipts, name="gateway_receipts"),
    path("gateway/<str:provider>/masuk/<str:channel>/", views.gateway_inbound, name="gateway_inbound"),
]
