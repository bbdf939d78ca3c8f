"""The one answer to "may this user do this to this entry". The pages, bulk actions and imports
ask through reporting/access.py, the admin through `user.has_perm(...)`; both end here.

Rules:
- Section staff edit and submit the entries their sections or departments answer for, while the
  period is open and the entry is not waiting for or past the HQ's review.
- The HQ (推進本部) edits every entry that is not approved, returns and approves, and opens and
  closes periods, while the period is open.
- Everyone who is logged in reads everything.
"""

import rules

from accounts.roles import is_hq as _is_hq
from accounts.roles import organization_ids
from reporting.models import EntryState


@rules.predicate
def is_hq(user):
    return _is_hq(user)


@rules.predicate
def answers_for(user, entry):
    if entry is None:
        return False
    return bool(organization_ids(user) & {org.pk for org in entry.responsible_organizations()})


@rules.predicate
def period_open(user, entry):
    return entry is not None and not entry.period.is_closed


@rules.predicate
def editable_by_section(user, entry):
    return entry is not None and entry.state in entry.EDITABLE_BY_SECTION


@rules.predicate
def approved(user, entry):
    return entry is not None and entry.state == EntryState.APPROVED


# Administrators (superusers) may do everything, closed periods included.
is_admin = rules.is_superuser
may_change = is_admin | (period_open & ((is_hq & ~approved) | (answers_for & editable_by_section)))
may_submit = is_admin | (period_open & (is_hq | answers_for) & editable_by_section)
may_review = is_admin | (period_open & is_hq)

# The entries' permissions (view, change, submit, review) are set for each document when it
# registers with the workflow (reporting/workflow.py).
rules.add_perm("reporting.manage_period", is_admin | is_hq)
rules.add_perm("reporting.review_entries", is_admin | is_hq)


def denial_reason(user, entry):
    """Why a write was refused, in the user's words."""
    if entry.period.is_closed:
        return "締切済みの期間の報告は変更できません。"
    if entry.state == EntryState.APPROVED:
        return "承認済みの報告は変更できません（推進本部が差戻すと編集できます）。"
    if not (is_hq(user) or answers_for(user, entry)):
        return "この行は担当の課・部の利用者と推進本部だけが変更できます。"
    if entry.state == EntryState.SUBMITTED and not is_hq(user):
        return "提出済みの報告は推進本部の確認中のため変更できません。"
    return "この操作を行う権限がありません。"
