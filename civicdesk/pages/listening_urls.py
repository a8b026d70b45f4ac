"""Routes of listening's screens (included under listening/)."""

from django.urls import path

from civicdesk.pages.views import listening

urlpatterns = [
    path("", listening.listening_home, name="listening-home"),
    path("<int:org_pk>/", listening.listening, name="listening"),
    path("issues/<int:pk>/", listening.card, name="listening-card"),
]
