from django.utils import timezone


def update_last_login(sender, user, **kwargs):
    """The time of the last login, written without saving the user: not a change anyone made."""
    user.last_login = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=user.last_login)
