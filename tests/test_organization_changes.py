"""Issue "April's personnel changes": reorganisations (機構改革) — a renamed section keeps its rows
and history, a retired one takes no new users or rows while its past rows keep it, and moving a
section to another department is an admin action with a preview."""

import csv
import datetime
import io

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms import model_to_dict
from django.urls import reverse

from accounts.models import User
from departments.models import Organization, Section
from departments.retirement import RETIRED
from departments.services import (
    MOVE_LABEL_TAKEN,
    MOVE_NAME_TAKEN,
    MOVE_SAME_PARENT,
    MOVE_WRONG_PARENT,
    MoveError,
    move_organizations,
    plan_move,
)
from initiatives.models import Initiative, ProgressEntry
from recommendations.models import Action
from tests.test_flat_import_export import export_bytes, page_errors, upload

pytestmark = pytest.mark.django_db


def org(label):
    return Organization.objects.get(label=label)


def rows_of(organization):
    return sorted(organization.initiatives.values_list("pk", flat=True))


def organizations_state():
    return {
        "organizations": list(
            Organization.objects.order_by("pk").values_list("label", "parent_id", "retired_on")
        ),
        "initiative_links": sorted(
            Initiative.sections.through.objects.values_list("initiative_id", "organization_id")
        ),
        "action_links": sorted(
            Action.departments.through.objects.values_list("action_id", "organization_id")
        ),
        "members": sorted(
            User.organizations.through.objects.values_list("user_id", "organization_id")
        ),
        "history": Organization.history.count(),
    }


@pytest.fixture
def retired(db):
    section = org("区）健康・子ども課")
    section.retired_on = datetime.date(2026, 3, 31)
    section.save()
    return section


# --- rename --------------------------------------------------------------------------------------


def test_a_renamed_section_keeps_its_rows_members_and_history(client, admin_user, hogo):
    section = org("保）保護課")
    rows = rows_of(section)
    assert rows, "the seed gives 保）保護課 rows"
    client.force_login(admin_user)

    def rename(name):
        return client.post(
            reverse("admin:departments_section_change", args=[section.pk]),
            {"name": name, "parent": section.parent_id, "sort_order": section.sort_order},
        )

    assert rename("保護自立支援課").status_code == 302
    assert rename("保護課").status_code == 302
    assert rename("保護自立支援課").status_code == 302

    section.refresh_from_db()
    assert section.label == "保）保護自立支援課"
    assert rows_of(section) == rows
    assert [o.label for o in hogo.organizations.all()] == ["保）保護自立支援課"]
    entry = ProgressEntry.objects.filter(initiative__sections=section).first()
    assert "保）保護自立支援課" in [o.label for o in entry.responsible_organizations()]
    # The last three records (the seed may have recorded the section's creation).
    records = list(section.history.order_by("history_date"))[-3:]
    assert [record.label for record in records] == [
        "保）保護自立支援課",
        "保）保護課",
        "保）保護自立支援課",
    ]
    assert {record.history_user for record in records} == {admin_user}


# --- retire --------------------------------------------------------------------------------------


def test_an_administrator_retires_a_section_in_the_admin(client, admin_user):
    section = org("区）健康・子ども課")
    client.force_login(admin_user)

    client.post(
        reverse("admin:departments_section_change", args=[section.pk]),
        {
            "name": section.name,
            "parent": section.parent_id,
            "sort_order": section.sort_order,
            "retired_on": "2026-03-31",
        },
    )

    section.refresh_from_db()
    assert section.retired_on == datetime.date(2026, 3, 31)


def test_a_retired_section_keeps_its_past_rows_under_its_name(retired):
    initiatives = Initiative.objects.filter(sections=retired)
    assert initiatives.exists(), "the seed gives 区）健康・子ども課 rows"
    for initiative in initiatives:
        assert retired.label in [o.label for o in initiative.sections.all()]


def test_no_path_links_a_retired_section_to_a_new_row(retired):
    initiative = Initiative.objects.exclude(sections=retired).first()
    before = organizations_state()

    # Each in its own savepoint, as every caller's transaction is rolled back on the error.
    with pytest.raises(ValidationError) as refused, transaction.atomic():
        initiative.sections.add(retired)
    with pytest.raises(ValidationError), transaction.atomic():
        retired.initiatives.add(initiative)
    with pytest.raises(ValidationError), transaction.atomic():
        User.objects.get(username="hogo").organizations.add(retired)

    assert refused.value.messages == [RETIRED.format(labels=retired.label)]
    assert organizations_state() == before


def _admin_form(model, obj, admin_user, rf, **changes):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, obj)
    data = {
        name: (
            [v.pk if hasattr(v, "pk") else v for v in value] if isinstance(value, list) else value
        )
        for name, value in model_to_dict(obj, fields=form_class.base_fields).items()
        if value is not None
    }
    data.update(changes)
    return form_class(data=data, instance=obj)


