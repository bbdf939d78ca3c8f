"""Every connection plans for data held in memory and keeps a prepared statement's plan;
DB_PLANNER_SETTINGS changes or (empty) drops those settings."""

import runpy
from pathlib import Path

import pytest
from django.db import connection

import vision_portal.settings

pytestmark = pytest.mark.django_db

BASE = Path(vision_portal.settings.__file__).with_name("base.py")


def shown(name):
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_a_connection_reads_by_index_as_cheaply_as_in_sequence_and_reuses_generic_plans():
    assert float(shown("random_page_cost")) == pytest.approx(1.1)
    assert shown("plan_cache_mode") == "force_generic_plan"


def settings_with(monkeypatch, value):
    monkeypatch.setenv("DB_PLANNER_SETTINGS", value)
    return runpy.run_path(str(BASE))["DATABASES"]["default"]["OPTIONS"]


def test_the_planner_settings_can_be_changed_or_left_to_the_server(monkeypatch):
    assert settings_with(monkeypatch, "random_page_cost=2 work_mem=8MB")["options"] == (
        "-c random_page_cost=2 -c work_mem=8MB"
    )
    assert "options" not in settings_with(monkeypatch, "")
    assert "options" not in settings_with(monkeypatch, "  ")
