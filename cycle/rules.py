"""Who may write in a row's conversation and withdraw a submission (asked through
reporting/access.py like every other write)."""

import rules

from reporting.models import EntryState
from reporting.rules import ENTRY_MODELS, answers_for, is_admin, is_hq, period_open


@rules.predicate
def submitted(user, entry):
    return entry is not None and entry.state == EntryState.SUBMITTED


# The HQ and the row's sections talk while the period is open.
may_comment = is_admin | (period_open & (is_hq | answers_for))
# The section takes back its submission until the HQ acts on it.
may_withdraw = is_admin | (period_open & answers_for & submitted)

for label in ENTRY_MODELS:
    app_label, model_name = label.split(".")
    rules.add_perm(f"{app_label}.comment_{model_name}", may_comment)
    rules.add_perm(f"{app_label}.withdraw_{model_name}", may_withdraw)
