import datetime

import pytest

from core.wareki import era_month_label, fiscal_year_label, month_label, number_label
from reporting.models import ReportingPeriod


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2023, 9, 30), "令和５年９月"),
        (datetime.date(2023, 10, 1), "令和５年10月"),
        (datetime.date(2019, 5, 1), "令和元年５月"),
        (datetime.date(2019, 4, 30), "平成31年４月"),
        (datetime.date(2030, 12, 1), "令和12年12月"),
    ],
)
def test_era_month_label(date, expected):
    assert era_month_label(date) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        (datetime.date(2023, 9, 30), "令和５年度"),
        (datetime.date(2024, 3, 31), "令和５年度"),
        (datetime.date(2019, 4, 1), "令和元年度"),
        (datetime.date(2019, 3, 31), "平成30年度"),
    ],
)
def test_fiscal_year_label(date, expected):
    assert fiscal_year_label(date) == expected


def test_numbers_are_written_as_the_documents_do():
    assert [number_label(n) for n in (1, 9, 10, 31)] == ["１", "９", "10", "31"]
    assert month_label(datetime.date(2023, 4, 1)) == "４月"


def test_period_column_headings_follow_its_months():
    period = ReportingPeriod(
        results_until=datetime.date(2024, 3, 31), plans_from=datetime.date(2024, 4, 1)
    )
    assert (period.results_label, period.plans_label) == ("３月までの取組", "４月以降の取組")


def test_a_moment_is_written_in_the_era_in_tokyo_time():
    from shell.templatetags.portal_tags import era_datetime

    moment = datetime.datetime(2023, 9, 3, 5, 5, tzinfo=datetime.UTC)  # 14:05 in Tokyo
    assert era_datetime(moment) == "令和５年９月３日 14:05"
    assert era_datetime(None) == ""
