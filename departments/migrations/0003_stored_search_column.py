from django.db import migrations

from core.search import search_column_sql


class Migration(migrations.Migration):
    """The folded label the 資料3 keyword search reads (core/search.py), kept by PostgreSQL."""

    dependencies = [
        ("departments", "0002_organization_retired_on"),
    ]

    operations = [
        migrations.RunSQL(*search_column_sql("departments_organization", "label")),
    ]
