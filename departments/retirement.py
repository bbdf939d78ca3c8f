"""A retired section or department (機構改革) takes no new users and no new rows, while the rows
and users it already has keep it, under the name they had.

`refuse_newly_retired` runs on every many-to-many add to an organisation — pages, admin, imports,
commands — so nothing can slip past; the forms check the same first, to show the message beside
the field instead of failing the save."""

from django import forms
from django.core.exceptions import ValidationError
from django.db.models.signals import m2m_changed

RETIRED = "「{labels}」は廃止された課・部のため、新しく割り当てられません。"
# (app label, model, many-to-many field to organisations)
LINKS = [
    ("initiatives", "Initiative", "sections"),
    ("recommendations", "Action", "departments"),
    ("accounts", "User", "organizations"),
]


def newly_retired(instance, field_name, chosen):
    """The retired organisations among `chosen` that `instance` is not already linked to."""
    current = (
        set(getattr(instance, field_name).values_list("pk", flat=True)) if instance.pk else set()
    )
    return [o for o in chosen if o.retired_on is not None and o.pk not in current]


def refuse_newly_retired(sender, instance, action, reverse, model, pk_set, **kwargs):
    if action != "pre_add" or not pk_set:
        return
    if reverse:  # organisation.initiatives.add(...): the organisation itself must be current
        retired = [instance] if instance.retired_on is not None else []
    else:
        retired = list(model.objects.filter(pk__in=pk_set, retired_on__isnull=False))
    if retired:
        raise ValidationError(RETIRED.format(labels="」「".join(o.label for o in retired)))


def connect(apps):
    for app_label, model_name, field_name in LINKS:
        through = getattr(apps.get_model(app_label, model_name), field_name).through
        m2m_changed.connect(
            refuse_newly_retired, sender=through, dispatch_uid=f"retired-{app_label}-{model_name}"
        )


class KeepsRetiredOrganizations:
    """For the admin's forms of rows and users: a retired organisation may stay, not be added."""

    organization_fields = [link[2] for link in LINKS]

    def clean(self):
        cleaned = super().clean()
        for name in self.organization_fields:
            chosen = cleaned.get(name)
            if name not in self.fields or chosen is None:
                continue
            retired = newly_retired(self.instance, name, chosen)
            if retired:
                self.add_error(name, RETIRED.format(labels="」「".join(o.label for o in retired)))
        return cleaned


class OrganizationLinksForm(KeepsRetiredOrganizations, forms.ModelForm):
    pass
