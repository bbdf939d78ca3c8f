import csv

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render

from flatfiles.spreadsheet import escape_formula
from public.selectors import OPEN_DATA_FIELDS, open_data_rows, public_chapter
from recommendations.models import CLASSIFICATION_INTRO, Classification


def _enabled():
    if not settings.PUBLIC_SUMMARY_ENABLED:
        raise Http404("公開ページは現在公開していません。")


@login_not_required
def summary(request):
    _enabled()
    chapters, chapter, recommendations, page = public_chapter(
        request.GET.get("chapter"), request.GET.get("page")
    )
    context = {
        "chapters": chapters,
        "chapter": chapter,
        "recommendations": recommendations,
        "page": page,
        "legend_intro": CLASSIFICATION_INTRO,
        "legend": Classification.labels,
    }
    return render(request, "public/summary.html", context)


@login_not_required
def open_data_csv(request):
    _enabled()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="torikumi-jokyo.csv"'
    response.write("\ufeff")  # BOM: Japanese Excel opens UTF-8 correctly
    writer = csv.writer(response)
    writer.writerow([label for _, label in OPEN_DATA_FIELDS])
    for row in open_data_rows():
        # Like every file the portal writes: no cell a spreadsheet would run as a formula.
        writer.writerow([escape_formula(row[key]) for key, _ in OPEN_DATA_FIELDS])
    return response


@login_not_required
def open_data_json(request):
    _enabled()
    data = {
        "fields": dict(OPEN_DATA_FIELDS),
        "rows": list(open_data_rows()),
    }
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
