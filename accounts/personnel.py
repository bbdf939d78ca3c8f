"""The personnel list (職員名簿) from the personnel section, as CSV (UTF-8 or CP932) or XLSX:
one row per member of staff with the columns below, found by their headings in any order (other
columns are ignored).

The import works in two steps inside one transaction: read and check every row against the
database (staff are found by 職員番号), and only when nothing is wrong write the changes through
accounts/services.py, with history under the importing user. Any error leaves the database
untouched. A dry run stops after the first step and shows what would happen.

Staff missing from the list are deactivated only when the caller asks for it (a complete list):
only accounts with a 職員番号 (local accounts without one, such as the administrator's, are not
staff on the list) and never an administrator or the importing user.
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts import access, services
from accounts.models import User
from accounts.roles import Role, with_roles
from departments.models import Organization
from flatfiles import safe_reader

COLUMN_NUMBER = "職員番号"
COLUMN_NAME = "氏名"
COLUMN_EMAIL = "メールアドレス"
COLUMN_ORGANIZATIONS = "所属"
COLUMN_ROLE = "役割"
COLUMN_DATE = "異動日"
COLUMNS = [
    COLUMN_NUMBER,
    COLUMN_NAME,
    COLUMN_EMAIL,
    COLUMN_ORGANIZATIONS,
    COLUMN_ROLE,
    COLUMN_DATE,
]
ROLE_NAMES = {label: Role(value) for value, label in Role.choices}
ROLE_LIST = "・".join(ROLE_NAMES)
# Several sections in one cell: 保）保護課、子）地域連携課 (also with ・ , ; or line breaks).
ORGANIZATION_SEPARATORS = re.compile(r"[、,，;；\n]+")
NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z-]{1,20}$")
MAX_ROWS = 20_000
NAME_LIMIT = 150
EMAIL_LIMIT = 254

NEW, MOVED, ROLE_CHANGED, DETAILS_CHANGED, REACTIVATED, UNCHANGED, DEACTIVATE = (
    "new",
    "moved",
    "role_changed",
    "details_changed",
    "reactivated",
    "unchanged",
    "deactivate",
)
KIND_LABELS = {
    NEW: "新規",
    MOVED: "異動（所属の変更）",
    ROLE_CHANGED: "役割の変更",
    DETAILS_CHANGED: "氏名・メールの変更",
    REACTIVATED: "再び有効にする",
    DEACTIVATE: "無効にする（名簿にない）",
    UNCHANGED: "変更なし",
}

# The whole file (the reader's own refusals say the rest).
EMPTY_FILE = safe_reader.EMPTY_FILE
NOT_READABLE = (
    "ファイルを読み込めません。"
    "CSV（UTF-8 または Shift_JIS）か Excel ブック（.xlsx）にしてください。"
)
TOO_MANY_ROWS = f"行が多すぎます（{MAX_ROWS} 行まで）。"
COLUMNS_MISSING = (
    "見出しに「{missing}」がありません。1行目に "
    + "・".join(COLUMNS)
    + " の見出しを置いてください（このファイルの見出し: 「{found}」）。"
)
COLUMN_TWICE = "見出し「{column}」が2列あります。"
NO_ROWS = "職員の行がありません。"
# One row.
NUMBER_MISSING = "職員番号がありません。"
NUMBER_BAD = "職員番号「{value}」は使えません（半角の英数字とハイフン、20文字まで）。"
NUMBER_TWICE = "職員番号「{value}」が2回あります（1回目は{first}行目）。"
NAME_MISSING = "氏名がありません。"
NAME_TOO_LONG = f"氏名が長すぎます（{{length}}文字。{NAME_LIMIT}文字まで）。"
EMAIL_MISSING = "メールアドレスがありません。"
EMAIL_BAD = "メールアドレス「{value}」の形が正しくありません。"
EMAIL_TWICE = "メールアドレス「{value}」が2回あります（1回目は{first}行目）。"
EMAIL_TAKEN = "メールアドレス「{value}」はほかの利用者（{user}）が使っています。"
ORGANIZATION_MISSING = "所属がありません（推進本部・管理者のほかは所属の課が必要です）。"
ORGANIZATION_UNKNOWN = (
    "所属「{value}」という課・部がありません。"
    "ポータルの表示どおり（例: 保）保護課）に書いてください。"
)
ORGANIZATION_RETIRED = "所属「{value}」は廃止された課・部です。新しい所属を書いてください。"
ROLE_MISSING = f"役割がありません。{ROLE_LIST} のいずれかを書いてください。"
ROLE_UNKNOWN = f"役割「{{value}}」は使えません。{ROLE_LIST} のいずれかを書いてください。"
ROLE_ADMIN_DENIED = "管理者の役割は管理者だけが設定できます。"
ADMIN_ACCOUNT_DENIED = "職員番号「{value}」は管理者の利用者です。管理者だけが変更できます。"
DATE_BAD = "異動日「{value}」を日付として読めません（例: 2026-04-01、2026/4/1、令和8年4月1日）。"
USERNAME_TAKEN = (
    "新しい利用者のユーザー名「{value}」（職員番号）は、職員番号のない別の利用者が使っています。"
    "その利用者に職員番号を登録してから取り込んでください。"
)


class PersonnelFileError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PersonnelError:
    """`row` is the row number in the file (the heading is row 1), None for the whole file."""

    row: int | None
    message: str

    def __str__(self):
        return self.message if self.row is None else f"{self.row}行目: {self.message}"


@dataclass
class PersonnelRow:
    row: int | None
    employee_number: str
    name: str
    kinds: list
    changes: list = field(default_factory=list)
    user: User | None = None
    values: dict = field(default_factory=dict)

    @property
    def kind_labels(self):
        return [KIND_LABELS[kind] for kind in self.kinds]


@dataclass
class PersonnelResult:
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    written: bool = False

    @property
    def ok(self):
        return not self.errors

    @property
    def counts(self):
        counts = dict.fromkeys(KIND_LABELS, 0)
        for row in self.rows:
            for kind in row.kinds:
                counts[kind] += 1
        return counts


# --- reading -------------------------------------------------------------------------------------


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).replace("\r\n", "\n").strip()


def _read_table(data):
    """The file's rows through the reader every import uses (flatfiles/safe_reader.py): its limits,
    and a refusal that names the cell (a formula, a control character, broken XML)."""
    try:
        if data.startswith((safe_reader.ZIP_SIGNATURE, safe_reader.OLE2_SIGNATURE)):
            book = safe_reader.open_xlsx(data)
            try:
                if not book.worksheets:
                    raise PersonnelFileError(NOT_READABLE)
                rows = list(book.worksheets[0].rows())
            finally:
                book.close()
        else:
            rows = safe_reader.read_csv(data)
    except safe_reader.Refused as refusal:
        raise PersonnelFileError(refusal.message) from None
    if len(rows) > MAX_ROWS + 1:
        raise PersonnelFileError(TOO_MANY_ROWS)
    return rows


def read_rows(data):
    """[(row number, {column: value})] from the file's bytes; PersonnelFileError if unreadable."""
    if not data:
        raise PersonnelFileError(EMPTY_FILE)
    table = _read_table(data)
    # The heading is the first row with anything in it.
    start = next((i for i, row in enumerate(table) if any(_text(v) for v in row)), None)
    if start is None:
        raise PersonnelFileError(EMPTY_FILE)
    headings = [unicodedata.normalize("NFKC", _text(v)).replace(" ", "") for v in table[start]]
    positions = {}
    for index, heading in enumerate(headings):
        if heading in COLUMNS:
            if heading in positions:
                raise PersonnelFileError(COLUMN_TWICE.format(column=heading))
            positions[heading] = index
    missing = [column for column in COLUMNS if column not in positions]
    if missing:
        raise PersonnelFileError(
            COLUMNS_MISSING.format(
                missing="」「".join(missing), found="・".join(h for h in headings if h)
            )
        )
    rows = []
    for offset, values in enumerate(table[start + 1 :], start=start + 2):
        cells = {
            column: values[index] if index < len(values) else None
            for column, index in positions.items()
        }
        if any(_text(v) for v in cells.values()):
            rows.append((offset, cells))
    if not rows:
        raise PersonnelFileError(NO_ROWS)
    return rows


