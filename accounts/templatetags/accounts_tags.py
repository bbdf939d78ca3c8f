from django import template

from accounts import access

register = template.Library()


@register.filter
def may_manage_users(user):
    """Asks the rules alone: Django's model permissions would cost two queries a page."""
    return access.may_manage_users(user)
