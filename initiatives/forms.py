from django import forms

from core.marks import REPOST_MARK
from initiatives.services import FIELDS, written_fields
from reporting.forms import EditForms, relabel, text_field


class ProgressForm(forms.Form):
    """A section's two texts for one 資料3 row; headings follow the period (９月までの取組…).
    What a submission needs is the document's readiness rule (initiatives/services.py)."""

    # Relabelled from the period (９月までの取組…) in __init__.
    results = text_field("までの取組")
    plans = text_field("以降の取組")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        relabel(self.fields["results"], entry.period.results_label)
        relabel(self.fields["plans"], entry.period.plans_label)
        for name in set(FIELDS) - set(written_fields(entry.initiative)):
            # The original holds the results; this row shows them with 【再掲】.
            del self.fields[name]
        self.repost_note = REPOST_MARK if entry.initiative.repost_of_id else ""


class ProgressEdit(EditForms):
    """The edit page's one form: the texts the row writes and the version."""

    def __init__(self, entry, data=None, *, initial=None):
        if data is None and initial is None:
            initial = {"results": entry.results, "plans": entry.plans, "version": entry.version}
        self.form = ProgressForm(data, initial=initial, entry=entry)

    def values(self):
        data = self.form.cleaned_data
        return {name: data[name] for name in FIELDS if name in data}

    def typed(self):
        return self.form.cleaned_data

    def retry(self, current, version):
        return ProgressEdit(current, initial={**self.form.cleaned_data, "version": version})
