"""Deterministic synthetic data at a multiple of the seed size, for query-count tests and the
benchmark. The data grows the way a city's would: more sections and departments, more rows
inside the same chapters and categories (copies of the seeded rows, texts included), and — past
10× — more reporting periods. At 100×: 10× the rows and sections over 10 periods; at 1,000×
over 100 periods (fifty years of half-years)."""

import datetime
import random

from django.db import transaction

from departments.models import Organization
from initiatives.models import Initiative, ProgressEntry
from recommendations.models import Action, ActionReport, ImplementationStatus, Policy
from reporting.models import EntryState, ReportingPeriod

MAX_ROW_FACTOR = 10


@transaction.atomic
def multiply_seed(factor, *, seed=1):
    """Grow the data present now to about `factor` times its size; returns the rows added."""
    rng = random.Random(seed)
    rows = min(factor, MAX_ROW_FACTOR)
    periods = max(1, factor // rows)
    added = 0
    if rows > 1:
        sections = _copy_organizations(Organization.Level.SECTION, rows)
        departments = _copy_organizations(Organization.Level.DEPARTMENT, rows)
        added += len(sections) + len(departments)
        added += _grow_initiatives(rows, sections, rng)
        added += _grow_actions(rows, departments, rng)
    if periods > 1:
        added += _add_past_periods(periods - 1)
    return added


def _copy_organizations(level, rows):
    originals = list(Organization.objects.filter(level=level))
    run = Organization.objects.count()  # keeps the names of a second growth apart
    copies = Organization.objects.bulk_create(
        Organization(
            level=level,
            parent_id=org.parent_id,
            name=f"{org.name}{run}-{copy}",
            label=f"{org.label}{run}-{copy}",
            sort_order=org.sort_order,
        )
        for copy in range(1, rows)
        for org in originals
    )
    return originals + copies


def _grow_initiatives(rows, sections, rng):
    originals = list(Initiative.objects.filter(repost_of=None).order_by("pk"))
    top = {}
    for initiative in Initiative.objects.all():
        key = (initiative.category_id, initiative.subclass_id)
        top[key] = max(top.get(key, 0), initiative.number)
    copies = []
    for _ in range(1, rows):
        for original in originals:
            key = (original.category_id, original.subclass_id)
            top[key] += 1
            copies.append(
                (
                    original,
                    Initiative(
                        category_id=original.category_id,
                        subclass_id=original.subclass_id,
                        job_category_id=original.job_category_id,
                        number=top[key],
                    ),
                )
            )
    Initiative.objects.bulk_create(copy for _, copy in copies)
    Through = Initiative.sections.through
    Through.objects.bulk_create(
        Through(initiative_id=copy.pk, organization_id=rng.choice(sections).pk)
        for _, copy in copies
    )
    entries = {}
    for entry in ProgressEntry.objects.filter(initiative__in=originals):
        entries.setdefault(entry.initiative_id, []).append(entry)
    new_entries = [
        ProgressEntry(
            initiative_id=copy.pk,
            period_id=entry.period_id,
            results=entry.results,
            plans=entry.plans,
            state=entry.state,
        )
        for original, copy in copies
        for entry in entries.get(original.pk, [])
    ]
    ProgressEntry.objects.bulk_create(new_entries)
    return len(copies) + len(new_entries)


def _grow_actions(rows, departments, rng):
    """More policies in each chapter, each with copies of an existing policy's actions."""
    policies = list(
        Policy.objects.prefetch_related("recommendations", "actions__reports__statuses")
    )
    top = {}
    for policy in policies:
        top[policy.chapter_id] = max(top.get(policy.chapter_id, 0), policy.number)
    new_policies = []
    for _ in range(1, rows):
        for policy in policies:
            top[policy.chapter_id] += 1
            new_policies.append(
                (
                    policy,
                    Policy(
                        chapter_id=policy.chapter_id,
                        number=top[policy.chapter_id],
                        text=policy.text,
                    ),
                )
            )
    Policy.objects.bulk_create(new for _, new in new_policies)
    PolicyRecs = Policy.recommendations.through
    PolicyRecs.objects.bulk_create(
        PolicyRecs(policy_id=new.pk, recommendation_id=rec.pk)
        for old, new in new_policies
        for rec in old.recommendations.all()
    )
    new_actions = [
        (action, Action(policy=new, number=action.number, text=action.text))
        for old, new in new_policies
        for action in old.actions.all()
        if action.repost_of_id is None
    ]
    Action.objects.bulk_create(new for _, new in new_actions)
    ActionDepts = Action.departments.through
    ActionDepts.objects.bulk_create(
        ActionDepts(action_id=new.pk, organization_id=dept.pk)
        for _, new in new_actions
        for dept in rng.sample(departments, 2)
    )
    reports = [
        (report, ActionReport(period_id=report.period_id, action=new, state=report.state))
        for old, new in new_actions
        for report in old.reports.all()
    ]
    ActionReport.objects.bulk_create(new for _, new in reports)
    statuses = [
        ImplementationStatus(
            report=new, position=s.position, text=s.text, classification=s.classification
        )
        for old, new in reports
        for s in old.statuses.all()
    ]
    ImplementationStatus.objects.bulk_create(statuses)
    return len(new_policies) + len(new_actions) + len(reports) + len(statuses)


def _add_past_periods(count):
    """Closed half-years before every existing period, with an approved entry for every row."""
    earliest = ReportingPeriod.objects.order_by("results_until").first().results_until
    initiatives = list(Initiative.objects.values_list("pk", flat=True))
    current = ReportingPeriod.objects.filter(is_current=True).first()
    statuses = {}
    for s in ImplementationStatus.objects.filter(report__period=current).select_related("report"):
        statuses.setdefault(s.report.action_id, []).append(s)
    actions = list(Action.objects.filter(repost_of=None).values_list("pk", flat=True))
    added = 0
    for index in range(1, count + 1):
        results_until = _months_before(earliest, 6 * index)
        period = ReportingPeriod.objects.create(
            code=f"PAST{index:02d}",
            name=f"過去の期間{index}",
            results_until=results_until,
            plans_from=results_until + datetime.timedelta(days=1),
            is_closed=True,
        )
        ProgressEntry.objects.bulk_create(
            ProgressEntry(
                period=period,
                initiative_id=pk,
                results="過去の取組結果",
                plans="過去の取組内容",
                state=EntryState.APPROVED,
            )
            for pk in initiatives
        )
        reports = ActionReport.objects.bulk_create(
            ActionReport(period=period, action_id=pk, state=EntryState.APPROVED) for pk in actions
        )
        copied = ImplementationStatus.objects.bulk_create(
            ImplementationStatus(
                report=r, position=s.position, text=s.text, classification=s.classification
            )
            for r in reports
            for s in statuses.get(r.action_id, [])
        )
        added += 1 + len(initiatives) + len(reports) + len(copied)
    return added


def _months_before(date, months):
    month_index = date.year * 12 + date.month - 1 - months
    return datetime.date(month_index // 12, month_index % 12 + 1, 1) - datetime.timedelta(days=1)
