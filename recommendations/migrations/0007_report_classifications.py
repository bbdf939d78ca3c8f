from django.db import migrations

# Each report's 区分 as the dashboard counts them: `classifications`, the distinct letters of its
# paragraphs in order ('AC': paragraphs of 区分Ａ and Ｃ; '' without paragraphs), kept by
# PostgreSQL. The dashboard reads one row per report of the period instead of every paragraph,
# so its cost does not grow with the paragraphs.
#
# The model does not declare the column (as the stored search columns): the one writer saves
# the reports' declared fields and their history copies them, so a declared column could be
# written back as it was read, before the paragraphs changed.
#
# Statement-level triggers with transition tables: a flat import that writes thousands of
# paragraphs in one statement updates their reports in one statement. Only the reports whose
# letters change are written (a change of text alone writes none), and nothing at all when none
# change, so the reports' own triggers (the revisions) fire only when a report's letters moved.
# The letters are read after the row lock of portal_data_revision (core 0001; triggers fire in
# name order, 'portal_…' before 'report_…'), which orders every writer: a second writer of the
# same report's paragraphs reads them once the first has committed, never a stale set.
TABLE = "recommendations_implementationstatus"
FUNCTION = f"""
CREATE FUNCTION recommendations_report_classifications() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    changed bigint[];
    kept text[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE recommendations_actionreport SET classifications = ''
        WHERE classifications <> '';
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT report_id) INTO changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT report_id) INTO changed FROM old_rows;
    ELSE
        -- Both the report a paragraph left and the one it joined.
        SELECT array_agg(DISTINCT moved.report_id) INTO changed
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.report_id), (n.report_id)) AS moved(report_id)
        WHERE (o.report_id, o.classification) IS DISTINCT FROM (n.report_id, n.classification);
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(r.id ORDER BY r.id), array_agg(g.letters ORDER BY r.id)
    INTO changed, kept
    FROM recommendations_actionreport r
    CROSS JOIN LATERAL (
        SELECT COALESCE(string_agg(DISTINCT s.classification, '' ORDER BY s.classification), '')
        FROM {TABLE} s WHERE s.report_id = r.id
    ) AS g(letters)
    WHERE r.id = ANY(changed) AND r.classifications IS DISTINCT FROM g.letters;
    IF changed IS NOT NULL THEN
        UPDATE recommendations_actionreport r SET classifications = c.letters
        FROM unnest(changed, kept) AS c(id, letters)
        WHERE r.id = c.id;
    END IF;
    RETURN NULL;
END
$$;
"""
TRIGGERS = [
    f"CREATE TRIGGER report_classifications_insert AFTER INSERT ON {TABLE}"
    " REFERENCING NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION recommendations_report_classifications();",
    f"CREATE TRIGGER report_classifications_update AFTER UPDATE ON {TABLE}"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION recommendations_report_classifications();",
    f"CREATE TRIGGER report_classifications_delete AFTER DELETE ON {TABLE}"
    " REFERENCING OLD TABLE AS old_rows"
    " FOR EACH STATEMENT EXECUTE FUNCTION recommendations_report_classifications();",
    f"CREATE TRIGGER report_classifications_truncate AFTER TRUNCATE ON {TABLE}"
    " FOR EACH STATEMENT EXECUTE FUNCTION recommendations_report_classifications();",
]
FORWARD = [
    "ALTER TABLE recommendations_actionreport ADD COLUMN classifications text NOT NULL DEFAULT ''",
    f"""
    UPDATE recommendations_actionreport r SET classifications = c.letters
    FROM (
        SELECT report_id, string_agg(DISTINCT classification, '' ORDER BY classification)
        FROM {TABLE} GROUP BY report_id
    ) AS c(report_id, letters)
    WHERE r.id = c.report_id
    """,
    # The dashboard's reports of a period, with what it reads of them (index-only scans).
    "CREATE INDEX actionreport_period_classifications"
    " ON recommendations_actionreport (period_id) INCLUDE (action_id, classifications)",
    FUNCTION,
    *TRIGGERS,
]
BACKWARD = [
    "DROP FUNCTION recommendations_report_classifications() CASCADE",
    "ALTER TABLE recommendations_actionreport DROP COLUMN classifications",
]


class Migration(migrations.Migration):
    dependencies = [
        ("recommendations", "0006_stored_search_columns"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
