"""Who may write in a row's conversation and withdraw a submission (asked through
reporting/access.py like every other write)."""

import rules

from reporting.models import EntryState
from reporting.rules import answers_for, is_admin, is_hq, period_open
from reporting.workflow import on_register


@rules.predicate
def submitted(user, entry):
    return entry is not None and entry.state == EntryState.SUBMITTED


# The HQ and the row's sections talk while the period is open.
may_comment = is_admin | (period_open & (is_hq | answers_for))
# The section takes back its submission until the HQ acts on it.
may_withdraw = is_admin | (period_open & answers_for & submitted)


def _add_perms(document):
    opts = document.model._meta
    rules.set_perm(f"{opts.app_label}.comment_{opts.model_name}", may_comment)
    rules.set_perm(f"{opts.app_label}.withdraw_{opts.model_name}", may_withdraw)


# For each document registered with the workflow (reporting/workflow.py).
on_register(_add_perms)
