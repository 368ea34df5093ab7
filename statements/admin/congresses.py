"""Congresses, the resolutions adopted there, and where those are quoted."""

from django.contrib import admin
from django.utils.text import Truncator

from ..forms import ResolutionForm
from ..models import Congress, Quotation, Resolution, Statement
from .base import (
    CongressCountryFilter,
    EditorFormMixin,
    FullTextSearchMixin,
    HistoryMixin,
    LanguageFilter,
    count_rows,
    is_changelist,
    lean_changelist,
    long_fields,
    shortened,
)


class ResolutionInline(EditorFormMixin, admin.StackedInline):
    model = Resolution
    fields = ["title", "key", ("kind", "section", "language"), "text", "topics", "source_url"]
    prepopulated_fields = {"key": ["title"]}
    autocomplete_fields = ["topics"]
    extra = 0
    show_change_link = True


@admin.register(Congress)
class CongressAdmin(HistoryMixin, EditorFormMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "year", "place", "dates", "resolution_count"]
    list_filter = [("organisation", admin.RelatedOnlyFieldListFilter), "year"]
    list_select_related = ["organisation"]
    search_fields = [
        "name",
        "key",
        "place",
        "organisation__name",
        "organisation__short_name",
        "year__exact",
    ]
    prepopulated_fields = {"key": ["name"]}
    autocomplete_fields = ["organisation"]
    fields = ["organisation", "name", "key", "year", "place", ("start_date", "end_date")]
    inlines = [ResolutionInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_changelist(request):
            queryset = queryset.annotate(resolution_total=count_rows(Resolution, "congress"))
        return queryset

    @admin.display(description="dates", ordering="start_date")
    def dates(self, congress):
        days = [str(day) for day in (congress.start_date, congress.end_date) if day]
        return " \N{EN DASH} ".join(dict.fromkeys(days)) or "-"

    @admin.display(description="resolutions", ordering="resolution_total")
    def resolution_count(self, congress):
        return congress.resolution_total


class QuotedInInline(EditorFormMixin, admin.TabularInline):
    """Where a resolution is quoted; edited on the statement's page."""

    model = Quotation
    fields = ["statement", "excerpt_start"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "quotation"
    verbose_name_plural = "quoted in (edit quotations on the statement's page)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("statement")
            .defer(*long_fields(Statement, "statement"))
        )

    @admin.display(description="excerpt")
    def excerpt_start(self, quotation):
        return Truncator(quotation.excerpt).chars(160)


@admin.register(Resolution)
class ResolutionAdmin(HistoryMixin, FullTextSearchMixin, EditorFormMixin, admin.ModelAdmin):
    form = ResolutionForm
    # The congress's name says its organisation and year (filters for both are beside the
    # list), and titles are cut short: the list fits a 1,280 px screen.
    list_display = ["title_display", "congress", "kind", "section", "language"]
    list_filter = [
        "kind",
        ("congress__organisation", admin.RelatedOnlyFieldListFilter),
        "congress__year",
        CongressCountryFilter,
        LanguageFilter,
        ("topics", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["congress__organisation"]
    search_fields = [
        "title",
        "key",
        "section",
        "congress__name",
        "congress__organisation__name",
        "congress__organisation__short_name",
    ]
    prepopulated_fields = {"key": ["title"]}
    autocomplete_fields = ["congress", "topics"]
    fieldsets = [
        (None, {"fields": ["congress", "title", "key", ("kind", "section"), "language"]}),
        (None, {"fields": ["text"]}),
        (None, {"fields": ["topics", "source_url"]}),
    ]
    inlines = [QuotedInInline]

    def get_changelist(self, request, **kwargs):
        return lean_changelist(Resolution)

    @admin.display(description="title", ordering="title")
    def title_display(self, resolution):
        return shortened(resolution.title)
