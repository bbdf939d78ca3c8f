from django.db import migrations

# The list filters' choice lists (reporting/choices.py), as PostgreSQL wrote them: kept here per
# statement (`key`: its md5) and written again by the statement itself whenever a table they
# come from changes, in the same transaction; the rows are made after each migrate (post_migrate,
# reporting/apps.py). Labelled and rendered on every list request that the cache could not
# answer, ten times the policies and departments cost the 資料2 list a tenth of its time.
CHOICE_TABLES = [
    "departments_jobcategory",
    "departments_organization",
    "initiatives_category",
    "initiatives_initiative_sections",
    "initiatives_subclass",
    "recommendations_action_departments",
    "recommendations_chapter",
    "recommendations_policy",
    "recommendations_recommendation",
    "recommendations_verificationreport",
]

CREATE = """
CREATE TABLE portal_filterchoices (
    key text PRIMARY KEY,
    statement text NOT NULL,
    lists text[] NOT NULL
);

CREATE FUNCTION portal_write_filter_choices() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    kept record;
BEGIN
    -- One writer at a time, until it commits: each statement below takes its own snapshot, so
    -- a transaction that waited here reads the changes of the one it waited for.
    PERFORM pg_advisory_xact_lock(hashtext('portal_filterchoices'));
    FOR kept IN SELECT key, statement FROM portal_filterchoices LOOP
        EXECUTE format('UPDATE portal_filterchoices SET lists = (%s) WHERE key = $1', kept.statement)
        USING kept.key;
    END LOOP;
    RETURN NULL;
END
$$;
"""

DROP = """
DROP FUNCTION portal_write_filter_choices();
DROP TABLE portal_filterchoices;
"""


def trigger(table):
    return migrations.RunSQL(
        f"CREATE TRIGGER portal_filter_choices"
        f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION portal_write_filter_choices();",
        f"DROP TRIGGER portal_filter_choices ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_list_revisions_by_category_and_chapter")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        *(trigger(table) for table in CHOICE_TABLES),
    ]
