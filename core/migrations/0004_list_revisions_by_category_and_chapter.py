import importlib

from django.db import migrations

# A list that the HQ filters by category (資料3) or chapter (資料2) without restricting it to
# some organisations was keyed by its whole period ('…:<period>:*'): in deadline week every save
# anywhere retired it. Saves now also bump '<app>:<period>:category-<id>' for the categories
# (資料3) and 'recommendations:<period>:chapter-<id>' for the chapters (資料2) their rows show
# in, 【再掲】 rows included (a repost shows its original's text under its own category or
# chapter), and such a list is keyed by those (ListRevision.of_list).
LIST_REVISIONS = importlib.import_module("core.migrations.0002_list_revisions")


def _function(sql, name):
    """The CREATE FUNCTION statement of `name` in `sql`, as CREATE OR REPLACE."""
    start = sql.index(f"CREATE FUNCTION {name}(")
    end = sql.index("$$;", sql.index("$$", start) + 2) + 3
    return sql[start:end].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


OLD = [
    _function(LIST_REVISIONS.FUNCTIONS, "portal_bump_progressentry_revisions"),
    _function(LIST_REVISIONS.FUNCTIONS, "portal_bump_report_revisions"),
]

NEW = [
    """
CREATE OR REPLACE FUNCTION portal_bump_progressentry_revisions() RETURNS trigger
LANGUAGE plpgsql AS $$
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
        UNION
        SELECT 'initiatives:' || s.period_id || ':category-' || i.category_id
        FROM shown s JOIN initiatives_initiative i ON i.id = s.initiative_id
    ));
    RETURN NULL;
END
$$;""",
    """
CREATE OR REPLACE FUNCTION portal_bump_report_revisions(periods bigint[], actions bigint[])
RETURNS void LANGUAGE sql AS $$
    SELECT portal_bump_list_revisions(ARRAY(
        WITH changed AS (
            SELECT DISTINCT period_id, action_id
            FROM unnest(periods, actions) AS c(period_id, action_id)
            WHERE period_id IS NOT NULL
        ), placed AS (
            SELECT c.period_id, a.policy_id FROM changed c
            JOIN recommendations_action a ON a.id = c.action_id
            UNION
            SELECT c.period_id, a.policy_id FROM changed c
            JOIN recommendations_action a ON a.repost_of_id = c.action_id
        )
        SELECT 'recommendations:' || period_id || ':*' FROM changed
        UNION
        SELECT 'recommendations:' || c.period_id || ':' || d.organization_id
        FROM changed c JOIN recommendations_action_departments d ON d.action_id = c.action_id
        UNION
        SELECT 'recommendations:' || p.period_id || ':chapter-' || policy.chapter_id
        FROM placed p JOIN recommendations_policy policy ON policy.id = p.policy_id
    ));
$$;""",
]


class Migration(migrations.Migration):
    dependencies = [("portal", "0003_memberships_out_of_master_revision")]

    operations = [migrations.RunSQL(new, old) for new, old in zip(NEW, OLD, strict=True)]
