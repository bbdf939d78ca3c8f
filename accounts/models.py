from django.contrib.auth.models import AbstractUser
from django.db import models

HQ_GROUP = "推進本部"


class User(AbstractUser):
    organizations = models.ManyToManyField(
        "departments.Organization",
        verbose_name="所属（課・部）",
        blank=True,
        related_name="members",
        help_text="この利用者が担当として入力する課・部。",
    )

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
        ordering = ["username"]
