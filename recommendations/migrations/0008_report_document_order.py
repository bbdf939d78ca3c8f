from django.db import migrations

# Each report's place in the document, kept by PostgreSQL: `document_order`, its action's
# chapter, policy and own numbers in one bigint (chapter << 32 | policy << 16 | action; each
# number is a smallint, so below 2^15), which sorts as the three numbers do. The 資料2 list
# sorts by it and reads the numbers from it: sorting by the numbers joined every report of the
# period to its action, policy and chapter before keeping 50 (and counting them all), which
# grew with the rows of the period; now only the 50 kept are looked up. (An index on
# (period_id, document_order) goes unused: the rows are all counted, then sorted top-N.)
#
# The model does not declare the column (as `classifications`, 0007): no save writes it back.
#
# Statement-level triggers with transition tables. A new report, or one moved to another action,
# takes its action's key; a renumbered (or moved) action, policy or chapter rewrites the keys of
# its reports in every period. Only keys that differ are written, so the rewrite of a report by
# these triggers fires them once more to no effect; a key written by hand is put right.
#
# Order among writers: the keys are computed after the row lock of portal_data_revision (core
# 0001; triggers fire in name order, 'portal_…' before 'report_…'), which every writer takes, so
# they read what any earlier writer committed: a report added while its chapter is renumbered
# takes the new number, whichever commits first. A renumbering first locks the reports it will
# rewrite, in pk order as the services do, before that row lock ('document_order_lock' sorts
# before 'portal_…'): a save holding one of those reports and waiting for the row lock then
# finishes first instead of waiting for the renumbering in a lock cycle.
REPORTS = "recommendations_actionreport"
KEY = "(c.number::bigint << 32) | (p.number::bigint << 16) | a.number"
# The rows of the action, policy or chapter (the trigger's table) whose numbers or place changed
# (in each trigger function: a function it calls does not see its transition tables).
RENUMBERED = """
    IF TG_TABLE_NAME = 'recommendations_action' THEN
        SELECT array_agg(n.id) INTO changed FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.number, o.policy_id) IS DISTINCT FROM (n.number, n.policy_id);
    ELSIF TG_TABLE_NAME = 'recommendations_policy' THEN
        SELECT array_agg(n.id) INTO changed FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE (o.number, o.chapter_id) IS DISTINCT FROM (n.number, n.chapter_id);
    ELSE
        SELECT array_agg(n.id) INTO changed FROM old_rows o JOIN new_rows n ON n.id = o.id
        WHERE o.number IS DISTINCT FROM n.number;
    END IF;
"""
FUNCTIONS = f"""
-- The reports (every period's) of the actions, policies or chapters `changed`, or the reports
-- `changed` themselves, in pk order.
CREATE FUNCTION recommendations_reports_placed(changed bigint[], kind text) RETURNS bigint[]
LANGUAGE plpgsql STABLE AS $$
BEGIN
    IF kind = 'recommendations_action' THEN
        RETURN ARRAY(SELECT id FROM {REPORTS} WHERE action_id = ANY(changed) ORDER BY id);
    ELSIF kind = 'recommendations_policy' THEN
        RETURN ARRAY(
            SELECT r.id FROM {REPORTS} r JOIN recommendations_action a ON a.id = r.action_id
            WHERE a.policy_id = ANY(changed) ORDER BY r.id
        );
    ELSIF kind = 'recommendations_chapter' THEN
        RETURN ARRAY(
            SELECT r.id FROM {REPORTS} r JOIN recommendations_action a ON a.id = r.action_id
            JOIN recommendations_policy p ON p.id = a.policy_id
            WHERE p.chapter_id = ANY(changed) ORDER BY r.id
        );
    END IF;
    RETURN changed;
END
$$;

CREATE FUNCTION recommendations_lock_renumbered_reports() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
BEGIN
{RENUMBERED}
    IF changed IS NOT NULL THEN
        PERFORM 1 FROM {REPORTS}
        WHERE id = ANY(recommendations_reports_placed(changed, TG_TABLE_NAME))
        ORDER BY id FOR UPDATE;
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION recommendations_report_document_order() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
BEGIN
    IF TG_TABLE_NAME = '{REPORTS}' THEN
        IF TG_OP = 'INSERT' THEN
            SELECT array_agg(id) INTO changed FROM new_rows;
        ELSE
            SELECT array_agg(n.id) INTO changed FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.action_id, o.document_order) IS DISTINCT FROM (n.action_id, n.document_order);
        END IF;
    ELSE
{RENUMBERED}
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE {REPORTS} r SET document_order = k.key
    FROM (
        SELECT r.id, {KEY} FROM {REPORTS} r
        JOIN recommendations_action a ON a.id = r.action_id
        JOIN recommendations_policy p ON p.id = a.policy_id
        JOIN recommendations_chapter c ON c.id = p.chapter_id
        WHERE r.id = ANY(recommendations_reports_placed(changed, TG_TABLE_NAME))
    ) AS k(id, key)
    WHERE r.id = k.id AND r.document_order IS DISTINCT FROM k.key;
    RETURN NULL;
END
$$;
"""


def triggers(table, *, lock):
    operations = ["INSERT", "UPDATE"] if table == REPORTS else ["UPDATE"]
    made = []
    for operation in operations:
        referencing = "NEW TABLE AS new_rows"
        if operation == "UPDATE":
            referencing = "OLD TABLE AS old_rows " + referencing
        names = [("report_document_order", "recommendations_report_document_order")]
        if lock:
            names.insert(0, ("document_order_lock", "recommendations_lock_renumbered_reports"))
        for name, function in names:
            made.append(
                f"CREATE TRIGGER {name}_{operation.lower()} AFTER {operation} ON {table}"
                f" REFERENCING {referencing}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
    return made


FORWARD = [
    f"ALTER TABLE {REPORTS} ADD COLUMN document_order bigint NOT NULL DEFAULT 0",
    f"""
    UPDATE {REPORTS} r SET document_order = {KEY}
    FROM recommendations_action a
    JOIN recommendations_policy p ON p.id = a.policy_id
    JOIN recommendations_chapter c ON c.id = p.chapter_id
    WHERE a.id = r.action_id
    """,
    FUNCTIONS,
    *triggers(REPORTS, lock=False),
    *triggers("recommendations_action", lock=True),
    *triggers("recommendations_policy", lock=True),
    *triggers("recommendations_chapter", lock=True),
]
BACKWARD = [
    "DROP FUNCTION recommendations_report_document_order() CASCADE",
    "DROP FUNCTION recommendations_lock_renumbered_reports() CASCADE",
    "DROP FUNCTION recommendations_reports_placed(bigint[], text)",
    f"ALTER TABLE {REPORTS} DROP COLUMN document_order",
]


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0007_report_classifications"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