# --- checking ------------------------------------------------------------------------------------

ERA_DATE = re.compile(r"^(令和|平成)(元|\d+)年(\d+)月(\d+)日$")
ERA_START = {"令和": 2018, "平成": 1988}


def parse_date(value):
    """A date cell, 2026-04-01, 2026/4/1, 2026年4月1日 or 令和8年4月1日; None if empty;
    ValueError if unreadable."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = unicodedata.normalize("NFKC", _text(value)).replace(" ", "")
    if not text:
        return None
    era = ERA_DATE.match(text)
    if era:
        year = 1 if era[2] == "元" else int(era[2])
        return datetime.date(ERA_START[era[1]] + year, int(era[3]), int(era[4]))
    # A date cell reads as Excel shows it, with its time when its format has one.
    match = re.match(r"^(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?(\d{1,2}:\d{2}(:\d{2})?)?$", text)
    if not match:
        raise ValueError(text)
    return datetime.date(int(match[1]), int(match[2]), int(match[3]))


def fold(label):
    """How an organisation's name is compared: 保)保護課 and 保）保護課 are the same."""
    return unicodedata.normalize("NFKC", label).replace(" ", "").replace("\u3000", "")


def split_name(name):
    """氏名 into (姓, 名) at the first space, full-width or not; no space: all of it is 姓."""
    parts = re.split(r"[ \u3000]+", name.strip(), maxsplit=1)
    return (parts[0], parts[1] if len(parts) > 1 else "")


