from django.db import migrations

# The dashboard's counts for everyone, kept by PostgreSQL so that reading them costs the same
# however many entries a period has (the counts of the current period grew with its entries):
#
# - dashboard_trackertally: entries per period, document and section or department, a column
#   per state (the tracker, for everyone and for a scope alike: an entry counts once under each
#   of its sections, as the tracker shows it), with the organisation's order and name copied,
#   so that an index gives the tracker's first rows in its order without counting them all;
# - dashboard_matrixtally: 資料3 entries per period, category, job category and state (the
#   matrix for everyone; a scoped matrix counts an entry once however many of its sections are
#   in scope, which no per-section tally can tell, so it still counts live, over a small scope);
# - dashboard_classificationtally: 資料2 original actions per chapter (where they stand and
#   where they are listed again as 【再掲】, once per chapter), per department and in all, a row
#   for every period: how many actions (an action without a report in the period counts too)
#   and how many of them have a paragraph of each 区分 (the letters kept on the reports,
#   recommendations migration 0007). Period 0 holds the actions alone (a new period's rows
#   start from them); a department's rows copy its order and name, so that an index gives the
#   dashboard its departments with the most actions still to consider first;
#
# Not models: nothing in Django writes them, and rows whose counts fell to 0 may stay (the
# dashboard reads only counts above 0).
#
# Writes of entries and reports (the busy ones, thousands in one statement for an import) add
# and subtract what they change (upserts); changes of the master data (an initiative's
# sections, its category, an action's departments, its policy or 【再掲】, a policy's chapter)
# count the sections, categories, chapters and departments they touch again, every period. A
# TRUNCATE counts everything again. Statement-level triggers with transition tables, named
# after portal_data_revision's (triggers fire in name order), whose row lock orders every
# writer: a trigger reads the other tables once the writer before it has committed, so two
# writers at once never lose a count.
LETTERS = "ABCD"
# reporting.models.EntryState, as this migration found it; outstanding: neither submitted nor
# approved (the tracker's order).
STATES = ("not_started", "draft", "submitted", "returned", "approved")
OUTSTANDING = ("not_started", "draft", "returned")


def state_sums(sign=None):
    """A column per state: the rows in that state (times `sign`)."""
    counted = f"c.{sign}" if sign else "1"
    return ", ".join(
        f"COALESCE(SUM({counted}) FILTER (WHERE c.state = '{state}'), 0)" for state in STATES
    )


STATE_COLUMNS = ", ".join(STATES)
ADD_STATES = ", ".join(f"{state} = t.{state} + excluded.{state}" for state in STATES)
# A report whose letters alone changed moves no state.
STATES_MOVED = " OR ".join(
    f"COALESCE(SUM(c.sign) FILTER (WHERE c.state = '{state}'), 0) <> 0" for state in STATES
)


def letter_sums(column, sign=None, names=False):
    factor = f"{sign} * " if sign else ""
    return ", ".join(
        f"SUM({factor}(strpos({column}, '{x}') > 0)::int)" + (f" AS {x.lower()}" if names else "")
        for x in LETTERS
    )


