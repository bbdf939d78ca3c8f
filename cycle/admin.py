from django.contrib import admin

from cycle.models import Comment, SentReminder


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    """Read-only: a conversation is a record, nothing in it is changed afterwards."""

    list_display = ["created_at", "author", "kind", "content_type", "object_id", "body"]
    list_filter = ["kind", "content_type"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ["sent_at", "kind", "period", "organization", "days_left", "rows"]
    list_filter = ["kind", "period"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