def _full_name(user):
    return f"{user.last_name} {user.first_name}".strip() or user.username


class _Checker:
    def __init__(self, by):
        self.by = by
        self.may_grant_admin = by is None or access.may_grant_admin(by)
        self.users = {
            u.employee_number: u
            for u in with_roles(User.objects.exclude(employee_number="")).prefetch_related(
                "organizations"
            )
        }
        self.organizations = {fold(o.label): o for o in Organization.objects.all()}
        self.emails = {}
        for pk, email, first, last, username in User.objects.exclude(email="").values_list(
            "pk", "email", "first_name", "last_name", "username"
        ):
            self.emails.setdefault(email.lower(), (pk, f"{last} {first}".strip() or username))
        self.usernames = set(User.objects.values_list("username", flat=True))
        self.seen_numbers = {}
        self.seen_emails = {}

    def check(self, row, cells):
        errors = []
        number = unicodedata.normalize("NFKC", _text(cells[COLUMN_NUMBER]))
        name = re.sub(r"\s+", " ", _text(cells[COLUMN_NAME]))
        email = unicodedata.normalize("NFKC", _text(cells[COLUMN_EMAIL]))
        role_text = unicodedata.normalize("NFKC", _text(cells[COLUMN_ROLE])).replace(" ", "")

        def error(message):
            errors.append(PersonnelError(row, message))

        user = None
        if not number:
            error(NUMBER_MISSING)
        elif not NUMBER_PATTERN.match(number):
            error(NUMBER_BAD.format(value=number))
        elif number in self.seen_numbers:
            error(NUMBER_TWICE.format(value=number, first=self.seen_numbers[number]))
        else:
            self.seen_numbers[number] = row
            user = self.users.get(number)
            if user is not None and user.role == Role.ADMIN and not self.may_grant_admin:
                error(ADMIN_ACCOUNT_DENIED.format(value=number))
            if user is None and number in self.usernames:
                error(USERNAME_TAKEN.format(value=number))

        if not name:
            error(NAME_MISSING)
        elif len(name) > NAME_LIMIT:
            error(NAME_TOO_LONG.format(length=len(name)))

        if not email:
            error(EMAIL_MISSING)
        else:
            try:
                if len(email) > EMAIL_LIMIT:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                error(EMAIL_BAD.format(value=email))
            else:
                key = email.lower()
                owner = self.emails.get(key)
                if key in self.seen_emails:
                    error(EMAIL_TWICE.format(value=email, first=self.seen_emails[key]))
                elif owner is not None and (user is None or owner[0] != user.pk):
                    error(EMAIL_TAKEN.format(value=email, user=owner[1]))
                self.seen_emails.setdefault(key, row)

        role = None
        if not role_text:
            error(ROLE_MISSING)
        elif role_text not in ROLE_NAMES:
            error(ROLE_UNKNOWN.format(value=role_text))
        else:
            role = ROLE_NAMES[role_text]
            current = user.role if user is not None else None
            if role == Role.ADMIN and current != Role.ADMIN and not self.may_grant_admin:
                error(ROLE_ADMIN_DENIED)

        organizations, unreadable = [], False
        current_ids = {o.pk for o in user.organizations.all()} if user is not None else set()
        for label in ORGANIZATION_SEPARATORS.split(_text(cells[COLUMN_ORGANIZATIONS])):
            label = label.strip()
            if not label:
                continue
            organization = self.organizations.get(fold(label))
            if organization is None:
                unreadable = True
                error(ORGANIZATION_UNKNOWN.format(value=label))
            elif organization.is_retired and organization.pk not in current_ids:
                unreadable = True
                error(ORGANIZATION_RETIRED.format(value=label))
            elif organization not in organizations:
                organizations.append(organization)
        if not organizations and not unreadable and role in (Role.STAFF, Role.HEAD):
            error(ORGANIZATION_MISSING)

        try:
            transferred_on = parse_date(cells[COLUMN_DATE])
        except ValueError:
            transferred_on = None
            error(DATE_BAD.format(value=_text(cells[COLUMN_DATE])))

        if errors:
            return None, errors
        last_name, first_name = split_name(name)
        values = {
            "employee_number": number,
            "last_name": last_name,
            "first_name": first_name,
            "email": email,
            "organizations": organizations,
            "role": role,
            "transferred_on": transferred_on,
        }
        return self._compare(row, user, values), []

    def _compare(self, row, user, values):
        name = f"{values['last_name']} {values['first_name']}".strip()
        labels = "、".join(o.label for o in values["organizations"]) or "（なし）"
        if user is None:
            return PersonnelRow(
                row,
                values["employee_number"],
                name,
                [NEW],
                [f"{labels}・{Role(values['role']).label}"],
                values=values,
            )
        kinds, changes = [], []
        old_orgs = sorted(user.organizations.all(), key=lambda o: (o.sort_order, o.label))
        if {o.pk for o in old_orgs} != {o.pk for o in values["organizations"]}:
            kinds.append(MOVED)
            old_labels = "、".join(o.label for o in old_orgs) or "（なし）"
            changes.append(f"所属: {old_labels} → {labels}")
        if user.role != values["role"]:
            kinds.append(ROLE_CHANGED)
            changes.append(f"役割: {Role(user.role).label} → {Role(values['role']).label}")
        details = []
        if (user.last_name, user.first_name) != (values["last_name"], values["first_name"]):
            details.append(f"氏名: {user.last_name} {user.first_name} → {name}".replace("  ", " "))
        if user.email != values["email"]:
            details.append(f"メール: {user.email or '（なし）'} → {values['email']}")
        if details:
            kinds.append(DETAILS_CHANGED)
            changes.extend(details)
        if not user.is_active:
            kinds.append(REACTIVATED)
        return PersonnelRow(
            row,
            values["employee_number"],
            name,
            kinds or [UNCHANGED],
            changes,
            user=user,
            values=values,
        )

    def missing(self):
        """Staff with a 職員番号 who are active and not in the file."""
        return [
            PersonnelRow(None, number, _full_name(user), [DEACTIVATE], user=user)
            for number, user in sorted(self.users.items())
            if number not in self.seen_numbers
            and user.is_active
            and user.role != Role.ADMIN
            and (self.by is None or user.pk != self.by.pk)
        ]


