from django import forms

from reporting.models import MAX_TEXT_LENGTH, ReportingPeriod


def too_long_message(label):
    return f"{label}は{MAX_TEXT_LENGTH}文字以内で入力してください（現在%(show_value)d文字）。"


def text_field(label, *, help_text=""):
    return forms.CharField(
        label=label,
        required=False,
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=help_text or f"{MAX_TEXT_LENGTH}文字以内。箇条書きは「・」で始めてください。",
        error_messages={"max_length": too_long_message(label)},
    )


def relabel(field, label):
    field.label = label
    field.error_messages["max_length"] = too_long_message(label)


class ReviewForm(forms.Form):
    DECISIONS = [("approve", "承認する"), ("return", "差戻す")]

    decision = forms.ChoiceField(label="判断", choices=DECISIONS, widget=forms.RadioSelect)
    comment = forms.CharField(
        label="差戻しコメント",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="差戻す場合は、直してほしい点を書いてください。担当課のトップページに表示されます。",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


BULK_FORM_ID = "bulk-form"


class BulkForm(forms.Form):
    ACTIONS = [("approve", "選んだ行を承認する"), ("return", "選んだ行を差戻す")]

    action = forms.ChoiceField(label="一括操作", choices=ACTIONS)
    selected = forms.TypedMultipleChoiceField(
        label="対象の行",
        coerce=int,
        choices=(),
        error_messages={"required": "対象の行を選んでください。"},
    )
    comment = forms.CharField(
        label="差戻しコメント（差戻す場合）",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["selected"].choices = choices
        # The <form> (with its CSRF token) stands apart from the cached list it acts on.
        for field in self.fields.values():
            field.widget.attrs["form"] = BULK_FORM_ID

    def clean(self):
        data = super().clean()
        if data.get("action") == "return" and not data.get("comment", "").strip():
            self.add_error("comment", "差戻しの理由（コメント）を入力してください。")
        return data


class PeriodForm(forms.ModelForm):
    class Meta:
        model = ReportingPeriod
        fields = ["code", "name", "results_until", "plans_from", "deadline"]
        widgets = {
            "results_until": forms.DateInput(attrs={"type": "date"}),
            "plans_from": forms.DateInput(attrs={"type": "date"}),
            "deadline": forms.DateInput(attrs={"type": "date"}),
        }
        error_messages = {
            "code": {"unique": "このコードの報告期間は既にあります。"},
            "name": {"unique": "この名称の報告期間は既にあります。"},
        }

    def clean(self):
        data = super().clean()
        results_until, plans_from = data.get("results_until"), data.get("plans_from")
        if results_until and plans_from and plans_from <= results_until:
            self.add_error(
                "plans_from", "取組内容の対象は、取組結果の対象より後の日付にしてください。"
            )
        return data

    def validate_constraints(self, exclude=None):
        # The one-current-period constraint is the service's job: opening a period makes it current.
        pass
