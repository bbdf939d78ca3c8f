"""Load the committee documents from the curated YAML files in fixtures/seed/.

Every row is created only if it is missing (looked up by its natural key: chapter and number,
category and number, …), so loading twice changes nothing and never overwrites what people have
since edited in the portal.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from departments.models import Bureau, Department, JobCategory, Organization, Section
from initiatives.models import Category, Initiative, ProgressEntry, Subclass
from recommendations.models import (
    Action,
    ActionReport,
    Chapter,
    ImplementationStatus,
    Policy,
    Recommendation,
    VerificationReport,
)
from reporting.models import EntryState, ReportingPeriod

SEED_DIR = settings.BASE_DIR / "fixtures" / "seed"
REPORT_TITLE = "検証報告書（令和元年死亡事例）"
CHANGE_REASON = "初期データの読込"


class SeedError(Exception):
    pass


@dataclass
class SeedResult:
    created: dict = field(default_factory=dict)

    def count(self, label, created):
        if created:
            self.created[label] = self.created.get(label, 0) + 1

    @property
    def total(self):
        return sum(self.created.values())


def read_yaml(name, seed_dir=None):
    return yaml.safe_load(Path(seed_dir or SEED_DIR, name).read_text(encoding="utf-8"))


def _get_or_create(result, model, defaults=None, **lookup):
    obj = model.objects.filter(**lookup).first()
    if obj is not None:
        return obj, False
    obj = model(**lookup, **(defaults or {}))
    obj._change_reason = CHANGE_REASON
    obj.full_clean()
    obj.save()
    result.count(model._meta.verbose_name, True)
    return obj, True


@transaction.atomic
def load_all(seed_dir=None):
    result = SeedResult()
    periods = load_periods(result, read_yaml("periods.yaml", seed_dir))
    orgs = load_organizations(result, read_yaml("organizations.yaml", seed_dir))
    load_shiryo3(result, read_yaml("shiryo3.yaml", seed_dir), periods["shiryo3"], orgs)
    load_shiryo2(result, read_yaml("shiryo2.yaml", seed_dir), periods["shiryo2"], orgs)
    carry_forward_shiryo2(result, source=periods["shiryo2"], target=periods["shiryo3"])
    return result


def load_periods(result, data):
    by_code = {}
    for row in data["periods"]:
        period, _ = _get_or_create(
            result,
            ReportingPeriod,
            code=row["code"],
            defaults={
                "name": row["name"],
                "results_until": row["results_until"],
                "plans_from": row["plans_from"],
                "deadline": row["deadline"],
                "is_closed": row["is_closed"],
                "is_current": row["is_current"]
                and not ReportingPeriod.objects.filter(is_current=True).exists(),
            },
        )
        by_code[row["code"]] = period
    return {
        "shiryo2": by_code[data["shiryo2_period"]],
        "shiryo3": by_code[data["shiryo3_period"]],
    }


def load_organizations(result, data):
    order = 0

    def add(model, name, parent, **defaults):
        # In the file's order, bureau by bureau: the organisations' sort order.
        nonlocal order
        order += 10
        defaults = {"level": model.LEVEL, "sort_order": order, **defaults}
        return _get_or_create(result, model, name=name, parent=parent, defaults=defaults)[0]

    for bureau_row in data["bureaus"]:
        bureau = add(Bureau, bureau_row["name"], None, prefix=bureau_row["prefix"])
        for dept_row in bureau_row.get("departments", []):
            dept = add(Department, dept_row["name"], bureau)
            for name in dept_row.get("sections", []):
                add(Section, name, dept)
        for name in bureau_row.get("sections", []):
            add(Section, name, bureau)
    return {org.label: org for org in Organization.objects.all()}


def _organizations(orgs, labels, where):
    try:
        return [orgs[label] for label in labels]
    except KeyError as exc:
        raise SeedError(
            f"{where}: 組織「{exc.args[0]}」が organizations.yaml にありません。"
        ) from None


def load_shiryo3(result, data, period, orgs):
    for order, name in enumerate(data["job_categories"], start=1):
        _get_or_create(result, JobCategory, name=name, defaults={"sort_order": order})
    jobs = {job.name: job for job in JobCategory.objects.all()}

    initiatives = {}
    pending_reposts = []
    for cat_row in data["categories"]:
        category, _ = _get_or_create(
            result, Category, number=cat_row["number"], defaults={"title": cat_row["title"]}
        )
        subclasses = {}
        for number, name in enumerate(cat_row.get("subclasses") or [], start=1):
            subclasses[name], _ = _get_or_create(
                result, Subclass, category=category, number=number, defaults={"name": name}
            )
        for row in cat_row["initiatives"]:
            key = (cat_row["number"], row["subclass"], row["number"])
            where = f"資料3 {key}"
            initiative, created = _get_or_create(
                result,
                Initiative,
                category=category,
                subclass=subclasses.get(row["subclass"]),
                number=row["number"],
                defaults={"job_category": jobs[row["job_category"]]},
            )
            if created:
                initiative.sections.set(_organizations(orgs, row["sections"], where))
            initiatives[key] = initiative
            if row.get("repost_of"):
                ref = row["repost_of"]
                pending_reposts.append(
                    (initiative, (ref["category"], ref.get("subclass"), ref["number"]), created)
                )
            _get_or_create(
                result,
                ProgressEntry,
                period=period,
                initiative=initiative,
                defaults={
                    "results": row.get("until_september", ""),
                    "plans": row["from_october"],
                    "state": EntryState.DRAFT,
                },
            )
    for initiative, ref, created in pending_reposts:
        if created:
            initiative.repost_of = initiatives[ref]
            initiative._change_reason = CHANGE_REASON
            initiative.save(update_fields=["repost_of"])


def load_shiryo2(result, data, period, orgs):
    if not period.meeting:
        # The document's heading line names the meeting of the period it reports.
        period.meeting = data["meeting"]
        period._change_reason = CHANGE_REASON
        period.save(update_fields=["meeting"])
    report, _ = _get_or_create(
        result,
        VerificationReport,
        title=REPORT_TITLE,
        defaults={
            "document_title": data["title"],
            "note": data["note"],
        },
    )
    actions = {}
    reposts = []
    for ch_row in data["chapters"]:
        chapter, _ = _get_or_create(
            result,
            Chapter,
            report=report,
            number=ch_row["number"],
            defaults={"title": ch_row["title"]},
        )
        recommendations = {}
        for rec_row in ch_row["recommendations"]:
            recommendations[rec_row["number"]], _ = _get_or_create(
                result,
                Recommendation,
                chapter=chapter,
                number=rec_row["number"],
                defaults={"text": rec_row["text"]},
            )
        for pol_row in ch_row["policies"]:
            policy, created = _get_or_create(
                result,
                Policy,
                chapter=chapter,
                number=pol_row["number"],
                defaults={"text": pol_row["text"]},
            )
            if created:
                policy.recommendations.set(recommendations[n] for n in pol_row["recommendations"])
            for act_row in pol_row["actions"]:
                key = (ch_row["number"], pol_row["number"], act_row["number"])
                if act_row.get("repost_of"):
                    # Originals may come later in the document: link reposts once all exist.
                    reposts.append((policy, act_row, key))
                    continue
                actions[key] = action = _load_action(result, policy, act_row, orgs, key)
                _load_statuses(result, period, action, act_row["status"])
    for policy, act_row, key in reposts:
        ref = act_row["repost_of"]
        original = actions[(ref["chapter"], ref["policy"], ref["action"])]
        _load_action(result, policy, act_row, orgs, key, repost_of=original)


def _load_action(result, policy, act_row, orgs, key, repost_of=None):
    action, created = _get_or_create(
        result,
        Action,
        policy=policy,
        number=act_row["number"],
        defaults={
            "text": "" if repost_of else act_row["text"],
            "department_note": act_row.get("department_note", ""),
            "repost_of": repost_of,
        },
    )
    if created:
        action.departments.set(_organizations(orgs, act_row["departments"], f"資料2 {key}"))
    return action


def _load_statuses(result, period, action, statuses):
    report, created = _get_or_create(
        result,
        ActionReport,
        period=period,
        action=action,
        defaults={"state": EntryState.APPROVED if period.is_closed else EntryState.DRAFT},
    )
    if not created:
        return
    for position, row in enumerate(statuses, start=1):
        _get_or_create(
            result,
            ImplementationStatus,
            report=report,
            position=position,
            defaults={"text": row["text"], "classification": row["classification"]},
        )


def carry_forward_shiryo2(result, *, source, target):
    """Give the current period an 実施状況 report for every action, pre-filled from the document,
    as opening a new period does."""
    from recommendations.services import create_reports_for_period

    created = create_reports_for_period(period=target, previous=source)
    if created:
        result.created[ActionReport._meta.verbose_name] = (
            result.created.get(ActionReport._meta.verbose_name, 0) + created
        )
