"""The columns PostgreSQL keeps on each 資料2 report and the model does not declare (so that no
save writes them back): `classifications`, the distinct 区分 letters of its paragraphs
(migration 0007), and `document_order`, its action's chapter, policy and own numbers in one
bigint (0008). Triggers keep both after every kind of write."""

from django.db.models import BigIntegerField, BooleanField, Expression, IntegerField


class OnReport(Expression):
    """SQL over the kept columns of the query's own report row: `{row}` stands for the report
    table's alias in the query (its base table), so that the SQL stays right wherever Django
    puts the query, a subquery's alias included."""

    def __init__(self, sql, params=(), *, output_field):
        super().__init__(output_field=output_field)
        self.sql, self.params = sql, tuple(params)

    def as_sql(self, compiler, connection):
        row = compiler.quote_name_unless_alias(compiler.query.base_table)
        return self.sql.replace("{row}", row), self.params


DOCUMENT_ORDER = OnReport('{row}."document_order"', output_field=BigIntegerField())
# The numbers of the report's chapter, policy and action, read from its key (0008: 16 bits each).
CHAPTER_NUMBER = OnReport('({row}."document_order" >> 32)::integer', output_field=IntegerField())
POLICY_NUMBER = OnReport(
    '(({row}."document_order" >> 16) & 65535)::integer', output_field=IntegerField()
)
ACTION_NUMBER = OnReport('({row}."document_order" & 65535)::integer', output_field=IntegerField())


def has_classification(letter):
    """The report has a paragraph of 区分 `letter`: its kept letters contain it."""
    return OnReport(
        'strpos({row}."classifications", %s) > 0', [letter], output_field=BooleanField()
    )
