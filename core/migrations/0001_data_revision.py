from django.db import migrations, models

# Every table the list pages show (core.models.REVISED_APPS and REVISED_EXTRA_TABLES).
TABLES = [
    "accounts_user_organizations",
    "departments_jobcategory",
    "departments_organization",
    "initiatives_category",
    "initiatives_initiative",
    "initiatives_initiative_sections",
    "initiatives_progressentry",
    "initiatives_subclass",
    "recommendations_action",
    "recommendations_action_departments",
    "recommendations_actionreport",
    "recommendations_chapter",
    "recommendations_implementationstatus",
    "recommendations_policy",
    "recommendations_policy_recommendations",
    "recommendations_recommendation",
    "recommendations_verificationreport",
    "reporting_reportingperiod",
]

# Statement-level, so a bulk write of thousands of rows bumps the number once. The upsert
# brings the row back after a TRUNCATE of every table (Django's flush between live-server tests).
BUMP = """
CREATE SEQUENCE portal_datarevision_number_seq;
CREATE FUNCTION portal_bump_data_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portal_datarevision (id, number)
    VALUES (1, nextval('portal_datarevision_number_seq'))
    ON CONFLICT (id) DO UPDATE SET number = excluded.number;
    RETURN NULL;
END
$$;
INSERT INTO portal_datarevision (id, number) VALUES (1, nextval('portal_datarevision_number_seq'));
"""
UNBUMP = """
DROP FUNCTION portal_bump_data_revision() CASCADE;
DROP SEQUENCE portal_datarevision_number_seq;
"""


def trigger(table):
    return migrations.RunSQL(
        f"CREATE TRIGGER portal_data_revision"
        f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_revision();",
        f"DROP TRIGGER portal_data_revision ON {table};",
    )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0003_hq_group"),
        ("departments", "0001_initial"),
        ("reporting", "0001_initial"),
        ("initiatives", "0002_text_limits_and_search"),
        ("recommendations", "0003_number_without_upper_bound"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataRevision",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("number", models.BigIntegerField(verbose_name="リビジョン")),
            ],
            options={
                "verbose_name": "データのリビジョン",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(("id", 1)), name="one_data_revision")
                ],
            },
        ),
        migrations.RunSQL(BUMP, UNBUMP),
        *(trigger(table) for table in TABLES),
    ]