TABLES = f"""
CREATE TABLE dashboard_trackertally (
    period_id bigint NOT NULL,
    document text NOT NULL,
    organization_id bigint NOT NULL,
    {", ".join(f"{state} integer NOT NULL" for state in STATES)},
    entries integer GENERATED ALWAYS AS ({" + ".join(STATES)}) STORED,
    outstanding integer GENERATED ALWAYS AS ({" + ".join(OUTSTANDING)}) STORED,
    sort_order integer NOT NULL,
    label text NOT NULL,
    PRIMARY KEY (period_id, document, organization_id)
);
CREATE INDEX dashboard_trackertally_organization ON dashboard_trackertally (organization_id);
CREATE INDEX dashboard_trackertally_order ON dashboard_trackertally
    (period_id, outstanding DESC, (document = '資料2'), sort_order, label, organization_id)
    WHERE entries > 0;
CREATE TABLE dashboard_matrixtally (
    period_id bigint NOT NULL,
    category_id bigint NOT NULL,
    job_category_id bigint NOT NULL,
    state text NOT NULL,
    entries integer NOT NULL,
    PRIMARY KEY (period_id, category_id, job_category_id, state)
);
CREATE INDEX dashboard_matrixtally_category ON dashboard_matrixtally (category_id);
CREATE TABLE dashboard_classificationtally (
    period_id bigint NOT NULL,
    kind text NOT NULL,
    key_id bigint NOT NULL,
    actions integer NOT NULL,
    a integer NOT NULL,
    b integer NOT NULL,
    c integer NOT NULL,
    d integer NOT NULL,
    sort_order integer,
    label text,
    PRIMARY KEY (period_id, kind, key_id)
);
CREATE INDEX dashboard_classificationtally_key ON dashboard_classificationtally (kind, key_id);
CREATE INDEX dashboard_classificationtally_departments ON dashboard_classificationtally
    (period_id, (c + d) DESC, actions DESC, sort_order, (label COLLATE "C"), key_id)
    WHERE kind = 'department' AND actions > 0;
"""

# Counting again: NULL for every section, category, chapter or department.
COUNT_FUNCTIONS = f"""
CREATE FUNCTION dashboard_count_tracker(orgs bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM dashboard_trackertally WHERE orgs IS NULL OR organization_id = ANY(orgs);
    INSERT INTO dashboard_trackertally
        (period_id, document, organization_id, {STATE_COLUMNS}, sort_order, label)
    SELECT c.period_id, c.document, o.id, {state_sums()}, o.sort_order, o.label
    FROM (
        SELECT e.period_id, '資料3' AS document, t.organization_id, e.state::text AS state
        FROM initiatives_progressentry e
        JOIN initiatives_initiative_sections t ON t.initiative_id = e.initiative_id
        WHERE orgs IS NULL OR t.organization_id = ANY(orgs)
        UNION ALL
        SELECT e.period_id, '資料2', t.organization_id, e.state
        FROM recommendations_actionreport e
        JOIN recommendations_action_departments t ON t.action_id = e.action_id
        WHERE orgs IS NULL OR t.organization_id = ANY(orgs)
    ) c
    JOIN departments_organization o ON o.id = c.organization_id
    GROUP BY c.period_id, c.document, o.id;
$$;

CREATE FUNCTION dashboard_count_matrix(categories bigint[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM dashboard_matrixtally
    WHERE categories IS NULL OR category_id = ANY(categories);
    INSERT INTO dashboard_matrixtally (period_id, category_id, job_category_id, state, entries)
    SELECT e.period_id, i.category_id, i.job_category_id, e.state, COUNT(*)
    FROM initiatives_progressentry e
    JOIN initiatives_initiative i ON i.id = e.initiative_id
    WHERE categories IS NULL OR i.category_id = ANY(categories)
    GROUP BY e.period_id, i.category_id, i.job_category_id, e.state;
$$;

CREATE FUNCTION dashboard_count_classifications(chapters bigint[], orgs bigint[], total boolean)
RETURNS void LANGUAGE sql AS $$
    DELETE FROM dashboard_classificationtally
    WHERE (kind = 'chapter' AND (chapters IS NULL OR key_id = ANY(chapters)))
       OR (kind = 'department' AND (orgs IS NULL OR key_id = ANY(orgs)))
       OR (kind = 'total' AND total);
    INSERT INTO dashboard_classificationtally
        (period_id, kind, key_id, actions, a, b, c, d, sort_order, label)
    WITH sources AS (
        SELECT DISTINCT COALESCE(repost_of_id, id) AS action_id FROM recommendations_action
    ), counted AS (
        SELECT DISTINCT 'chapter' AS kind, p.chapter_id AS key_id,
               COALESCE(a.repost_of_id, a.id) AS action_id
        FROM recommendations_action a
        JOIN recommendations_policy p ON p.id = a.policy_id
        WHERE chapters IS NULL OR p.chapter_id = ANY(chapters)
        UNION ALL
        SELECT 'department', d.organization_id, d.action_id
        FROM recommendations_action_departments d
        JOIN sources USING (action_id)
        WHERE orgs IS NULL OR d.organization_id = ANY(orgs)
        UNION ALL
        SELECT 'total', 0, action_id FROM sources WHERE total
    ), keys AS (
        SELECT kind, key_id, COUNT(*) AS actions FROM counted GROUP BY kind, key_id
    ), reported AS (
        SELECT r.period_id, c.kind, c.key_id,
               {letter_sums("r.classifications", names=True)}
        FROM counted c
        JOIN recommendations_actionreport r USING (action_id)
        GROUP BY r.period_id, c.kind, c.key_id
    )
    SELECT p.id, k.kind, k.key_id, k.actions,
           {", ".join(f"COALESCE(l.{x.lower()}, 0)" for x in LETTERS)}, o.sort_order, o.label
    FROM keys k
    CROSS JOIN (SELECT 0::bigint AS id UNION ALL SELECT id FROM reporting_reportingperiod) p
    LEFT JOIN reported l ON l.period_id = p.id AND l.kind = k.kind AND l.key_id = k.key_id
    LEFT JOIN departments_organization o ON k.kind = 'department' AND o.id = k.key_id;
$$;

CREATE FUNCTION dashboard_count_all() RETURNS void LANGUAGE sql AS $$
    SELECT dashboard_count_tracker(NULL);
    SELECT dashboard_count_matrix(NULL);
    SELECT dashboard_count_classifications(NULL, NULL, true);
$$;
"""

