"""Writes of the reporting cycle: a comment in a row's conversation, withdrawing a submission.
Each runs in one transaction; errors are `WorkflowError`s with the messages below."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from cycle.models import MAX_COMMENT_LENGTH, Comment
from reporting import services
from reporting.services import WorkflowError

ERROR_EMPTY_COMMENT = "コメントを入力してください。"
ERROR_LONG_COMMENT = f"コメントは{MAX_COMMENT_LENGTH}文字以内で入力してください。"
ERROR_NOT_WITHDRAWABLE = services.ERROR_NOT_WITHDRAWABLE


@transaction.atomic
def add_comment(*, entry, user, body):
    body = (body or "").strip()
    if not body:
        raise WorkflowError(ERROR_EMPTY_COMMENT)
    if len(body) > MAX_COMMENT_LENGTH:
        raise WorkflowError(ERROR_LONG_COMMENT)
    return Comment.objects.create(
        content_type=ContentType.objects.get_for_model(entry),
        object_id=entry.pk,
        author=user,
        body=body,
    )


def withdraw(*, entry, user, version):
    """Take a submitted entry back to 下書き so the section can change it again (through the
    one writer, reporting.services.write)."""
    return services.write(entry=entry, user=user, version=version, action=services.WITHDRAW)
