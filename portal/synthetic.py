"""Deterministic synthetic data at a multiple of the seed size, for query-count tests and the
benchmark. Copies the seeded rows (texts included) under new numbers, chapters and sections."""

import random

from django.db import transaction

from departments.models import Organization
from initiatives.models import Initiative, ProgressEntry
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    ImplementationStatus,
    Policy,
    Recommendation,
)


@transaction.atomic
def multiply_seed(factor, *, seed=1):
    """Add (factor - 1) copies of the rows present now; returns the number of rows added."""
    rng = random.Random(seed)
    sections = list(Organization.objects.filter(level=Organization.Level.SECTION))
    departments = list(Organization.objects.filter(level=Organization.Level.DEPARTMENT))
    initiatives = list(Initiative.objects.filter(repost_of=None).order_by("pk"))
    entries = list(ProgressEntry.objects.filter(initiative__in=initiatives))
    chapters = list(
        Chapter.objects.order_by("number").prefetch_related(
            "recommendations", "policies__recommendations", "policies__actions__reports__statuses"
        )
    )
    added = 0
    for copy in range(1, factor):
        new_sections = Organization.objects.bulk_create(
            Organization(
                level=Organization.Level.SECTION,
                parent_id=section.parent_id,
                name=f"{section.name}{copy}",
                label=f"{section.label}{copy}",
                sort_order=section.sort_order,
            )
            for section in sections
        )
        added += len(new_sections)
        added += _copy_initiatives(initiatives, entries, new_sections, rng)
        added += _copy_chapters(chapters, copy, departments, rng)
    return added


def _copy_initiatives(originals, entries, sections, rng):
    top = {}
    for row in Initiative.objects.values("category_id", "subclass_id", "number"):
        key = (row["category_id"], row["subclass_id"])
        top[key] = max(top.get(key, 0), row["number"])
    copies = {}
    for original in originals:
        key = (original.category_id, original.subclass_id)
        top[key] += 1
        copies[original.pk] = Initiative(
            category_id=original.category_id,
            subclass_id=original.subclass_id,
            job_category_id=original.job_category_id,
            number=top[key],
        )
    Initiative.objects.bulk_create(copies.values())
    Through = Initiative.sections.through
    Through.objects.bulk_create(
        Through(initiative_id=initiative.pk, organization_id=rng.choice(sections).pk)
        for initiative in copies.values()
    )
    ProgressEntry.objects.bulk_create(
        ProgressEntry(
            initiative_id=copies[entry.initiative_id].pk,
            period_id=entry.period_id,
            results=entry.results,
            plans=entry.plans,
            state=entry.state,
        )
        for entry in entries
    )
    return len(copies) + len(entries)


def _copy_chapters(chapters, copy, departments, rng):
    top = max(Chapter.objects.values_list("number", flat=True))
    new_chapters = Chapter.objects.bulk_create(
        Chapter(report_id=c.report_id, number=top + i, title=f"{c.title}（{copy}）")
        for i, c in enumerate(chapters, start=1)
    )
    recs, policies, actions = {}, {}, {}
    for chapter, new_chapter in zip(chapters, new_chapters, strict=True):
        for rec in chapter.recommendations.all():
            recs[rec.pk] = Recommendation(chapter=new_chapter, number=rec.number, text=rec.text)
        for policy in chapter.policies.all():
            policies[policy.pk] = Policy(
                chapter=new_chapter, number=policy.number, text=policy.text
            )
    Recommendation.objects.bulk_create(recs.values())
    Policy.objects.bulk_create(policies.values())
    PolicyRecs = Policy.recommendations.through
    PolicyRecs.objects.bulk_create(
        PolicyRecs(policy_id=policies[p.pk].pk, recommendation_id=recs[r.pk].pk)
        for c in chapters
        for p in c.policies.all()
        for r in p.recommendations.all()
    )
    originals = [a for c in chapters for p in c.policies.all() for a in p.actions.all()]
    originals = [a for a in originals if a.repost_of_id is None]
    for action in originals:
        actions[action.pk] = Action(
            policy=policies[action.policy_id], number=action.number, text=action.text
        )
    Action.objects.bulk_create(actions.values())
    ActionDepts = Action.departments.through
    ActionDepts.objects.bulk_create(
        ActionDepts(action_id=new.pk, organization_id=dept.pk)
        for new in actions.values()
        for dept in rng.sample(departments, 2)
    )
    reports = {
        report.pk: ActionReport(
            period_id=report.period_id, action=actions[action.pk], state=report.state
        )
        for action in originals
        for report in action.reports.all()
    }
    ActionReport.objects.bulk_create(reports.values())
    statuses = [
        ImplementationStatus(
            report=reports[report.pk],
            position=s.position,
            text=s.text,
            classification=s.classification,
        )
        for action in originals
        for report in action.reports.all()
        for s in report.statuses.all()
    ]
    ImplementationStatus.objects.bulk_create(statuses)
    return (
        len(new_chapters) + len(recs) + len(policies) + len(actions) + len(reports) + len(statuses)
    )
