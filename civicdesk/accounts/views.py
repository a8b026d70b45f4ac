"""A person's own account screens beside allauth's: the interface language."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civicdesk.accounts.forms import LanguageForm
from civicdesk.accounts.language import chosen_language, profile_language_set, remember
from civicdesk.core.http import signed_in


@require_http_methods(["GET", "POST"])
def account_language(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    form = LanguageForm(request.POST or None, initial={"language": chosen_language(user=user)})
    if request.method == "POST" and form.is_valid():
        language = form.cleaned_data["language"]
        profile_language_set(user=user, language=language)
        remember(request, user=user, chosen=language)
        if language:
            # The confirmation already speaks the new language.
            translation.activate(language)
        messages.success(request, _("Your interface language is saved."))
        return redirect("account-language")
    return render(request, "accounts/language.html", {"form": form})