# Entries: what each statement's rows change, added and subtracted.
ENTRY_FUNCTION = f"""
CREATE FUNCTION dashboard_tally_progressentry() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    periods bigint[];
    initiatives bigint[];
    states text[];
    signs int[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(period_id), array_agg(initiative_id), array_agg(state::text),
               array_agg(1)
        INTO periods, initiatives, states, signs FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(period_id), array_agg(initiative_id), array_agg(state::text),
               array_agg(-1)
        INTO periods, initiatives, states, signs FROM old_rows;
    ELSE
        SELECT array_agg(c.period_id), array_agg(c.initiative_id), array_agg(c.state),
               array_agg(c.sign)
        INTO periods, initiatives, states, signs
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES
            (o.period_id, o.initiative_id, o.state::text, -1),
            (n.period_id, n.initiative_id, n.state::text, 1)
        ) AS c(period_id, initiative_id, state, sign)
        WHERE (o.period_id, o.initiative_id, o.state) IS DISTINCT FROM
              (n.period_id, n.initiative_id, n.state);
    END IF;
    IF periods IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO dashboard_trackertally AS t
        (period_id, document, organization_id, {STATE_COLUMNS}, sort_order, label)
    SELECT c.period_id, '資料3', o.id, {state_sums("sign")}, o.sort_order, o.label
    FROM unnest(periods, initiatives, states, signs) AS c(period_id, initiative_id, state, sign)
    JOIN initiatives_initiative_sections s ON s.initiative_id = c.initiative_id
    JOIN departments_organization o ON o.id = s.organization_id
    GROUP BY c.period_id, o.id
    ON CONFLICT (period_id, document, organization_id) DO UPDATE SET {ADD_STATES};
    INSERT INTO dashboard_matrixtally AS t
        (period_id, category_id, job_category_id, state, entries)
    SELECT c.period_id, i.category_id, i.job_category_id, c.state, SUM(c.sign)
    FROM unnest(periods, initiatives, states, signs) AS c(period_id, initiative_id, state, sign)
    JOIN initiatives_initiative i ON i.id = c.initiative_id
    GROUP BY c.period_id, i.category_id, i.job_category_id, c.state
    ON CONFLICT (period_id, category_id, job_category_id, state)
    DO UPDATE SET entries = t.entries + excluded.entries;
    RETURN NULL;
END
$$;
"""

