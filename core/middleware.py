"""Sliding idle timeout: a session that is used stays alive, one left alone for
SESSION_COOKIE_AGE seconds ends. Saving the session on every request would cost a write per
page, so the expiry is pushed forward at most once a minute."""

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

REFRESH_EVERY_SECONDS = 60
KEY = "_idle_refreshed_at"


@receiver(user_logged_in)
def stamp_new_session(sender, request, **kwargs):
    # Logging in writes the session anyway: stamp it there, not on the first page after.
    request.session[KEY] = int(time.time())


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(KEY, 0) >= REFRESH_EVERY_SECONDS:
                session[KEY] = now  # marks the session modified: saved with a new expiry
        return self.get_response(request)
