"""The database itself refuses data that would break the documents' structure."""

import pytest
from django.db import IntegrityError, transaction

from departments.models import Organization
from initiatives.models import Initiative
from recommendations.models import Action, ActionReport, Chapter, ImplementationStatus, Policy
from reporting.models import ReportingPeriod

pytestmark = pytest.mark.django_db


def refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_numbering_is_unique_within_its_parent():
    chapter = Chapter.objects.get(number=1)
    policy = Policy.objects.get(chapter=chapter, number=1)
    initiative = Initiative.objects.get(category__number=1, number=1)
    refused(lambda: Chapter.objects.create(report=chapter.report, number=1, title="重複"))
    refused(lambda: Policy.objects.create(chapter=chapter, number=1, text="重複"))
    refused(lambda: Action.objects.create(policy=policy, number=1, text="重複"))
    refused(
        lambda: Initiative.objects.create(
            category=initiative.category, number=1, job_category=initiative.job_category
        )
    )


def test_same_number_is_allowed_under_another_parent():
    policy = Policy.objects.get(chapter__number=2, number=1)
    assert Action.objects.filter(number=1).exclude(policy=policy).exists()
    assert Action.objects.filter(policy=policy, number=1).count() == 1


def test_classification_is_only_a_to_d():
    report = ActionReport.objects.filter(period__code="R2-05").first()
    refused(
        lambda: ImplementationStatus.objects.create(
            report=report, position=99, text="", classification="E"
        )
    )


@pytest.mark.parametrize("text", ["", "   ", "\u3000\n"])
def test_required_text_cannot_be_blank(text):
    chapter = Chapter.objects.get(number=1)
    refused(lambda: Chapter.objects.create(report=chapter.report, number=99, title=text))
    refused(lambda: Policy.objects.create(chapter=chapter, number=20, text=text))
    refused(lambda: Action.objects.create(policy=chapter.policies.first(), number=20, text=text))


def test_repost_cannot_hold_its_own_text():
    repost = Action.objects.exclude(repost_of=None).first()
    repost.text = "写しの内容"
    refused(repost.save)


def test_only_one_period_is_current():
    refused(
        lambda: ReportingPeriod.objects.create(
            code="R6H1",
            name="令和６年度上半期",
            results_until="2024-09-30",
            plans_from="2024-10-01",
            is_current=True,
        )
    )


def test_plans_start_after_results():
    refused(
        lambda: ReportingPeriod.objects.create(
            code="BAD", name="逆転", results_until="2024-09-30", plans_from="2024-04-01"
        )
    )


def test_bureau_needs_a_prefix_and_sections_need_a_parent():
    refused(lambda: Organization.objects.create(level=Organization.Level.BUREAU, name="新局"))
    refused(lambda: Organization.objects.create(level=Organization.Level.SECTION, name="孤立課"))


def test_organization_is_written_as_in_the_documents():
    section = Organization.objects.get(label="保）保護課")
    assert (section.name, section.bureau.name) == ("保護課", "保健福祉局")
    bureau = section.bureau
    bureau.prefix = "福"
    bureau.save()
    section.refresh_from_db()
    assert section.label == "福）保護課"