# Reports: their state for the tracker, their letters (kept by recommendations 0007, which
# writes the report) for the 区分 counts of their original action.
REPORT_FUNCTION = f"""
CREATE FUNCTION dashboard_tally_actionreport() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    periods bigint[];
    action_ids bigint[];
    states text[];
    reported text[];
    signs int[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(period_id), array_agg(action_id), array_agg(state::text),
               array_agg(classifications), array_agg(1)
        INTO periods, action_ids, states, reported, signs FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(period_id), array_agg(action_id), array_agg(state::text),
               array_agg(classifications), array_agg(-1)
        INTO periods, action_ids, states, reported, signs FROM old_rows;
    ELSE
        SELECT array_agg(c.period_id), array_agg(c.action_id), array_agg(c.state),
               array_agg(c.letters), array_agg(c.sign)
        INTO periods, action_ids, states, reported, signs
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES
            (o.period_id, o.action_id, o.state::text, o.classifications, -1),
            (n.period_id, n.action_id, n.state::text, n.classifications, 1)
        ) AS c(period_id, action_id, state, letters, sign)
        WHERE (o.period_id, o.action_id, o.state, o.classifications) IS DISTINCT FROM
              (n.period_id, n.action_id, n.state, n.classifications);
    END IF;
    IF periods IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO dashboard_trackertally AS t
        (period_id, document, organization_id, {STATE_COLUMNS}, sort_order, label)
    SELECT c.period_id, '資料2', o.id, {state_sums("sign")}, o.sort_order, o.label
    FROM unnest(periods, action_ids, states, signs) AS c(period_id, action_id, state, sign)
    JOIN recommendations_action_departments d ON d.action_id = c.action_id
    JOIN departments_organization o ON o.id = d.organization_id
    GROUP BY c.period_id, o.id
    HAVING {STATES_MOVED}
    ON CONFLICT (period_id, document, organization_id) DO UPDATE SET {ADD_STATES};
    INSERT INTO dashboard_classificationtally AS t
        (period_id, kind, key_id, actions, a, b, c, d, sort_order, label)
    WITH changed AS (
        -- Only the reports of original actions count (an action that is no 【再掲】, or one
        -- listed again elsewhere).
        SELECT c.* FROM unnest(periods, action_ids, reported, signs)
            AS c(period_id, action_id, letters, sign)
        WHERE EXISTS (
            SELECT 1 FROM recommendations_action x
            WHERE (x.id = c.action_id AND x.repost_of_id IS NULL) OR x.repost_of_id = c.action_id
        )
    ), placed AS (
        SELECT DISTINCT p.chapter_id, COALESCE(a.repost_of_id, a.id) AS action_id
        FROM recommendations_action a
        JOIN recommendations_policy p ON p.id = a.policy_id
        WHERE (a.id = ANY(action_ids) OR a.repost_of_id = ANY(action_ids))
          AND COALESCE(a.repost_of_id, a.id) = ANY(action_ids)
    )
    -- The period's row is there (made with the period, or counted again with the master
    -- data); its actions and names are those of period 0 should it not be.
    SELECT n.period_id, n.kind, n.key_id, COALESCE(z.actions, 0), n.a, n.b, n.c, n.d,
           z.sort_order, z.label
    FROM (
        SELECT period_id, kind, key_id, {letter_sums("letters", "sign", names=True)}
        FROM (
            SELECT c.period_id, 'chapter' AS kind, placed.chapter_id AS key_id, c.sign,
                   c.letters
            FROM changed c JOIN placed USING (action_id)
            UNION ALL
            SELECT c.period_id, 'department', d.organization_id, c.sign, c.letters
            FROM changed c JOIN recommendations_action_departments d USING (action_id)
            UNION ALL
            SELECT c.period_id, 'total', 0, c.sign, c.letters FROM changed c
        ) counted
        GROUP BY period_id, kind, key_id
    ) n
    LEFT JOIN dashboard_classificationtally z
      ON z.period_id = 0 AND z.kind = n.kind AND z.key_id = n.key_id
    WHERE (n.a, n.b, n.c, n.d) <> (0, 0, 0, 0)
    ON CONFLICT (period_id, kind, key_id) DO UPDATE SET
        a = t.a + excluded.a, b = t.b + excluded.b, c = t.c + excluded.c, d = t.d + excluded.d;
    RETURN NULL;
END
$$;
"""

