from django.urls import path

from civicdesk.records import views

urlpatterns = [
    path("", views.records_home, name="records"),
    path("<int:org_pk>/", views.records_archive, name="records-archive"),
    path("<int:org_pk>/export/", views.records_export, name="records-export"),
    path(
        "<int:org_pk>/chains/<str:chain>/check/",
        views.records_chain_check,
        name="records-chain-check",
    ),
    path("<int:org_pk>/retention/", views.records_retention, name="records-retention"),
    path("<int:org_pk>/holds/", views.records_holds, name="records-holds"),
    path(
        "<int:org_pk>/holds/<int:pk>/release/",
        views.records_hold_release,
        name="records-hold-release",
    ),
]
