"""The seed holds every row of both documents with their exact text."""

import re

import pytest
from django.conf import settings
from django.db.models import Count, Q

from core.marks import REPOST_MARK
from core.wareki import number_label
from departments.models import JobCategory, Organization
from initiatives.models import Category, Initiative, ProgressEntry
from operations.seed import load_all
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    Classification,
    ImplementationStatus,
    Policy,
    Recommendation,
    VerificationReport,
)
from reporting.models import EntryState, ReportingPeriod

pytestmark = pytest.mark.django_db

SOURCE_DIR = settings.BASE_DIR / "fixtures" / "source"
WHITESPACE = re.compile(r"[\s　]+")
# Page furniture: headers, legends and marks that are layout, not content.
FURNITURE = re.compile(
    r"^(?:[①-⑳]+|[ア-ン]|[ア-ン][①-⑳]|[①-⑳][ア-ン]|\([ｱ-ﾝ]\)|\(\d\)|[ＡＢＣＤ]|資料[２３])$"
)


def normalise(text):
    return WHITESPACE.sub("", text)


def source_tokens(name):
    """Every run of text of the PDF extract, split where the extract glued cells together."""
    for line in (SOURCE_DIR / name).read_text(encoding="utf-8").splitlines():
        # Cells glued on one line are separated by ASCII spaces; content uses full-width ones.
        for token in re.split(r" +", line):
            token = normalise(token.replace(REPOST_MARK, ""))
            if token and not FURNITURE.match(token):
                yield token


def database_texts():
    texts = []
    for entry in ProgressEntry.objects.all():
        texts += [entry.results, entry.plans]
    for c in Category.objects.all():
        texts += [f"{c.number} {c.title}", f"{number_label(c.number)}　{c.title}"]
    texts += Initiative.objects.values_list("subclass__name", flat=True).exclude(subclass=None)
    texts += JobCategory.objects.values_list("name", flat=True)
    assigned = Organization.objects.filter(Q(initiatives__isnull=False) | Q(actions__isnull=False))
    texts += assigned.distinct().values_list("label", flat=True)
    texts += Action.objects.values_list("text", flat=True)
    texts += Action.objects.values_list("department_note", flat=True)
    texts += ImplementationStatus.objects.values_list("text", flat=True)
    texts += Recommendation.objects.values_list("text", flat=True)
    texts += Policy.objects.values_list("text", flat=True)
    texts += Chapter.objects.values_list("title", flat=True)
    report = VerificationReport.objects.get()
    texts += [report.document_title, report.note]
    texts += ReportingPeriod.objects.exclude(meeting="").values_list("meeting", flat=True)
    return texts


# Column headings, the legend and the document titles are part of the app, not of the data.
APP_TEXTS = [
    "「子ども虐待防止に関する職務に従事する職員の人材育成ビジョン」に基づく令和５年９月までの取組結果と10月以降の取組内容",
    "取組番号 ９月までの取組 10月以降の取組 担当課 取組内容の分類 対象職種",
    "研修体制の整備 事務マニュアルへの反映 事務の進め方の改善 その他",
    "ケースワーカー 精神保健福祉相談員 児童相談所・福祉コース職員",
    "該当提言 実施状況 区分 担当部 検証報告書における提言",
    "取組方針 具体的な取組内容（想定を含む）取組方針",
    "それぞれの取組の実施・検討の時期について、次の４つの区分で表す。",
    *Classification.labels,
]

# Documented in fixtures/README.md: wording of a 【再掲】 copy that differs from its original,
# and a stray full stop after a section name.
KNOWN_VARIANTS = {
    "区）健康・子ども課.",
    "・学校からの要請に応じて学校に派遣され問題の解決にあたる(SSW)",
    "子ども家庭総合支援拠点の機能整備に向け、区における支援機関とし",
}


@pytest.mark.parametrize("source", ["shiryo2.txt", "shiryo3.txt"])
def test_every_text_of_the_source_is_in_the_database(source):
    corpus = "\x00".join(normalise(text) for text in database_texts() + APP_TEXTS)
    known = {normalise(text) for text in KNOWN_VARIANTS}
    missing = [t for t in source_tokens(source) if t not in corpus and t not in known]
    assert missing == []


def test_every_text_in_the_database_is_in_a_source():
    sources = "".join(
        normalise((SOURCE_DIR / name).read_text(encoding="utf-8"))
        for name in ["shiryo2.txt", "shiryo3.txt"]
    )
    lines = [line for text in database_texts() for line in text.splitlines() if line.strip()]
    assert [line for line in lines if normalise(line) not in sources] == []


def test_shiryo2_has_seven_chapters_in_document_order():
    titles = list(Chapter.objects.order_by("number").values_list("number", "title"))
    assert titles[0] == (1, "区を単位とした相談支援体制のあり方について")
    assert [number for number, _ in titles] == [1, 2, 3, 4, 5, 6, 7]
    assert titles[6] == (7, "過去の検証報告書の進捗状況についての検証機会の必要性")