# The master data: what a change touches, counted again.
MASTER_FUNCTIONS = """
CREATE FUNCTION dashboard_tally_sections() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM dashboard_count_tracker(ARRAY(SELECT DISTINCT organization_id FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM dashboard_count_tracker(ARRAY(SELECT DISTINCT organization_id FROM old_rows));
    ELSE
        PERFORM dashboard_count_tracker(ARRAY(
            SELECT organization_id FROM old_rows UNION SELECT organization_id FROM new_rows
        ));
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION dashboard_tally_departments() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orgs bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        orgs := ARRAY(SELECT DISTINCT organization_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        orgs := ARRAY(SELECT DISTINCT organization_id FROM old_rows);
    ELSE
        orgs := ARRAY(SELECT organization_id FROM old_rows UNION SELECT organization_id FROM new_rows);
    END IF;
    PERFORM dashboard_count_tracker(orgs);
    PERFORM dashboard_count_classifications('{}', orgs, false);
    RETURN NULL;
END
$$;

CREATE FUNCTION dashboard_tally_initiative() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    categories bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
        RETURN NULL;
    END IF;
    categories := ARRAY(
        SELECT moved.category_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.category_id), (n.category_id)) AS moved(category_id)
        WHERE (o.category_id, o.job_category_id) IS DISTINCT FROM (n.category_id, n.job_category_id)
    );
    IF categories <> '{}' THEN
        PERFORM dashboard_count_matrix(categories);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION dashboard_tally_action() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    policies bigint[];
    touched bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(policy_id), array_agg(id) || array_agg(repost_of_id)
        INTO policies, touched FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(policy_id), array_agg(id) || array_agg(repost_of_id)
        INTO policies, touched FROM old_rows;
    ELSE
        SELECT array_agg(c.policy_id), array_agg(c.id) || array_agg(c.repost_of_id)
        INTO policies, touched
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES
            (o.id, o.policy_id, o.repost_of_id), (n.id, n.policy_id, n.repost_of_id)
        ) AS c(id, policy_id, repost_of_id)
        WHERE (o.policy_id, o.repost_of_id) IS DISTINCT FROM (n.policy_id, n.repost_of_id);
    END IF;
    IF policies IS NULL THEN
        RETURN NULL;
    END IF;
    -- Where the actions stand, and the departments of every action whose being an original
    -- may have changed (the action and the ones it was or is listed again from).
    PERFORM dashboard_count_classifications(
        ARRAY(SELECT DISTINCT chapter_id FROM recommendations_policy WHERE id = ANY(policies)),
        ARRAY(SELECT DISTINCT organization_id FROM recommendations_action_departments
              WHERE action_id = ANY(touched)),
        true
    );
    RETURN NULL;
END
$$;

CREATE FUNCTION dashboard_tally_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE dashboard_trackertally t SET sort_order = n.sort_order, label = n.label
        FROM new_rows n
        WHERE t.organization_id = n.id
          AND (t.sort_order, t.label) IS DISTINCT FROM (n.sort_order, n.label);
        UPDATE dashboard_classificationtally t SET sort_order = n.sort_order, label = n.label
        FROM new_rows n
        WHERE t.kind = 'department' AND t.key_id = n.id
          AND (t.sort_order, t.label) IS DISTINCT FROM (n.sort_order, n.label);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION dashboard_tally_period() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- A new period's rows: the actions counted, none with a 区分 yet (its reports add theirs).
    IF TG_OP = 'INSERT' THEN
        INSERT INTO dashboard_classificationtally
            (period_id, kind, key_id, actions, a, b, c, d, sort_order, label)
        SELECT n.id, z.kind, z.key_id, z.actions, 0, 0, 0, 0, z.sort_order, z.label
        FROM new_rows n CROSS JOIN dashboard_classificationtally z
        WHERE z.period_id = 0
        ON CONFLICT DO NOTHING;
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM dashboard_classificationtally
        WHERE period_id IN (SELECT id FROM old_rows);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION dashboard_tally_policy() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    chapters bigint[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM dashboard_count_all();
        RETURN NULL;
    END IF;
    chapters := ARRAY(
        SELECT moved.chapter_id
        FROM old_rows o JOIN new_rows n ON n.id = o.id
        CROSS JOIN LATERAL (VALUES (o.chapter_id), (n.chapter_id)) AS moved(chapter_id)
        WHERE o.chapter_id IS DISTINCT FROM n.chapter_id
    );
    IF chapters <> '{}' THEN
        PERFORM dashboard_count_classifications(chapters, '{}', false);
    END IF;
    RETURN NULL;
END
$$;
"""


