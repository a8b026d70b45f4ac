"""Routes of the desk's pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from civicdesk.pages.views import (
    audit,
    channels,
    compose,
    connect,
    dashboard,
    inbox,
    media,
    posts,
    public_media,
)

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(
        template_name="pages/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("publishing/<int:org_pk>/switch/", dashboard.publishing_switch,
         name="publishing-switch"),
    path("posts/", posts.posts_list, name="posts"),
    path("posts/new/", compose.post_new, name="post-new"),
    path("posts/preview/", compose.post_preview, name="post-preview"),
    path("posts/<int:pk>/", posts.post_view, name="post-detail"),
    path("posts/<int:pk>/edit/", compose.post_edit, name="post-edit"),
    path("posts/<int:pk>/submit/", posts.post_submit, name="post-submit"),
    path("posts/<int:pk>/approve/", posts.post_approve, name="post-approve"),
    path("posts/<int:pk>/send-back/", posts.post_send_back, name="post-send-back"),
    path("posts/<int:pk>/cancel/", posts.post_cancel, name="post-cancel"),
    path("posts/<int:pk>/media/", media.media_add, name="post-media-add"),
    path("posts/<int:pk>/media/<int:media_pk>/", media.media_update, name="post-media-update"),
    path("posts/<int:pk>/media/<int:media_pk>/remove/", media.media_delete,
         name="post-media-remove"),
    path("posts/<int:pk>/media/<int:media_pk>/file/", media.media_file, name="post-media-file"),
    path("media/public/<str:name>", public_media.public_media, name="public-media"),
    path("posts/<int:pk>/publications/<int:publication_pk>/retry/", posts.publication_retry,
         name="publication-retry"),
    path("posts/<int:pk>/publications/<int:publication_pk>/remove/", posts.publication_remove,
         name="publication-remove"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/c/<int:pk>/", inbox.conversation, name="conversation"),
    path("inbox/c/<int:pk>/reply/", inbox.conversation_reply, name="conversation-reply"),
    path("inbox/c/<int:pk>/status/", inbox.conversation_status, name="conversation-status"),
    path("inbox/m/<int:pk>/correct/", inbox.message_correct, name="message-correct"),
    path("inbox/authors/<int:pk>/", inbox.author, name="author"),
    path("channels/", channels.channels, name="channels"),
    path("channels/connect/", connect.connect_start_page, name="channel-connect"),
    path("channels/connect/begin/", connect.connect_begin, name="channel-connect-begin"),
    path("channels/connect/choose/", connect.connect_choose, name="channel-connect-choose"),
    path("channels/connect/<str:platform>/callback/", connect.connect_callback,
         name="channel-connect-callback"),
    path("channels/<int:pk>/disconnect/", connect.channel_disconnect_view,
         name="channel-disconnect"),
    path("audit/", audit.audit_log, name="audit"),
]
