from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

HQ_GROUP = "推進本部"
SECTION_HEAD_GROUP = "課長"


class User(AbstractUser):
    employee_number = models.CharField(
        "職員番号",
        max_length=20,
        blank=True,
        help_text="人事の職員名簿の番号。名簿の取込みはこの番号で利用者を見分けます。",
    )
    organizations = models.ManyToManyField(
        "departments.Organization",
        verbose_name="所属（課・部）",
        blank=True,
        related_name="members",
        help_text="この利用者が担当として入力する課・部。",
    )
    transferred_on = models.DateField("異動日", null=True, blank=True)
    # Sections and role are part of each record, so the history says who belonged where when.
    # Logging in does not make a record (accounts/apps.py); the password never enters it.
    history = HistoricalRecords(
        m2m_fields=[organizations, "groups"], excluded_fields=["password", "last_login"]
    )

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_number"],
                condition=~Q(employee_number=""),
                name="user_unique_employee_number",
            ),
        ]
