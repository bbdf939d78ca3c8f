from django import forms

from portal.marks import REPOST_MARK
from reporting.forms import relabel, text_field

ERROR_RESULTS_REQUIRED = "{label}を入力してください（該当がない場合は「なし」と入力してください）。"


class ProgressForm(forms.Form):
    """A section's two texts for one 資料3 row; headings follow the period (９月までの取組…)."""

    # Relabelled from the period (９月までの取組…) in __init__.
    results = text_field("までの取組")
    plans = text_field("以降の取組")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, entry, submit=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submit = submit
        relabel(self.fields["results"], entry.period.results_label)
        relabel(self.fields["plans"], entry.period.plans_label)
        if entry.initiative.repost_of_id:
            # The original holds the results; this row shows them with 【再掲】.
            del self.fields["results"]
        self.repost_note = REPOST_MARK if entry.initiative.repost_of_id else ""

    def clean(self):
        data = super().clean()
        if self.submit:
            for name in ("results", "plans"):
                if (
                    name in self.fields
                    and not data.get(name, "").strip()
                    and name not in self.errors
                ):
                    label = self.fields[name].label
                    self.add_error(name, ERROR_RESULTS_REQUIRED.format(label=label))
        return data
