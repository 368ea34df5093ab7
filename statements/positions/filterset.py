"""PositionFilterSet: the public parameters (params.FILTERS) validated and applied to
statements and resolutions alike. Filtering and validation only; what a page shows of the
selection is positions.results.Positions.

Each filter applies to three querysets alike: statements and resolutions (what a page lists)
and their PositionFacts (what its counts read: one narrow row per public position, whose
`topics` hold every topic above a tag too, so a topic and its sub-topics is one array test).

A resolution belongs to its congress's organisation and year; the statement-kind filter
(`kind`) keeps only statements of those kinds; a topic takes in its sub-topics
(TopicTree.below); undated statements match no year filter. Only published statements are
ever returned. The search passes its own (already matched) querysets as `statements=` and
`resolutions=`, and gets the same filters over them."""

from functools import cached_property

import django_filters
from django import forms
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from .. import codes
from ..codes import OrganisationKind, StatementKind
from ..models import Organisation, PositionFact, Resolution, Statement, Topic, table
from .facets import TYPE_CHOICES
from .params import (
    DEFAULT_SORT,
    FILTER_PARAMETERS,
    SORTS,
    FilterError,
    InvalidFilters,
    canonical_params,
    canonical_query,
    without_blanks,
)
from .topics import TopicTree


def facts_of(statements, resolutions):
    """The condition that keeps the facts of these statements and resolutions: a row-value
    IN over their ids, which the planner answers by probing the facts' (type, item_id) index
    for a few matches, or by a hash join for many. (The querysets are compiled on their own:
    the search's raw SQL names its table, which a subquery of the ORM would alias away.)"""
    parts, params = [], []
    for kind, queryset in (("statement", statements), ("resolution", resolutions)):
        if queryset.query.is_empty():
            continue
        sql, more = queryset.order_by().values("pk").query.sql_with_params()
        parts.append(f"SELECT %s::varchar, ids.* FROM ({sql}) ids")
        params += [kind, *more]
    if not parts:
        return RawSQL("false", [], output_field=BooleanField())
    columns = f"({table(PositionFact)}.type, {table(PositionFact)}.item_id)"
    return RawSQL(
        f"{columns} IN ({' UNION ALL '.join(parts)})", params, output_field=BooleanField()
    )


class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


def topic_filter(method):
    return django_filters.ModelMultipleChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="key", method=method
    )


