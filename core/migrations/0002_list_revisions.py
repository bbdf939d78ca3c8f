from django.db import migrations, models

# Revisions finer than the data revision, for the cached lists: one for the master data
# ('master': everything but the per-period rows) and, for each document's per-period rows, one
# per period and organisation that answers for them ('initiatives:<period>:<section>',
# 'recommendations:<period>:<department>') and one per period ('…:<period>:*'). A list is keyed
# by the revisions of the period and organisations it shows, so that in deadline week one
# section's saves leave the other sections' lists in the cache.
#
# The numbers come from the data revision's sequence: one is never reused, even after a
# rollback. Each statement's triggers run after portal_data_revision's (triggers fire in name
# order), whose row lock already orders the writers: the finer rows add no lock cycle.
# Every table of core.models.REVISED_APPS and REVISED_EXTRA_TABLES but the per-period rows.
MASTER_TABLES = [
    "accounts_user_organizations",
    "departments_jobcategory",
    "departments_organization",
    "initiatives_category",
    "initiatives_initiative",
    "initiatives_initiative_sections",
    "initiatives_subclass",
    "recommendations_action",
    "recommendations_action_departments",
    "recommendations_chapter",
    "recommendations_policy",
    "recommendations_policy_recommendations",
    "recommendations_recommendation",
    "recommendations_verificationreport",
    "reporting_reportingperiod",
]
FUNCTIONS = """
CREATE FUNCTION portal_bump_list_revisions(keys text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO portal_listrevision (key, number)
    SELECT key, nextval('portal_datarevision_number_seq')
    FROM (SELECT DISTINCT unnest(keys) AS key) AS distinct_keys
    ON CONFLICT (key) DO UPDATE SET number = excluded.number;
$$;

CREATE FUNCTION portal_bump_master_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM portal_bump_list_revisions(ARRAY['master']);
    RETURN NULL;
END
$$;

-- 資料3: the changed entries' periods, and the sections of their initiatives and of the
-- initiatives that repeat them as 【再掲】 (those rows show the original's results).
CREATE FUNCTION portal_bump_progressentry_revisions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    periods bigint[] := '{}';
    initiatives bigint[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT periods || array_agg(period_id), initiatives || array_agg(initiative_id)
        INTO periods, initiatives FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT periods || array_agg(period_id), initiatives || array_agg(initiative_id)
        INTO periods, initiatives FROM old_rows;
    END IF;
    PERFORM portal_bump_list_revisions(ARRAY(
        WITH changed AS (
            SELECT DISTINCT period_id, initiative_id
            FROM unnest(periods, initiatives) AS c(period_id, initiative_id)
            WHERE period_id IS NOT NULL
        ), shown AS (
            SELECT period_id, initiative_id FROM changed
            UNION
            SELECT c.period_id, i.id FROM changed c
            JOIN initiatives_initiative i ON i.repost_of_id = c.initiative_id
        )
        SELECT 'initiatives:' || period_id || ':*' FROM changed
        UNION
        SELECT 'initiatives:' || s.period_id || ':' || t.organization_id
        FROM shown s JOIN initiatives_initiative_sections t ON t.initiative_id = s.initiative_id
    ));
    RETURN NULL;
END
$$;

-- 資料2: the periods of the changed reports, and the departments of their actions.
CREATE FUNCTION portal_bump_report_revisions(periods bigint[], actions bigint[])
RETURNS void LANGUAGE sql AS $$
    SELECT portal_bump_list_revisions(ARRAY(
        WITH changed AS (
            SELECT DISTINCT period_id, action_id
            FROM unnest(periods, actions) AS c(period_id, action_id)
            WHERE period_id IS NOT NULL
        )
        SELECT 'recommendations:' || period_id || ':*' FROM changed
        UNION
        SELECT 'recommendations:' || c.period_id || ':' || d.organization_id
        FROM changed c JOIN recommendations_action_departments d ON d.action_id = c.action_id
    ));
$$;

CREATE FUNCTION portal_bump_actionreport_revisions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    periods bigint[] := '{}';
    actions bigint[] := '{}';
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT periods || array_agg(period_id), actions || array_agg(action_id)
        INTO periods, actions FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT periods || array_agg(period_id), actions || array_agg(action_id)
        INTO periods, actions FROM old_rows;
    END IF;
    PERFORM portal_bump_report_revisions(periods, actions);
    RETURN NULL;
END
$$;

CREATE FUNCTION portal_bump_status_revisions() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    reports bigint[] := '{}';
    periods bigint[];
    actions bigint[];
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT reports || array_agg(report_id) INTO reports FROM new_rows;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT reports || array_agg(report_id) INTO reports FROM old_rows;
    END IF;
    SELECT array_agg(period_id), array_agg(action_id) INTO periods, actions
    FROM recommendations_actionreport WHERE id = ANY(reports);
    PERFORM portal_bump_report_revisions(periods, actions);
    RETURN NULL;
END
$$;
"""
DROP_FUNCTIONS = """
DROP FUNCTION portal_bump_status_revisions();
DROP FUNCTION portal_bump_actionreport_revisions();
DROP FUNCTION portal_bump_report_revisions(bigint[], bigint[]);
DROP FUNCTION portal_bump_progressentry_revisions();
DROP FUNCTION portal_bump_master_revision();
DROP FUNCTION portal_bump_list_revisions(text[]);
"""


def master_trigger(table):
    return migrations.RunSQL(
        f"CREATE TRIGGER portal_list_revision"
        f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_master_revision();",
        f"DROP TRIGGER portal_list_revision ON {table};",
    )


def row_triggers(table, function):
    """Transition tables allow one event per trigger; a TRUNCATE (no rows to tell) counts as a
    change of the master data, which every list's key includes."""
    create = [
        f"CREATE TRIGGER portal_list_revision_insert AFTER INSERT ON {table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER portal_list_revision_update AFTER UPDATE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER portal_list_revision_delete AFTER DELETE ON {table}"
        f" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
        f"CREATE TRIGGER portal_list_revision_truncate AFTER TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_master_revision();",
    ]
    drop = [
        f"DROP TRIGGER portal_list_revision_{event} ON {table};"
        for event in ("insert", "update", "delete", "truncate")
    ]
    return migrations.RunSQL(create, drop)


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_data_revision")]

    operations = [
        migrations.CreateModel(
            name="ListRevision",
            fields=[
                (
                    "key",
                    models.CharField(
                        max_length=100, primary_key=True, serialize=False, verbose_name="キー"
                    ),
                ),
                ("number", models.BigIntegerField(verbose_name="リビジョン")),
            ],
            options={"verbose_name": "一覧のリビジョン"},
        ),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        *(master_trigger(table) for table in MASTER_TABLES),
        row_triggers("initiatives_progressentry", "portal_bump_progressentry_revisions"),
        row_triggers("recommendations_actionreport", "portal_bump_actionreport_revisions"),
        row_triggers("recommendations_implementationstatus", "portal_bump_status_revisions"),
    ]
