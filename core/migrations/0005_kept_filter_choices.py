from django.db import migrations

# The list filters' choice lists (reporting/choices.py), as PostgreSQL wrote them: kept here per
# statement (`key`: its md5), written after each migrate (post_migrate, reporting/apps.py) and
# again by the statement itself whenever a table they come from changes, as that transaction
# commits. Labelled and rendered on every list request that the cache could not answer, ten times
# the policies and departments cost the 資料2 list a tenth of its time.
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
    lists text[] NOT NULL,
    -- Changed since written, in a transaction not yet committed: read as written now.
    stale boolean NOT NULL DEFAULT false
);

-- The first statement of a transaction that changes a table the lists read marks them stale
-- (the others find them so: one mark, one write, however many rows an import writes one by
-- one). A writer that comes second waits here for the first to commit.
CREATE FUNCTION portal_mark_filter_choices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE portal_filterchoices SET stale = true WHERE NOT stale;
    RETURN NULL;
END
$$;

-- As the transaction commits, each list marked stale is written again: by a statement of its
-- own, whose snapshot holds the transaction's changes and every one committed before it.
CREATE FUNCTION portal_write_filter_choices() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format(
        'UPDATE portal_filterchoices SET lists = (%s), stale = false WHERE key = $1',
        NEW.statement
    ) USING NEW.key;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER portal_filter_choices_write AFTER UPDATE ON portal_filterchoices
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.stale AND NOT OLD.stale)
EXECUTE FUNCTION portal_write_filter_choices();
"""

DROP = """
DROP TRIGGER portal_filter_choices_write ON portal_filterchoices;
DROP FUNCTION portal_write_filter_choices();
DROP FUNCTION portal_mark_filter_choices();
DROP TABLE portal_filterchoices;
"""


def trigger(table):
    return migrations.RunSQL(
        f"CREATE TRIGGER portal_filter_choices"
        f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION portal_mark_filter_choices();",
        f"DROP TRIGGER portal_filter_choices ON {table};",
    )


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_list_revisions_by_category_and_chapter")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        *(trigger(table) for table in CHOICE_TABLES),
    ]