def triggers(table, function, events=("insert", "update", "delete")):
    """Transition tables allow one event per trigger; named after portal_data_revision's."""
    referencing = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
    }
    return [
        *(
            f"CREATE TRIGGER tally_dashboard_{event} AFTER {event.upper()} ON {table}"
            f" {referencing[event]} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            for event in events
        ),
        f"CREATE TRIGGER tally_dashboard_truncate AFTER TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
    ]


FUNCTIONS = {
    "initiatives_progressentry": ("dashboard_tally_progressentry", ("insert", "update", "delete")),
    "recommendations_actionreport": ("dashboard_tally_actionreport", ("insert", "update", "delete")),
    "initiatives_initiative_sections": ("dashboard_tally_sections", ("insert", "update", "delete")),
    "recommendations_action_departments": (
        "dashboard_tally_departments",
        ("insert", "update", "delete"),
    ),
    # Inserted without entries and deleted after them (their foreign keys): only a change of
    # category or job category moves counts.
    "initiatives_initiative": ("dashboard_tally_initiative", ("update",)),
    "recommendations_action": ("dashboard_tally_action", ("insert", "update", "delete")),
    "recommendations_policy": ("dashboard_tally_policy", ("update",)),
    # The organisations' order and names, copied for the tracker's and the departments' order.
    "departments_organization": ("dashboard_tally_organization", ("update",)),
    "reporting_reportingperiod": ("dashboard_tally_period", ("insert", "delete")),
}
FORWARD = [
    TABLES,
    COUNT_FUNCTIONS,
    ENTRY_FUNCTION,
    REPORT_FUNCTION,
    MASTER_FUNCTIONS,
    *(sql for table, (f, events) in FUNCTIONS.items() for sql in triggers(table, f, events)),
    "SELECT dashboard_count_all()",
]
BACKWARD = [
    *(f"DROP FUNCTION {function}() CASCADE" for function, _ in FUNCTIONS.values()),
    "DROP FUNCTION dashboard_count_all()",
    "DROP FUNCTION dashboard_count_classifications(bigint[], bigint[], boolean)",
    "DROP FUNCTION dashboard_count_matrix(bigint[])",
    "DROP FUNCTION dashboard_count_tracker(bigint[])",
    "DROP TABLE dashboard_trackertally, dashboard_matrixtally, dashboard_classificationtally",
]


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0003_stored_search_column"),
        ("initiatives", "0004_stored_search_columns"),
        ("portal", "0004_list_revisions_by_category_and_chapter"),
        ("recommendations", "0007_report_classifications"),
        ("reporting", "0002_period_meeting"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