class PositionFilterSet(django_filters.FilterSet):
    type = django_filters.MultipleChoiceFilter(choices=TYPE_CHOICES, method="filter_type")
    topic = topic_filter("filter_topic")
    also_topic = topic_filter("filter_also_topic")
    organisation = django_filters.ModelMultipleChoiceFilter(
        queryset=Organisation.objects.all(), to_field_name="key", method="filter_organisation"
    )
    addressed_to = django_filters.ModelMultipleChoiceFilter(
        queryset=Organisation.objects.all(), to_field_name="key", method="filter_addressed_to"
    )
    country = django_filters.MultipleChoiceFilter(
        choices=codes.country_choices, method="filter_country"
    )
    organisation_kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, method="filter_organisation_kind"
    )
    kind = django_filters.MultipleChoiceFilter(choices=StatementKind.choices, method="filter_kind")
    language = django_filters.MultipleChoiceFilter(
        choices=codes.language_choices, method="filter_language"
    )
    year_from = YearFilter(
        method="filter_year_from", min_value=codes.YEAR_MIN, max_value=codes.YEAR_MAX
    )
    year_to = YearFilter(
        method="filter_year_to", min_value=codes.YEAR_MIN, max_value=codes.YEAR_MAX
    )
    sort = django_filters.ChoiceFilter(choices=list(SORTS.items()), method="filter_nothing")

    def __init__(self, data=None, *, statements=None, resolutions=None, facts=None, request=None):
        if data is not None:
            data = without_blanks(data)
        self.base_statements = (Statement.objects if statements is None else statements).published()
        self.base_resolutions = (
            Resolution.objects if resolutions is None else resolutions
        ).published()
        # The facts of those positions: all of them unless the caller chose some (a search).
        self.chosen = statements is not None or resolutions is not None
        self.base_facts = PositionFact.objects.all() if facts is None else facts
        if self.chosen and facts is None:
            self.base_facts = self.base_facts.filter(
                facts_of(self.base_statements, self.base_resolutions)
            )
        super().__init__(data, queryset=self.base_statements, request=request)

    # Each method receives the statements, the resolutions or their facts, and filters them.

    @staticmethod
    def _organisation(qs):
        return {Statement: "organisation", PositionFact: "organisation"}.get(
            qs.model, "congress__organisation"
        )

    def filter_type(self, qs, name, value):
        if qs.model is PositionFact:
            return qs.filter(type__in=value)
        return qs if (qs.model._meta.model_name in value) else qs.none()

    def filter_topic(self, qs, name, topics):
        if not topics:
            return qs
        if qs.model is PositionFact:
            return qs.filter(topics__overlap=[t.pk for t in topics])
        return qs.in_topic(sorted(self.topic_tree.below([t.pk for t in topics])))

    def filter_also_topic(self, qs, name, topics):
        if topics and qs.model is PositionFact:
            return qs.filter(topics__contains=[t.pk for t in topics])
        for topic in topics or ():
            qs = qs.in_topic(sorted(self.topic_tree.below([topic.pk])))
        return qs

    def filter_organisation(self, qs, name, organisations):
        if not organisations:
            return qs
        return qs.filter(**{f"{self._organisation(qs)}__in": organisations})

    def filter_addressed_to(self, qs, name, organisations):
        if not organisations:
            return qs
        if qs.model is Statement:
            return qs.filter(addressed_to__in=organisations)
        if qs.model is PositionFact:  # the facts have no addressee: their statements do
            addressed = Statement.objects.filter(addressed_to__in=organisations).values("pk")
            return qs.filter(type="statement", item_id__in=addressed)
        return qs.none()  # a resolution is addressed to no one

    def filter_country(self, qs, name, value):
        if qs.model is PositionFact:
            return qs.filter(country__in=value)
        return qs.filter(**{f"{self._organisation(qs)}__country__in": value})

    def filter_organisation_kind(self, qs, name, value):
        if qs.model is PositionFact:
            return qs.filter(organisation_kind__in=value)
        return qs.filter(**{f"{self._organisation(qs)}__kind__in": value})

    def filter_kind(self, qs, name, value):
        if qs.model is PositionFact:  # a resolution's kind is empty: never among them
            return qs.filter(kind__in=value)
        return qs.filter(kind__in=value) if qs.model is Statement else qs.none()

    def filter_language(self, qs, name, value):
        return qs.filter(language__in=value)

    def filter_year_from(self, qs, name, year):
        if qs.model is Statement:
            return qs.filter(date__gte=f"{year:04d}-01-01")
        if qs.model is PositionFact:  # a fact's date lies in its year: a range of an index
            return qs.filter(sort_date__gte=f"{year:04d}-01-01")
        return qs.filter(congress__year__gte=year)

    def filter_year_to(self, qs, name, year):
        if qs.model is Statement:
            return qs.filter(date__lt=f"{year + 1:04d}-01-01")
        if qs.model is PositionFact:
            return qs.filter(sort_date__lt=f"{year + 1:04d}-01-01")
        return qs.filter(congress__year__lte=year)

    def filter_nothing(self, qs, name, value):
        return qs

    # --- Validation ---

    def is_valid(self):
        valid = super().is_valid()
        data = self.form.cleaned_data if valid else {}
        year_from, year_to = data.get("year_from"), data.get("year_to")
        if year_from and year_to and year_from > year_to:
            self.form.add_error("year_to", f"{year_to} is before year_from ({year_from}).")
            return False
        return valid

    def error_list(self):
        """Each bad parameter with the values given and what is wrong, for a 400 page."""
        errors = []
        for name, messages in self.form.errors.items():
            given = ", ".join(self.data.getlist(name)) if hasattr(self.data, "getlist") else ""
            for message in messages:
                label = f"{name}={given}" if given else name
                errors.append(FilterError(label, message))
        return errors

    # --- The selection ---

    def _apply(self, queryset, skip):
        if not self.is_valid():
            raise InvalidFilters(self.error_list())
        for name, value in self.form.cleaned_data.items():
            if name != skip:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filtered(self, skip=None):
        """(statements, resolutions) under the selection, leaving out the filter `skip`.
        Raises InvalidFilters for a bad selection."""
        return self._apply(self.base_statements, skip), self._apply(self.base_resolutions, skip)

    def facts(self, skip=None):
        """The PositionFacts under the selection, leaving out the filter `skip`."""
        return self._apply(self.base_facts, skip)

    def scope(self, skip=None):
        """The PositionTotal scope that holds the counts of the selection without `skip`: ""
        for every public position, "topic:<id>" for one topic alone (its sub-topics
        included), "organisation:<id>" for one organisation alone; None when there is none
        and the facts must be counted (a search's matches always are)."""
        if self.chosen:
            return None
        chosen = {
            name: values
            for name, values in self.canonical_params().items()
            if name in FILTER_PARAMETERS and name != skip
        }
        if not chosen:
            return ""
        if len(chosen) == 1:
            ((name, values),) = chosen.items()
            if len(values) == 1 and name in ("topic", "also_topic", "organisation"):
                # Iterating fills the chosen queryset's cache: one query however often asked.
                [picked] = self.form.cleaned_data[name]
                return f"{'organisation' if name == 'organisation' else 'topic'}:{picked.pk}"
        return None

    @property
    def qs(self):
        return self.filtered()[0]

    @cached_property
    def sort_order(self):
        return (self.is_valid() and self.form.cleaned_data.get("sort")) or DEFAULT_SORT

    @cached_property
    def topic_tree(self):
        return TopicTree()

    @cached_property
    def selected_topics(self):
        """The topics chosen, as `topic` or `also_topic`."""
        if not self.is_valid():
            return []
        data = self.form.cleaned_data
        return [*(data.get("topic") or []), *(data.get("also_topic") or [])]

    def canonical_params(self):
        return canonical_params(self.data)

    def canonical_query(self, extra=None, **changes):
        params = self.canonical_params()
        params.update(changes)
        return canonical_query(params, extra)


class OrganisationFilterSet(django_filters.FilterSet):
    """The organisations index: by country and by kind (values ORed within each)."""

    country = django_filters.MultipleChoiceFilter(choices=codes.country_choices)
    kind = django_filters.MultipleChoiceFilter(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["country", "kind"]

    def error_list(self):
        errors = []
        for name, messages in self.form.errors.items():
            given = ", ".join(self.data.getlist(name))
            errors.extend(FilterError(f"{name}={given}", m) for m in messages)
        return errors
