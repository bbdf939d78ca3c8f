import django_filters
from django import forms
from django.db.models import Q

from accounts.models import User
from accounts.roles import Role
from departments.models import Organization

STATES = [("active", "有効"), ("inactive", "無効"), ("all", "すべて")]


class UserFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="氏名・職員番号・ユーザー名", method="filter_q")
    bureau = django_filters.ModelChoiceFilter(
        label="局",
        queryset=Organization.objects.filter(level=Organization.Level.BUREAU),
        method="filter_bureau",
        empty_label="すべて",
    )
    organization = django_filters.ModelChoiceFilter(
        label="課・部",
        queryset=Organization.objects.exclude(level=Organization.Level.BUREAU),
        field_name="organizations",
        empty_label="すべて",
    )
    role = django_filters.ChoiceFilter(label="役割", choices=Role.choices, empty_label="すべて")
    state = django_filters.ChoiceFilter(
        label="状態", choices=STATES, method="filter_state", empty_label=None
    )

    class Meta:
        model = User
        fields = []

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", "active")
        super().__init__(data, *args, **kwargs)
        self.form.fields["q"].widget = forms.TextInput(attrs={"type": "search"})

    def filter_q(self, queryset, name, value):
        words = value.split()
        for word in words:
            queryset = queryset.filter(
                Q(last_name__icontains=word)
                | Q(first_name__icontains=word)
                | Q(employee_number__icontains=word)
                | Q(username__icontains=word)
            )
        return queryset

    def filter_bureau(self, queryset, name, value):
        inside = Organization.objects.filter(
            Q(pk=value.pk) | Q(parent=value) | Q(parent__parent=value)
        )
        return queryset.filter(organizations__in=inside).distinct()

    def filter_state(self, queryset, name, value):
        if value == "active":
            return queryset.filter(is_active=True)
        if value == "inactive":
            return queryset.filter(is_active=False)
        return queryset
