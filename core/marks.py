"""How the documents number and mark things: ①②…, ア イ ウ…, (ｱ)(ｲ)…, 【再掲】."""

CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# Policies are lettered ア イ ウ… and actions (ｱ)(ｲ)(ｳ)… in gojūon order.
GOJUON = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
GOJUON_HALF = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜ"
REPOST_MARK = "【再掲】"


def with_repost_mark(text):
    """How the documents and pages repeat a text under 【再掲】: the mark right after the text."""
    return f"{text}{REPOST_MARK}"


def circled(number):
    """取組番号 and 提言 numbers as printed: ①, ②, …"""
    if 1 <= number <= len(CIRCLED_NUMBERS):
        return CIRCLED_NUMBERS[number - 1]
    return f"({number})"


def policy_letter(number):
    # Past the kana (never in a real document), the number itself keeps rows apart.
    return GOJUON[number - 1] if number <= len(GOJUON) else f"〔{number}〕"


def action_letter(number):
    return f"({GOJUON_HALF[number - 1]})" if number <= len(GOJUON_HALF) else f"({number})"


def circled_sql(number):
    """circled() in SQL, of the SQL integer `number`."""
    return (
        f"CASE WHEN {number} BETWEEN 1 AND {len(CIRCLED_NUMBERS)}"
        f" THEN substr('{CIRCLED_NUMBERS}', {number}, 1) ELSE '(' || {number} || ')' END"
    )


def policy_letter_sql(number):
    """policy_letter() in SQL, of the SQL integer `number` (≥ 1, as the tables hold them)."""
    return (
        f"CASE WHEN {number} <= {len(GOJUON)} THEN substr('{GOJUON}', {number}, 1)"
        f" ELSE '〔' || {number} || '〕' END"
    )