def test_every_recommendation_is_answered_by_a_policy():
    assert not Recommendation.objects.filter(policies=None).exists()


def test_action_with_several_status_paragraphs_keeps_each_classification():
    period = ReportingPeriod.objects.get(code="R2-05")
    action = Action.objects.get(policy__chapter__number=7, policy__number=1, number=1)
    statuses = ImplementationStatus.objects.filter(report__action=action, report__period=period)
    assert [(s.text[:12], s.classification) for s in statuses] == [
        ("　令和２年５月に「札幌市", "A"),
        ("　検証報告書における提言", "B"),
    ]


def test_action_classified_without_text_has_one_empty_paragraph():
    action = Action.objects.get(policy__chapter__number=1, policy__number=1, number=4)
    assert action.text.startswith("　子ども家庭総合支援拠点の機能整備に向け、国が実施している")
    statuses = ImplementationStatus.objects.filter(
        report__action=action, report__period__code="R2-05"
    )
    assert [(s.text, s.classification) for s in statuses] == [("", "C")]


def test_repost_action_shows_its_original_and_holds_no_copy():
    repost = Action.objects.get(policy__chapter__number=3, policy__number=1, number=1)
    original = Action.objects.get(policy__chapter__number=1, policy__number=2, number=3)
    assert repost.repost_of == original
    assert repost.text == ""
    assert repost.source.text.startswith(
        "　児童相談システム、家庭児童相談システム及び母子保健システム"
    )
    assert not ActionReport.objects.filter(action=repost).exists()


def test_initiative_row_has_its_sections_and_texts():
    initiative = Initiative.objects.get(category__number=1, subclass=None, number=4)
    entry = initiative.entries.get(period__code="R5H1")
    assert initiative.job_category.name == "ケースワーカー"
    assert [s.label for s in initiative.sections.all()] == ["保）保護課"]
    assert entry.results.startswith("・令和３年度から「子どものいる世帯に対する適切な支援」")
    assert entry.plans == "・引き続き実施する（４区を対象に監査を実施）。"


def test_category_three_is_numbered_within_each_subclass():
    rows = (
        Initiative.objects.filter(category__number=3)
        .values("subclass__name")
        .annotate(n=Count("id"))
    )
    counts = {row["subclass__name"]: row["n"] for row in rows}
    assert set(counts) == {
        "研修体制の整備",
        "事務マニュアルへの反映",
        "事務の進め方の改善",
        "その他",
    }
    for name, count in counts.items():
        numbers = list(
            Initiative.objects.filter(subclass__name=name)
            .order_by("number")
            .values_list("number", flat=True)
        )
        assert numbers == list(range(1, count + 1))


def test_repost_initiative_takes_results_from_its_original():
    repost = Initiative.objects.get(category__number=2, number=1)
    assert repost.repost_of == Initiative.objects.get(category__number=1, number=3)
    assert repost.entries.get().results == ""


def test_bureau_and_department_can_answer_for_an_initiative():
    initiative = Initiative.objects.get(category__number=1, number=1)
    # Sections are listed in the organisation's order (fixtures/README.md).
    assert [s.label for s in initiative.sections.all()] == [
        "保健福祉局",
        "子ども未来局",
        "区）保健福祉部",
    ]


def test_current_period_carries_shiryo2_forward_unstarted():
    current = ReportingPeriod.objects.get(is_current=True)
    assert current.code == "R5H1"
    originals = Action.objects.filter(repost_of=None).count()
    reports = ActionReport.objects.filter(period=current)
    assert reports.count() == originals
    assert set(reports.values_list("state", flat=True)) == {EntryState.NOT_STARTED}
    previous = ImplementationStatus.objects.filter(report__period__code="R2-05")
    carried = ImplementationStatus.objects.filter(report__period=current)
    assert sorted(carried.values_list("text", "classification")) == sorted(
        previous.values_list("text", "classification")
    )


def _snapshot():
    models = [
        Organization,
        JobCategory,
        Category,
        Initiative,
        ProgressEntry,
        VerificationReport,
        Chapter,
        Recommendation,
        Policy,
        Action,
        ActionReport,
        ImplementationStatus,
        ReportingPeriod,
    ]
    counts = {m.__name__: m.objects.count() for m in models}
    counts["history"] = sum(m.history.count() for m in models if hasattr(m, "history"))
    texts = list(ProgressEntry.objects.order_by("pk").values_list("results", "plans"))
    return counts, texts


def test_loading_twice_changes_nothing():
    before = _snapshot()
    result = load_all()
    assert result.total == 0
    assert _snapshot() == before


def test_loading_again_keeps_what_people_edited():
    entry = ProgressEntry.objects.filter(period__code="R5H1").first()
    entry.plans = "画面で書き直した内容"
    entry.save()
    load_all()
    entry.refresh_from_db()
    assert entry.plans == "画面で書き直した内容"
