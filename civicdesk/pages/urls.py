"""Routes of the desk's pages."""

from allauth.account import views as account_views
from django.urls import path

from civicdesk.pages.views import (
    audit,
    calendar,
    channels,
    compose,
    connect,
    dashboard,
    exercises,
    inbox,
    inbox_authors,
    incidents,
    media,
    planio,
    posts,
    public_media,
    settings_inbox_routing,
    settings_inbox_saved,
    settings_inbox_targets,
    settings_org,
    settings_people,
    settings_planning,
    settings_setup,
    site,
)

urlpatterns = [
    # Sign-in is allauth's (lockout, second step, passkeys); the rest of it is under accounts/.
    path("login/", account_views.login, name="login"),
    path("logout/", account_views.logout, name="logout"),
    path("", dashboard.dashboard, name="dashboard"),
    path("publishing/<int:org_pk>/switch/", dashboard.publishing_switch, name="publishing-switch"),
    path("posts/", posts.posts_list, name="posts"),
    path("posts/export/", planio.plan_export, name="plan-export"),
    path("posts/import/", planio.plan_import, name="plan-import"),
    path("posts/import/example.csv", planio.plan_import_example, name="plan-import-example"),
    path("accounts/calendar/", planio.account_calendar, name="account-calendar"),
    path("calendar/<str:token>.ics", planio.calendar_feed_view, name="calendar-feed"),
    path("calendar/", calendar.calendar_view, name="calendar"),
    path("calendar/posts/<int:pk>/move/", calendar.calendar_move, name="calendar-move"),
    path("campaigns/<int:pk>/", calendar.campaign_view, name="campaign"),
    path("plan/pillars/", calendar.pillar_balance_view, name="pillar-balance"),
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
    path(
        "posts/<int:pk>/media/<int:media_pk>/remove/", media.media_delete, name="post-media-remove"
    ),
    path("posts/<int:pk>/media/<int:media_pk>/file/", media.media_file, name="post-media-file"),
    path("media/public/<str:name>", public_media.public_media, name="public-media"),
    path(
        "posts/<int:pk>/publications/<int:publication_pk>/retry/",
        posts.publication_retry,
        name="publication-retry",
    ),
    path(
        "posts/<int:pk>/publications/<int:publication_pk>/remove/",
        posts.publication_remove,
        name="publication-remove",
    ),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/bulk/", inbox.inbox_bulk, name="inbox-bulk"),
    path("inbox/c/<int:pk>/", inbox.conversation, name="conversation"),
    path("inbox/c/<int:pk>/reply/", inbox.conversation_reply, name="conversation-reply"),
    path("inbox/c/<int:pk>/reply/measure/", inbox.reply_measure, name="reply-measure"),
    path("inbox/r/<int:pk>/retry/", inbox.reply_retry, name="reply-retry"),
    path("inbox/c/<int:pk>/status/", inbox.conversation_status, name="conversation-status"),
    path("inbox/c/<int:pk>/assign/", inbox.conversation_assign, name="conversation-assign"),
    path("inbox/c/<int:pk>/take/", inbox.conversation_take, name="conversation-take"),
    path("inbox/c/<int:pk>/release/", inbox.conversation_release, name="conversation-release"),
    path("inbox/c/<int:pk>/presence/", inbox.conversation_presence, name="conversation-presence"),
    path("inbox/c/<int:pk>/note/", inbox.conversation_note, name="conversation-note"),
    path("inbox/c/<int:pk>/expert/", inbox.conversation_ask_expert, name="conversation-expert"),
    path(
        "inbox/c/<int:pk>/hand-back/", inbox.conversation_hand_back, name="conversation-hand-back"
    ),
    path("inbox/m/<int:pk>/correct/", inbox.message_correct, name="message-correct"),
    path("inbox/authors/<int:pk>/", inbox_authors.author, name="author"),
    path("inbox/saved-replies/", settings_inbox_saved.saved_replies_home, name="saved-replies"),
    path("inbox/authors/<int:pk>/tags/", inbox_authors.author_tag_add, name="author-tag-add"),
    path(
        "inbox/authors/<int:pk>/tags/<int:tag_pk>/delete/",
        inbox_authors.author_tag_remove,
        name="author-tag-remove",
    ),
    path("channels/", channels.channels, name="channels"),
    path("channels/connect/", connect.connect_start_page, name="channel-connect"),
    path("channels/connect/begin/", connect.connect_begin, name="channel-connect-begin"),
    path("channels/connect/choose/", connect.connect_choose, name="channel-connect-choose"),
    path(
        "channels/connect/<str:platform>/callback/",
        connect.connect_callback,
        name="channel-connect-callback",
    ),
    path(
        "channels/<int:pk>/disconnect/", connect.channel_disconnect_view, name="channel-disconnect"
    ),
    path("exercises/", exercises.exercises, name="exercises"),
    path("exercises/<int:pk>/", exercises.exercise_detail, name="exercise"),
    path("exercises/<int:pk>/stop/", exercises.exercise_stop_view, name="exercise-stop"),
    path(
        "exercises/<int:pk>/report.pdf", exercises.exercise_report_pdf, name="exercise-report-pdf"
    ),
    path("incidents/", incidents.incidents, name="incidents"),
    path("incidents/templates/", incidents.incident_templates, name="incident-templates"),
    path(
        "incidents/templates/<int:pk>/approve/",
        incidents.incident_template_approve,
        name="incident-template-approve",
    ),
    path("incidents/<int:pk>/", incidents.incident_room, name="incident-room"),
    path("incidents/<int:pk>/update/", incidents.incident_update, name="incident-update"),
    path(
        "incidents/<int:pk>/updates/<int:update_pk>/approve/",
        incidents.incident_update_approve,
        name="incident-update-approve",
    ),
    path("incidents/<int:pk>/report/", incidents.incident_report_page, name="incident-report"),
    path(
        "incidents/<int:pk>/report.pdf", incidents.incident_report_pdf, name="incident-report-pdf"
    ),
    path("incidents/<int:pk>/close/", incidents.incident_close, name="incident-close"),
    path("audit/", audit.audit_log, name="audit"),
    path("setup/", settings_setup.setup_organization, name="setup"),
    path("invite/<str:token>/", settings_setup.invitation_accept_view, name="invitation-accept"),
    path("settings/", settings_org.settings_home, name="settings"),
    path(
        "settings/<int:org_pk>/organization/",
        settings_org.settings_organization,
        name="settings-organization",
    ),
    path("settings/<int:org_pk>/logo/", settings_org.organization_logo, name="organization-logo"),
    path("settings/<int:org_pk>/brands/", settings_org.settings_brands, name="settings-brands"),
    path(
        "settings/<int:org_pk>/brands/<int:pk>/", settings_org.settings_brand, name="settings-brand"
    ),
    path(
        "settings/<int:org_pk>/brands/<int:pk>/tiers/",
        settings_org.brand_tiers,
        name="settings-brand-tiers",
    ),
    path(
        "settings/<int:org_pk>/brands/<int:pk>/archive/",
        settings_org.brand_archive_view,
        name="settings-brand-archive",
    ),
    path("settings/<int:org_pk>/people/", settings_people.settings_people, name="settings-people"),
    path(
        "settings/<int:org_pk>/people/<int:user_pk>/role/",
        settings_people.person_role,
        name="settings-person-role",
    ),
    path(
        "settings/<int:org_pk>/people/<int:user_pk>/deactivate/",
        settings_people.person_deactivate_view,
        name="settings-person-deactivate",
    ),
    path(
        "settings/<int:org_pk>/invitations/<int:pk>/revoke/",
        settings_people.invitation_revoke_view,
        name="settings-invitation-revoke",
    ),
    path(
        "settings/<int:org_pk>/pillars/",
        settings_planning.settings_pillars,
        name="settings-pillars",
    ),
    path(
        "settings/<int:org_pk>/pillars/<int:pk>/",
        settings_planning.pillar_edit,
        name="settings-pillar",
    ),
    path(
        "settings/<int:org_pk>/campaigns/",
        settings_planning.settings_campaigns,
        name="settings-campaigns",
    ),
    path(
        "settings/<int:org_pk>/campaigns/<int:pk>/",
        settings_planning.settings_campaigns,
        name="settings-campaign",
    ),
    path("settings/<int:org_pk>/areas/", settings_planning.settings_areas, name="settings-areas"),
    path(
        "settings/<int:org_pk>/areas/<int:pk>/",
        settings_planning.settings_areas,
        name="settings-area",
    ),
    path(
        "settings/<int:org_pk>/routing/",
        settings_inbox_routing.settings_routing,
        name="settings-routing",
    ),
    path(
        "settings/<int:org_pk>/routing/<int:pk>/",
        settings_inbox_routing.settings_routing,
        name="settings-routing-rule",
    ),
    path(
        "settings/<int:org_pk>/routing/<int:pk>/delete/",
        settings_inbox_routing.routing_rule_delete,
        name="settings-routing-delete",
    ),
    path(
        "settings/<int:org_pk>/routing/<int:pk>/move/",
        settings_inbox_routing.routing_rule_move,
        name="settings-routing-move",
    ),
    path(
        "settings/<int:org_pk>/response-times/",
        settings_inbox_targets.settings_targets,
        name="settings-targets",
    ),
    path(
        "settings/<int:org_pk>/response-times/<int:pk>/",
        settings_inbox_targets.settings_targets,
        name="settings-target",
    ),
    path(
        "settings/<int:org_pk>/response-times/<int:pk>/delete/",
        settings_inbox_targets.target_delete,
        name="settings-target-delete",
    ),
    path(
        "settings/<int:org_pk>/business-hours/",
        settings_inbox_targets.business_hours,
        name="settings-hours",
    ),
    path(
        "settings/<int:org_pk>/holidays/",
        settings_inbox_targets.holiday_add,
        name="settings-holidays",
    ),
    path(
        "settings/<int:org_pk>/holidays/<int:pk>/delete/",
        settings_inbox_targets.holiday_delete,
        name="settings-holiday-delete",
    ),
    path(
        "settings/<int:org_pk>/saved-replies/",
        settings_inbox_saved.settings_saved_replies,
        name="settings-saved-replies",
    ),
    path(
        "settings/<int:org_pk>/saved-replies/<int:pk>/",
        settings_inbox_saved.settings_saved_replies,
        name="settings-saved-reply",
    ),
    path(
        "settings/<int:org_pk>/saved-replies/<int:pk>/approve/",
        settings_inbox_saved.saved_reply_approve,
        name="settings-saved-reply-approve",
    ),
    path(
        "settings/<int:org_pk>/saved-replies/<int:pk>/delete/",
        settings_inbox_saved.saved_reply_delete,
        name="settings-saved-reply-delete",
    ),
    path("favicon.ico", site.favicon, name="favicon"),
]
