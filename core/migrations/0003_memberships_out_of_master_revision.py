from django.db import migrations

# Memberships are read by a list only for 自分の担当分, whose cache key names the user's
# organisations themselves (ListRevision.of_list): a change of memberships (a new user, a
# transfer) changes that user's key and need not retire every list in the cache, as the
# master revision did.
TABLE = "accounts_user_organizations"


class Migration(migrations.Migration):
    dependencies = [("portal", "0002_list_revisions")]

    operations = [
        migrations.RunSQL(
            f"DROP TRIGGER portal_list_revision ON {TABLE};",
            f"CREATE TRIGGER portal_list_revision"
            f" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {TABLE}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_master_revision();",
        )
    ]
