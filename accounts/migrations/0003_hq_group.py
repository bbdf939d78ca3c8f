from django.db import migrations

HQ_GROUP = "推進本部"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=HQ_GROUP)


class Migration(migrations.Migration):
    """The 推進本部 (HQ) role exists in every installation; membership is managed in the admin."""

    dependencies = [
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
