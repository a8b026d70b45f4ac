"""Routes of the exercise network: public pages and the JSON API under api/."""

from django.urls import path

from civicdesk.exnet import api, views

app_name = "exnet"

urlpatterns = [
    path("", views.timeline, name="timeline"),
    path("@<str:handle>/", views.account_page, name="account"),
    path("@<str:handle>/posts/<int:post_id>/", views.post_page, name="post"),
    path("api/me", api.me, name="api-me"),
    path("api/me/metrics", api.me_metrics, name="api-me-metrics"),
    path("api/posts", api.posts, name="api-posts"),
    path("api/posts/<int:post_id>", api.post_detail, name="api-post"),
    path("api/posts/<int:post_id>/metrics", api.post_metrics, name="api-post-metrics"),
    path("api/posts/<int:post_id>/like", api.post_like, name="api-post-like"),
    path("api/posts/<int:post_id>/repost", api.post_repost, name="api-post-repost"),
    path("api/accounts/<str:handle>/follow", api.follow, name="api-follow"),
    path("api/dms", api.direct_messages, name="api-dms"),
    path("api/inbox", api.inbox, name="api-inbox"),
]
