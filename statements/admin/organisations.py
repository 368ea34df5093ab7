"""Organisations and their affiliations (ties both ways)."""

from django.contrib import admin

from ..models import Affiliation, Organisation
from .base import CountryFilter, EditorFormMixin, HistoryMixin, ProtectedTagsMixin, TopLevelFilter


class AffiliationInline(EditorFormMixin, admin.TabularInline):
    model = Affiliation
    fk_name = "organisation"
    fields = ["relation", "target", "since", "until", "note"]
    autocomplete_fields = ["target"]
    extra = 0
    verbose_name = "affiliation"
    verbose_name_plural = "affiliations of this organisation"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "target")


class IncomingAffiliationInline(EditorFormMixin, admin.TabularInline):
    """Ties that other organisations have to this one (ITUC's members), read-only here:
    they are edited on the other organisation's page."""

    model = Affiliation
    fk_name = "target"
    fields = ["organisation", "relation", "since", "until", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = "affiliation to this organisation"
    verbose_name_plural = "affiliations to this organisation (edit them on the other organisation)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("organisation", "target")


@admin.register(Organisation)
class OrganisationAdmin(HistoryMixin, ProtectedTagsMixin, EditorFormMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "country", "kind", "parent"]
    list_display_links = ["name"]
    list_filter = ["kind", CountryFilter, TopLevelFilter]
    list_select_related = ["parent"]
    search_fields = ["name", "short_name", "native_name", "key"]
    prepopulated_fields = {"key": ["name"]}
    autocomplete_fields = ["parent"]
    fieldsets = [
        (None, {"fields": ["name", "short_name", "key", "native_name"]}),
        (None, {"fields": ["kind", "country", "parent"]}),
        (None, {"fields": ["description", "website"]}),
    ]
    inlines = [AffiliationInline, IncomingAffiliationInline]


@admin.register(Affiliation)
class AffiliationAdmin(HistoryMixin, EditorFormMixin, admin.ModelAdmin):
    # "LO member of ITUC" says the organisation, relation and target (each a filter or a
    # search beside the list) in one link.
    list_display = ["__str__", "since", "until"]
    list_filter = ["relation", ("organisation", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["organisation", "target"]
    search_fields = [
        "organisation__name",
        "organisation__short_name",
        "organisation__key",
        "target__name",
        "target__short_name",
        "target__key",
        "note",
    ]
    autocomplete_fields = ["organisation", "target"]
    fields = ["organisation", "relation", "target", "since", "until", "note"]
