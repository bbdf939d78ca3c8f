from django.db import migrations

SECTION_HEAD_GROUP = "課長"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=SECTION_HEAD_GROUP)


class Migration(migrations.Migration):
    """The 課長 (section head) role, beside 推進本部 (0003); both are managed on 利用者管理."""

    dependencies = [("accounts", "0004_user_history")]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
