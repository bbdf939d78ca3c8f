"""Organisation changes (機構改革) that need more than the admin's form: moving a section or a
department under another department or bureau. Its rows, users and history stay with it; only
where it sits, and so possibly its label (保）→子）), changes. The preview lists what it touches."""

from dataclasses import dataclass, field

from django.db import transaction

from departments.models import Organization

REASON_MOVE = "別の部・局への移動"
MOVE_SAME_PARENT = "「{label}」はすでに「{parent}」の下にあります。"
MOVE_WRONG_PARENT = "課は部か局の下に、部は局の下にだけ移せます（「{label}」→「{parent}」）。"
MOVE_NAME_TAKEN = "「{parent}」の下には同じ名前の「{name}」がすでにあります。"
MOVE_LABEL_TAKEN = "移した後の表示名「{label}」はほかの組織が使っています。"
MOVE_TWICE = "「{name}」という名前の組織を2つ同じところへは移せません。"

ALLOWED_PARENTS = {
    Organization.Level.SECTION: {Organization.Level.BUREAU, Organization.Level.DEPARTMENT},
    Organization.Level.DEPARTMENT: {Organization.Level.BUREAU},
}


class MoveError(Exception):
    def __init__(self, messages):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class OrganizationMove:
    organization: Organization
    old_label: str
    new_label: str
    initiatives: list = field(default_factory=list)  # references of 資料3 rows
    actions: list = field(default_factory=list)  # references of 資料2 actions
    members: list = field(default_factory=list)  # names of its users
    relabelled_children: list = field(default_factory=list)  # (old, new) labels


@dataclass
class MovePlan:
    parent: Organization
    moves: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.errors


def _label_under(organization, parent):
    bureau = parent if parent.level == Organization.Level.BUREAU else parent.bureau
    return f"{bureau.prefix}）{organization.name}"


def plan_move(*, organizations, parent):
    """What moving `organizations` under `parent` would change; nothing is written."""
    plan = MovePlan(parent=parent)
    taken = set(Organization.objects.values_list("label", flat=True))
    names = set()
    for organization in organizations:
        new_label = _label_under(organization, parent)
        if parent.level not in ALLOWED_PARENTS.get(organization.level, set()):
            plan.errors.append(MOVE_WRONG_PARENT.format(label=organization.label, parent=parent))
            continue
        if organization.parent_id == parent.pk:
            plan.errors.append(MOVE_SAME_PARENT.format(label=organization.label, parent=parent))
            continue
        if organization.name in names:
            plan.errors.append(MOVE_TWICE.format(name=organization.name))
        names.add(organization.name)
        if parent.children.filter(name=organization.name).exists():
            plan.errors.append(MOVE_NAME_TAKEN.format(parent=parent, name=organization.name))
        elif new_label != organization.label and new_label in taken:
            plan.errors.append(MOVE_LABEL_TAKEN.format(label=new_label))
        move = OrganizationMove(organization, organization.label, new_label)
        move.initiatives = [
            i.reference
            for i in organization.initiatives.select_related("category", "subclass").order_by(
                "category__number", "subclass__number", "number"
            )
        ]
        move.actions = [
            a.reference
            for a in organization.actions.select_related("policy__chapter").order_by(
                "policy__chapter__number", "policy__number", "number"
            )
        ]
        move.members = [
            user.get_full_name() or user.username
            for user in organization.members.filter(is_active=True).order_by("username")
        ]
        if new_label != organization.label:
            prefix = new_label.split("）", 1)[0]
            move.relabelled_children = [
                (child.label, f"{prefix}）{child.name}")
                for child in organization.children.order_by("sort_order", "label")
            ]
        plan.moves.append(move)
    return plan


@transaction.atomic
def move_organizations(*, by, organizations, parent):
    """Move them all, or — with any error — none. Raises MoveError with the messages."""
    locked = list(
        Organization.objects.select_for_update().filter(pk__in=[o.pk for o in organizations])
    )
    plan = plan_move(organizations=locked, parent=parent)
    if not plan.ok:
        raise MoveError(plan.errors)
    for organization in locked:
        organization.parent = parent
        organization._history_user = by
        organization._change_reason = REASON_MOVE
        organization.save()
    return plan
