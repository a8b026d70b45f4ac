"""Routes of the exercise network: public pages and the JSON API under api/.

Every route answers 404 while the setting EXNET_ENABLED is off (see ``switch``).
"""

from django.urls import path

from civicdesk.exnet import api, views
from civicdesk.exnet.switch import View, only_when_enabled

app_name = "exnet"


def _page(view: View) -> View:
    return only_when_enabled(view)


def _api(view: View) -> View:
    return only_when_enabled(view, api=True)


urlpatterns = [
    path("", _page(views.timeline), name="timeline"),
    path("@<str:handle>/", _page(views.account_page), name="account"),
    path("@<str:handle>/posts/<int:post_id>/", _page(views.post_page), name="post"),
    path("api/accounts", _api(api.accounts), name="api-accounts"),
    path("api/me", _api(api.me), name="api-me"),
    path("api/me/metrics", _api(api.me_metrics), name="api-me-metrics"),
    path("api/posts", _api(api.posts), name="api-posts"),
    path("api/posts/<int:post_id>", _api(api.post_detail), name="api-post"),
    path("api/posts/<int:post_id>/metrics", _api(api.post_metrics), name="api-post-metrics"),
    path("api/posts/<int:post_id>/like", _api(api.post_like), name="api-post-like"),
    path("api/posts/<int:post_id>/hide", _api(api.post_hide), name="api-post-hide"),
    path("api/blocks", _api(api.blocks), name="api-blocks"),
    path("api/posts/<int:post_id>/repost", _api(api.post_repost), name="api-post-repost"),
    path("api/accounts/<str:handle>/follow", _api(api.follow), name="api-follow"),
    path("api/dms", _api(api.direct_messages), name="api-dms"),
    path("api/inbox", _api(api.inbox), name="api-inbox"),
    path("api/search", _api(api.search), name="api-search"),
]
