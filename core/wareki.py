"""Japanese era dates as the committee documents write them: 令和５年９月, 令和元年, 10月."""

import datetime

# (first day, era name), newest first.
ERAS = [
    (datetime.date(2019, 5, 1), "令和"),
    (datetime.date(1989, 1, 8), "平成"),
    (datetime.date(1926, 12, 25), "昭和"),
]

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def number_label(value):
    """The documents write one-digit numbers full-width (９月) and longer ones half-width (10月)."""
    text = str(value)
    return text.translate(_FULL_WIDTH) if len(text) == 1 else text


def number_label_sql(number):
    """number_label() in SQL, of the SQL integer `number`."""
    return (
        f"CASE WHEN {number} BETWEEN 0 AND 9"
        f" THEN translate({number}::text, '0123456789', '０１２３４５６７８９')"
        f" ELSE {number}::text END"
    )


def era_year(date):
    """(era, year in era) for a date, e.g. (令和, 5) for 2023-09-30."""
    for start, era in ERAS:
        if date >= start:
            return era, date.year - start.year + 1
    raise ValueError(f"{date} は対応していない元号の日付です。")


def era_year_label(date):
    era, year = era_year(date)
    return f"{era}{'元' if year == 1 else number_label(year)}年"


def month_label(date):
    return f"{number_label(date.month)}月"


def era_month_label(date):
    """令和５年９月."""
    return f"{era_year_label(date)}{month_label(date)}"


def era_date_label(date):
    """令和５年９月３日."""
    return f"{era_year_label(date)}{month_label(date)}{number_label(date.day)}日"


def fiscal_year_label(date):
    """令和５年度. The fiscal year runs April to March and is named by the era in force at its
    end of calendar year: April 2019 to March 2020 is 令和元年度, although it began in 平成31年."""
    fiscal_year = date.year if date.month >= 4 else date.year - 1
    return f"{era_year_label(datetime.date(fiscal_year, 12, 31))}度"
