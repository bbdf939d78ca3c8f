"""How the documents number and mark things: ①②…, ア イ ウ…, (ｱ)(ｲ)…, 【再掲】."""

CIRCLED_NUMBERS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
# Policies are lettered ア イ ウ… and actions (ｱ)(ｲ)(ｳ)… in gojūon order.
GOJUON = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ"
GOJUON_HALF = "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜ"
REPOST_MARK = "【再掲】"


def circled(number):
    """取組番号 and 提言 numbers as printed: ①, ②, …"""
    if 1 <= number <= len(CIRCLED_NUMBERS):
        return CIRCLED_NUMBERS[number - 1]
    return f"({number})"


def policy_letter(number):
    return GOJUON[number - 1]


def action_letter(number):
    return f"({GOJUON_HALF[number - 1]})"
