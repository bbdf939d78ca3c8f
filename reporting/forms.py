from django import forms

from core.widgets import EraDateInput
from reporting.models import MAX_TEXT_LENGTH, ReportingPeriod
from reporting.periods import proposed_code, proposed_name


def too_long_message(label):
    return f"{label}は{MAX_TEXT_LENGTH}文字以内で入力してください（現在%(show_value)d文字）。"


def text_field(label, *, help_text=""):
    # strip=False: the documents indent paragraphs with 「　」, which str.strip() would remove;
    # the writer normalises only the line breaks.
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
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


class EditForms:
    """The forms of a document's edit page, and of its conflict page: `form` carries the
    version the section saw (and the refusals shown on top), the document's values are in it or
    beside it. A document says how to build them (`__init__(entry, data=None)`), which values go
    to the writer (`values`), what the conflict page shows as the section's input (`typed`) and
    how that input comes back on the conflict page with the current version (`retry`)."""

    form: forms.Form

    @property
    def context(self):
        return {"form": self.form}

    def is_valid(self):
        return self.form.is_valid()

    @property
    def version(self):
        return self.form.cleaned_data["version"]

    def values(self):
        raise NotImplementedError

    def typed(self):
        raise NotImplementedError

    def retry(self, current, version):
        raise NotImplementedError


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
        # Its own ids: the filter form on the same page has fields of the same names.
        kwargs.setdefault("auto_id", "id_bulk_%s")
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


ERROR_DEADLINE_BEFORE_RESULTS = "提出期限は、取組結果の対象（〜まで）より後の日付にしてください。"
ERROR_NOT_AFTER_LAST = (
    "新しい期間の取組結果の対象は、これまでの最後の期間（{name}：{date}まで）より後の日付に"
    "してください。"
)
ERROR_CONFIRM_UNFINISHED = (
    "現在の期間にまだ提出されていない行があります。確かめたうえで、確認の欄にチェックを"
    "入れてください。"
)


class PeriodForm(forms.ModelForm):
    """A new period. Code and name may be left blank: they are made from the results date
    (R6H1, 令和６年度上半期)."""

    confirm_unfinished = forms.BooleanField(
        label="未完了の行があることを確かめたうえで、新しい期間を開始します",
        required=False,
    )

    class Meta:
        model = ReportingPeriod
        fields = ["code", "name", "results_until", "plans_from", "deadline"]
        widgets = {
            "results_until": EraDateInput(),
            "plans_from": EraDateInput(),
            "deadline": EraDateInput(),
        }
        labels = {
            "results_until": "「〜までの取組」の最終日",
            "plans_from": "「〜以降の取組」の初日",
        }
        help_texts = {
            "results_until": "例: 令和５年９月30日（見出しは「９月までの取組」になります）",
            "plans_from": "例: 令和５年10月１日（見出しは「10月以降の取組」になります）",
            "deadline": "各課・部の提出期限",
            "code": "空欄なら取組結果の対象の日付から作ります（例: R6H1）。",
            "name": "空欄なら取組結果の対象の日付から作ります（例: 令和６年度上半期）。",
        }
        error_messages = {
            "code": {"unique": "このコードの報告期間は既にあります。"},
            "name": {"unique": "この名称の報告期間は既にあります。"},
        }

    def __init__(self, *args, last=None, unfinished=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.last = last
        self.unfinished = unfinished
        self.fields["code"].required = False
        self.fields["name"].required = False
        if not unfinished:
            del self.fields["confirm_unfinished"]

    def clean(self):
        data = super().clean()
        results_until, plans_from = data.get("results_until"), data.get("plans_from")
        deadline = data.get("deadline")
        if results_until and plans_from and plans_from <= results_until:
            self.add_error(
                "plans_from",
                "「〜以降の取組」の初日は、「〜までの取組」の最終日より後にしてください。",
            )
        if results_until and deadline and deadline <= results_until:
            self.add_error("deadline", ERROR_DEADLINE_BEFORE_RESULTS)
        if results_until and self.last and results_until <= self.last.results_until:
            self.add_error(
                "results_until",
                ERROR_NOT_AFTER_LAST.format(
                    name=self.last.name, date=self.last.results_until.isoformat()
                ),
            )
        if results_until:
            data["code"] = data.get("code") or proposed_code(results_until)
            data["name"] = (data.get("name") or "").strip() or proposed_name(results_until)
        if self.unfinished and not data.get("confirm_unfinished"):
            self.add_error("confirm_unfinished", ERROR_CONFIRM_UNFINISHED)
        data.pop("confirm_unfinished", None)
        return data

    def validate_constraints(self, exclude=None):
        # The one-current-period constraint is the service's job: opening a period makes it current.
        pass


class MeetingForm(forms.ModelForm):
    """The line under 資料2's title: the meeting that receives the period's documents."""

    class Meta:
        model = ReportingPeriod
        fields = ["meeting"]
