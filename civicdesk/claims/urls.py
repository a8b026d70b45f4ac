"""Routes of the claims desk (under /claims/) and of the public rumour-control pages (under
/rumours/)."""

from django.urls import path

from civicdesk.claims import public, views

urlpatterns = [
    path("", views.claims_home, name="claims-home"),
    path("<int:org_pk>/", views.claims_list, name="claims"),
    path("<int:org_pk>/new/", views.claim_new, name="claim-new"),
    path("<int:org_pk>/export.zip", views.claims_export, name="claims-export"),
    path("c/<int:pk>/", views.claim_detail, name="claim"),
    path("c/<int:pk>/unpublish/", views.claim_unpublish, name="claim-unpublish"),
    path("versions/<int:pk>/approve/", views.claim_version_approve, name="claim-version-approve"),
    path("matches/<int:pk>/", views.match_decide, name="claim-match-decide"),
    path("proposals/<int:pk>/", views.proposal_view, name="claim-proposal"),
]

public_urlpatterns = [
    path("<slug:slug>/", public.rumour_control, name="rumours"),
    path("<slug:slug>/feed.atom", public.rumour_feed, name="rumours-feed"),
]
