"""Routes of the policy pages and of moderation (mounted under /policy/)."""

from django.urls import path

from civicdesk.policies import views

urlpatterns = [
    path("", views.policy_home, name="policy-home"),
    path("<int:org_pk>/", views.policy_page, name="policy"),
    path("<int:org_pk>/save/", views.policy_save, name="policy-save"),
    path("<int:org_pk>/form/", views.policy_form, name="policy-form"),
    path("<int:org_pk>/validate/", views.policy_validate, name="policy-validate"),
    path("<int:org_pk>/export/", views.policy_export, name="policy-export"),
    path("<int:org_pk>/import/", views.policy_import, name="policy-import"),
    path("<int:org_pk>/versions/<int:number>/", views.policy_version, name="policy-version"),
    path(
        "<int:org_pk>/versions/<int:number>/restore/", views.policy_restore, name="policy-restore"
    ),
    path("moderate/<int:pk>/", views.message_moderate, name="message-moderate"),
]