# --- importing -----------------------------------------------------------------------------------


def _change(row):
    """The account change a checked row asks for; None for an unchanged row."""
    values = row.values
    if DEACTIVATE in row.kinds:
        return services.AccountChange(user=row.user, fields={"is_active": False})
    if UNCHANGED in row.kinds:
        return None
    fields = {
        name: values[name] for name in ("employee_number", "last_name", "first_name", "email")
    }
    if NEW in row.kinds or (MOVED in row.kinds and values["transferred_on"] is not None):
        fields["transferred_on"] = values["transferred_on"]
    if NEW in row.kinds:
        fields["username"] = values["employee_number"]
    else:
        fields["is_active"] = True
    return services.AccountChange(
        user=row.user,
        fields=fields,
        organizations=values["organizations"],
        role=values["role"],
    )


def import_personnel(*, file, by, dry_run=False, deactivate_missing=False):
    """Check the whole file, then (unless a dry run, and only if nothing is wrong) write every
    row. `file`: bytes or a path. `by`: the importing user (None: the system, for commands)."""
    if by is not None:
        access.check_may_manage_users(by)
    if not isinstance(file, bytes | bytearray):
        with open(file, "rb") as handle:
            file = handle.read()
    result = PersonnelResult()
    try:
        table = read_rows(bytes(file))
    except PersonnelFileError as error:
        result.errors.append(PersonnelError(None, error.message))
        return result
    with transaction.atomic():
        checker = _Checker(by)
        for row, cells in table:
            planned, errors = checker.check(row, cells)
            result.errors.extend(errors)
            if planned is not None:
                result.rows.append(planned)
        if deactivate_missing:
            result.rows.extend(checker.missing())
        if result.errors or dry_run:
            return result
        changes = [change for change in map(_change, result.rows) if change is not None]
        try:
            services.write_accounts(by=by, changes=changes, reason=services.REASON_IMPORT)
        except (services.AccountError, PermissionDenied) as error:
            # Something changed between the check and the write (another user saved meanwhile).
            transaction.set_rollback(True)
            message = getattr(error, "message", None) or str(error)
            result.errors.append(PersonnelError(None, message))
            return result
        result.written = True
    return result
