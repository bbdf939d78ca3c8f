from django import forms

from flatfiles.safe_reader import FILE_TOO_LARGE, MAX_FILE_BYTES
from reporting.models import ReportingPeriod

DOCUMENTS = [("shiryo3", "資料3 人材育成ビジョンに基づく取組"), ("shiryo2", "資料2 今後の取組方針")]


class UploadForm(forms.Form):
    document = forms.ChoiceField(label="資料", choices=DOCUMENTS, widget=forms.RadioSelect)
    period = forms.ChoiceField(label="取り込む報告期間")
    file = forms.FileField(
        label="ファイル",
        help_text=(
            "このポータルで出力した資料の xlsx ファイル（10 MB まで）。"
            "取り込む前に内容を確認できます。"
        ),
        error_messages={"required": "ファイルを選んでください。", "empty": "ファイルが空です。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        periods = ReportingPeriod.objects.filter(is_closed=False).order_by("-results_until")
        self.fields["period"].choices = [(p.code, p.name) for p in periods]
        current = next((p for p in periods if p.is_current), None)
        if current:
            self.fields["period"].initial = current.code

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(FILE_TOO_LARGE)
        return upload
