from django import forms

from cycle.models import MAX_COMMENT_LENGTH


class CommentForm(forms.Form):
    body = forms.CharField(
        label="コメント",
        max_length=MAX_COMMENT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            f"{MAX_COMMENT_LENGTH}文字以内。書いたコメントは変更・削除できません"
            "（公開ページには出ません）。"
        ),
        error_messages={"required": "コメントを入力してください。"},
    )


class WithdrawForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