def test_the_admin_form_refuses_a_retired_section_on_another_row(admin_user, rf, retired):
    initiative = Initiative.objects.exclude(sections=retired).first()
    sections = [o.pk for o in initiative.sections.all()]

    form = _admin_form(Initiative, initiative, admin_user, rf, sections=[*sections, retired.pk])

    assert form.errors["sections"] == [RETIRED.format(labels=retired.label)]


def test_the_admin_form_keeps_a_retired_section_on_its_own_rows(admin_user, rf, retired):
    initiative = Initiative.objects.filter(sections=retired).first()

    form = _admin_form(Initiative, initiative, admin_user, rf)

    assert form.is_valid(), form.errors


def test_the_flat_import_refuses_a_retired_section_on_another_row_and_writes_nothing(
    client, admin_user, retired
):
    client.force_login(admin_user)
    rows = list(csv.DictReader(io.StringIO(export_bytes(client, Initiative).decode("utf-8-sig"))))
    target = next(r for r in rows if retired.label not in r["担当課"])
    target["担当課"] = f"{target['担当課']}|{retired.label}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    before = organizations_state()

    response = upload(client, Initiative, out.getvalue().encode("utf-8-sig"))

    errors = page_errors(response)
    assert any(RETIRED.format(labels=retired.label) in line for line in errors), errors
    assert response.context.get("confirm_form") is None
    assert organizations_state() == before


def test_the_user_pages_do_not_offer_a_retired_section(client, honbu, hogo, retired):
    client.force_login(honbu)
    page = client.get(reverse("accounts:move", args=[hogo.pk])).content.decode()
    assert retired.label not in page
    assert "保）保護課" in page


# --- move ----------------------------------------------------------------------------------------


def test_the_move_preview_lists_the_rows_and_users_it_touches_and_writes_nothing(
    client, admin_user, hogo
):
    section = Section.objects.get(label="保）保護課")
    target = org("子）子ども育成部")
    client.force_login(admin_user)
    before = organizations_state()

    response = client.post(
        reverse("admin:departments_section_changelist"),
        {
            "action": "move_organizations",
            "_selected_action": [section.pk],
            "parent": target.pk,
            "preview": "1",
        },
    )

    assert response.status_code == 200
    plan = response.context["plan"]
    (move,) = plan.moves
    assert (move.old_label, move.new_label) == ("保）保護課", "子）保護課")
    assert move.initiatives == [
        i.reference
        for i in Initiative.objects.filter(sections=section).order_by(
            "category__number", "subclass__number", "number"
        )
    ]
    assert move.members == ["保護課担当"]
    page = response.content.decode()
    assert "保）保護課 → 子）保護課" in page and "保護課担当" in page
    assert organizations_state() == before


def test_moving_a_section_keeps_its_rows_and_members_and_records_who(client, admin_user, hogo):
    section = Section.objects.get(label="保）保護課")
    rows = rows_of(section)
    target = org("子）子ども育成部")
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:departments_section_changelist"),
        {
            "action": "move_organizations",
            "_selected_action": [section.pk],
            "parent": target.pk,
            "apply": "1",
        },
    )

    assert response.status_code == 302
    section.refresh_from_db()
    assert (section.parent, section.label) == (target, "子）保護課")
    assert rows_of(section) == rows
    assert [o.label for o in hogo.organizations.all()] == ["子）保護課"]
    record = section.history.latest()
    assert (record.history_user, record.history_change_reason) == (admin_user, "別の部・局への移動")


def test_a_move_that_would_clash_is_refused_as_a_whole(admin_user):
    target = org("子）子ども育成部")
    Section.objects.create(name="保護課", parent=target)
    clashing, fine = org("保）保護課"), org("保）総務課")
    before = organizations_state()

    with pytest.raises(MoveError) as refused:
        move_organizations(by=admin_user, organizations=[clashing, fine], parent=target)

    assert refused.value.messages == [MOVE_NAME_TAKEN.format(parent=target, name="保護課")]
    assert organizations_state() == before


def test_a_move_to_a_label_another_organisation_has_is_refused(admin_user):
    Section.objects.create(name="保護課", parent=org("子ども未来局"))
    target = org("子）子ども育成部")

    plan = plan_move(organizations=[org("保）保護課")], parent=target)

    assert plan.errors == [MOVE_LABEL_TAKEN.format(label="子）保護課")]


def test_moving_under_the_same_parent_is_refused(admin_user):
    section = org("保）保護課")

    plan = plan_move(organizations=[section], parent=section.parent)

    assert plan.errors == [MOVE_SAME_PARENT.format(label="保）保護課", parent=section.parent)]


def test_a_section_moves_only_under_a_department_or_a_bureau(admin_user):
    section = org("保）保護課")
    other = org("子）地域連携課")

    plan = plan_move(organizations=[section], parent=other)

    assert plan.errors == [MOVE_WRONG_PARENT.format(label="保）保護課", parent=other)]


def test_section_staff_cannot_reach_the_move_action(client, honbu):
    client.force_login(honbu)
    response = client.post(
        reverse("admin:departments_section_changelist"),
        {"action": "move_organizations", "_selected_action": [org("保）保護課").pk]},
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
