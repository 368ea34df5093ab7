"""The editors' workplace: every object of the archive, with search, filters, autocomplete and
inlines, so that a whole document (a statement, the congress texts it quotes, the organisations
it names, its topics) can be entered by hand.

The admin validates with the importer's rules (models' `clean()`, `codes` validators and the
forms in `forms.py`), and changelists run a fixed number of queries however many rows a page
shows."""

from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, quote
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.db import models, router
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import ngettext

from . import codes
from .codes import Status
from .forms import (
    AliasForm,
    AliasFormSet,
    QuotationForm,
    QuotationFormSet,
    StatementForm,
    TopicForm,
)
from .models import (
    Affiliation,
    Alias,
    Congress,
    Organisation,
    Quotation,
    Resolution,
    Statement,
    Topic,
)
from .search.config import FALLBACK_CONFIG, LANGUAGE_CONFIGS

# Widths by class (static/editor.css), not inline style: the Content-Security-Policy allows
# no inline style.
WIDE, IN_A_ROW = "editor-wide", "editor-in-a-row"
# Rows of each kind of text box: a statement's text is long, an affiliation's note a line.
TEXTAREA_ROWS = {"text": 24, "excerpt": 8, "summary": 4, "description": 4, "note": 2}


class EditorFormMixin:
    """Text boxes sized to what they hold, and free-text lines wide enough to read a title."""

    class Media:
        css = {"all": ["editor.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # In a table row, a field shares the width with its neighbours.
        width = IN_A_ROW if isinstance(self, admin.TabularInline) else WIDE
        if isinstance(db_field, models.TextField) and "widget" not in kwargs:
            rows = TEXTAREA_ROWS.get(db_field.name, 6)
            attrs = {"rows": rows, "class": f"vLargeTextField {width}"}
            kwargs["widget"] = admin.widgets.AdminTextareaWidget(attrs=attrs)
        elif (
            type(db_field) is models.CharField
            and not db_field.choices
            and db_field.max_length is None
            and "widget" not in kwargs
        ):
            kwargs["widget"] = admin.widgets.AdminTextInputWidget(
                attrs={"class": f"vTextField {width}"}
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class OrganisationKindFilter(admin.ChoicesFieldListFilter):
    """The kind of the statement's organisation, titled apart from the statement's own kind."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "organisation's kind"


# Filters -----------------------------------------------------------------------------------


def in_use_filter(field_path, title, names, values=None):
    """A list filter offering only the values in use (a few countries, not all 249), named
    by `names()`, a {code: name} mapping. `values(model_admin)` may say more cheaply which
    values are in use."""

    def values_in_use(model_admin):
        return (
            model_admin.model._default_manager.order_by()
            .exclude(**{field_path: ""})
            .values_list(field_path, flat=True)
            .distinct()
        )

    class InUseFilter(admin.SimpleListFilter):
        parameter_name = field_path

        def lookups(self, request, model_admin):
            labels = names()
            return sorted(
                (
                    (value, labels.get(value, value))
                    for value in (values or values_in_use)(model_admin)
                    if value
                ),
                key=lambda item: item[1],
            )

        def queryset(self, request, queryset):
            if self.value():
                return queryset.filter(**{field_path: self.value()})
            return queryset

    InUseFilter.title = title
    InUseFilter.__name__ = f"InUseFilter_{field_path}"
    return InUseFilter


def author_countries(model_admin):
    """Countries of the organisations that have statements: a probe per organisation on the
    (organisation, date) index, rather than a pass over every statement."""
    authors = Organisation.objects.filter(
        Exists(Statement.objects.filter(organisation=OuterRef("pk")))
    )
    return authors.exclude(country="").order_by().values_list("country", flat=True).distinct()


CountryFilter = in_use_filter("country", "country", codes.country_names)
OrganisationCountryFilter = in_use_filter(
    "organisation__country", "organisation's country", codes.country_names, author_countries
)
CongressCountryFilter = in_use_filter(
    "congress__organisation__country", "organisation's country", codes.country_names
)
LanguageFilter = in_use_filter("language", "language", codes.language_names)


class DatedFilter(admin.SimpleListFilter):
    """Dated or undated (the founding document has no date); the date hierarchy above the
    list picks years, months and days."""

    title = "date"
    parameter_name = "dated"

    def lookups(self, request, model_admin):
        return [("yes", "Dated"), ("no", "Undated")]

    def queryset(self, request, queryset):
        if self.value() in {"yes", "no"}:
            return queryset.filter(date__isnull=self.value() == "no")
        return queryset


class TopLevelFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request, model_admin):
        return [("top", "Top-level"), ("sub", f"Under another {model_admin.opts.verbose_name}")]

    def queryset(self, request, queryset):
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


# Changelists that do not load texts ---------------------------------------------------------


def lean_changelist(model, *also, keep=()):
    """A ChangeList that leaves long columns (texts, search vectors) in the database: a page
    of 100 speeches would otherwise fetch megabytes it never shows. `also` names long columns
    of related rows that the list selects."""
    deferred = [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, (models.TextField, models.GeneratedField)) and field.name not in keep
    ]

    class LeanChangeList(ChangeList):
        def get_queryset(self, request, exclude_parameters=None):
            queryset = super().get_queryset(request, exclude_parameters)
            return queryset.defer(*deferred, *also)

    return LeanChangeList


def long_fields(model, prefix):
    return [
        f"{prefix}__{field.name}"
        for field in model._meta.concrete_fields
        if isinstance(field, (models.TextField, models.GeneratedField))
    ]


def full_text_query(model, term):
    """Rows whose stored search vector matches `term` (websearch syntax, which never raises),
    in the text search configuration of each language the model's rows use: a constant
    configuration per query lets PostgreSQL use the GIN index."""
    languages = model._default_manager.order_by().values_list("language", flat=True).distinct()
    configs = sorted({LANGUAGE_CONFIGS.get(code, FALLBACK_CONFIG) for code in languages})
    query = Q(pk__in=[])
    for config in configs:
        query |= Q(search_vector=SearchQuery(term, config=config, search_type="websearch"))
    return query


class FullTextSearchMixin:
    """Search the short fields as the admin does, and the text through its search vector."""

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not search_term.strip():
            return found, may_have_duplicates
        matches = Q(pk__in=found.values("pk")) | full_text_query(self.model, search_term)
        return queryset.filter(matches), False


class ProtectedTagsMixin:
    """On the delete page, name the statements and resolutions that a topic or organisation
    still tags (the reason deletion is refused) rather than rows of a hidden link table."""

    def get_deleted_objects(self, objs, request):
        to_delete, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if protected:
            collector = NestedObjects(using=router.db_for_write(self.model), origin=objs)
            collector.collect(objs)
            protected = [self.describe_protected(obj) for obj in collector.protected]
        return to_delete, counts, perms_needed, protected

    def describe_protected(self, obj):
        opts = obj._meta
        how = ""
        if opts.auto_created:
            # A row of a many-to-many table: show the object that holds the tag.
            holder = next(
                f for f in opts.fields if f.is_relation and f.related_model is not self.model
            )
            obj = getattr(obj, holder.name)
            opts = obj._meta
            how = " (tagged with it)" if self.model is Topic else " (names it)"
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(obj.pk)])
        return format_html(
            '{}{}: <a href="{}">{}</a>', opts.verbose_name.capitalize(), how, url, obj
        )


# Organisations and affiliations --------------------------------------------------------------


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
class OrganisationAdmin(ProtectedTagsMixin, EditorFormMixin, admin.ModelAdmin):
    list_display = ["name", "short_name", "key", "country", "kind", "parent"]
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
class AffiliationAdmin(EditorFormMixin, admin.ModelAdmin):
    list_display = ["__str__", "organisation", "relation", "target", "since", "until"]
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


# Topics --------------------------------------------------------------------------------------


class AliasInline(EditorFormMixin, admin.TabularInline):
    model = Alias
    form = AliasForm
    formset = AliasFormSet
    fields = ["name", "position"]
    extra = 1
    verbose_name_plural = "aliases (synonyms and acronyms, in the order they are listed)"


def count_rows(model, field):
    """A subquery annotation: how many `model` rows point at the outer row through `field`
    (a foreign key, or the auto-created table of a many-to-many field)."""
    related = model._meta.get_field(field)
    if related.many_to_many:
        through = related.remote_field.through
        column = next(
            f.name for f in through._meta.fields if f.related_model is related.related_model
        )
        rows = through.objects.filter(**{column: OuterRef("pk")}).values(column)
    else:
        rows = model._default_manager.filter(**{field: OuterRef("pk")}).order_by().values(field)
    return Coalesce(Subquery(rows.order_by().annotate(n=Count("*")).values("n")), 0)


def is_changelist(request):
    match = request.resolver_match
    return bool(match and match.url_name and match.url_name.endswith("_changelist"))


@admin.register(Topic)
class TopicAdmin(ProtectedTagsMixin, EditorFormMixin, admin.ModelAdmin):
    form = TopicForm
    list_display = ["name", "key", "parent", "alias_list", "statement_count", "resolution_count"]
    list_filter = [TopLevelFilter, ("parent", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["parent"]
    search_fields = ["name", "key", "aliases__name", "description"]
    prepopulated_fields = {"key": ["name"]}
    autocomplete_fields = ["parent", "related"]
    fields = ["name", "key", "parent", "description", "related"]
    inlines = [AliasInline]

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_changelist(request):
            queryset = queryset.prefetch_related("aliases").annotate(
                statement_total=count_rows(Statement, "topics"),
                resolution_total=count_rows(Resolution, "topics"),
            )
        return queryset

    @admin.display(description="aliases")
    def alias_list(self, topic):
        return ", ".join(alias.name for alias in topic.aliases.all())

    @admin.display(description="statements", ordering="statement_total")
    def statement_count(self, topic):
        return topic.statement_total

    @admin.display(description="resolutions", ordering="resolution_total")
    def resolution_count(self, topic):
        return topic.resolution_total

    def save_formset(self, request, form, formset, change):
        if formset.model is not Alias:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for alias in formset.deleted_objects:
            alias.delete()
        topic = form.instance
        kept = [alias for alias in topic.aliases.all() if alias.pk not in {a.pk for a in instances}]
        # New aliases without a position go last, in the order they were typed.
        last = max([a.position for a in kept + instances if a.position is not None], default=-1)
        for alias in instances:
            if alias.position is None:
                last += 1
                alias.position = last
        ordered = sorted(kept + instances, key=lambda a: (a.position, a.pk is None, a.pk or 0))
        for position, alias in enumerate(ordered):
            alias.position = position
            alias.topic = topic
            alias.save()
        formset.save_m2m()


# Congresses and resolutions ------------------------------------------------------------------


class ResolutionInline(EditorFormMixin, admin.StackedInline):
    model = Resolution
    fields = ["title", "key", ("kind", "section", "language"), "text", "topics", "source_url"]
    prepopulated_fields = {"key": ["title"]}
    autocomplete_fields = ["topics"]
    extra = 0
    show_change_link = True


@admin.register(Congress)
class CongressAdmin(EditorFormMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "year",
        "place",
        "start_date",
        "end_date",
        "resolution_count",
    ]
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
class ResolutionAdmin(FullTextSearchMixin, EditorFormMixin, admin.ModelAdmin):
    list_display = ["title", "congress", "organisation", "year", "kind", "section", "language"]
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

    @admin.display(description="organisation", ordering="congress__organisation__name")
    def organisation(self, resolution):
        return resolution.congress.organisation.label

    @admin.display(description="year", ordering="congress__year")
    def year(self, resolution):
        return resolution.congress.year


# Statements and quotations -------------------------------------------------------------------


class QuotationInline(EditorFormMixin, admin.StackedInline):
    model = Quotation
    form = QuotationForm
    formset = QuotationFormSet
    fields = ["resolution", "excerpt"]
    autocomplete_fields = ["resolution"]
    extra = 0
    verbose_name_plural = (
        "quotations of congress resolutions (passages of this text, without their quote marks)"
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("resolution")
            .defer(*long_fields(Resolution, "resolution"))
        )


@admin.register(Statement)
class StatementAdmin(EditorFormMixin, admin.ModelAdmin):
    form = StatementForm
    list_display = [
        "title",
        "organisation_label",
        "kind",
        "date_display",
        "addressed_to",
        "language",
        "status",
    ]
    list_filter = [
        "status",
        "kind",
        "organisation",
        OrganisationCountryFilter,
        ("organisation__kind", OrganisationKindFilter),
        DatedFilter,
        LanguageFilter,
        "topics",
    ]
    list_select_related = ["organisation", "addressed_to"]
    # Newest entries first: an index scan, however many statements there are. The date
    # column sorts by date.
    ordering = ["-pk"]
    # The archive may hold a million statements: count the matches, not the whole table too.
    show_full_result_count = False
    search_help_text = (
        'Words of the title, summary or text ("quoted phrase", -excluded, or), an organisation\'s '
        "name or acronym (its statements, and those addressed to it), or a statement's key."
    )
    search_fields = ["title"]  # shows the search box; get_search_results does the searching
    date_hierarchy = "date"
    prepopulated_fields = {"key": ["title"]}
    autocomplete_fields = ["organisation", "addressed_to", "topics", "mentions"]
    readonly_fields = ["created", "updated"]
    fieldsets = [
        (None, {"fields": ["organisation", "title", "key", ("kind", "status")]}),
        (None, {"fields": ["addressed_to", "occasion", "date", "language"]}),
        ("Text", {"fields": ["text", "summary"]}),
        ("Tags and source", {"fields": ["topics", "mentions", "source_url"]}),
        ("Record", {"fields": [("created", "updated")], "classes": ["collapse"]}),
    ]
    inlines = [QuotationInline]
    actions = ["publish", "unpublish"]

    def get_changelist(self, request, **kwargs):
        return lean_changelist(Statement)

    def get_search_results(self, request, queryset, search_term):
        """Every branch can use an index, so PostgreSQL combines them in a bitmap and never
        reads every statement's text: the search vectors (GIN), the author and addressee
        (B-tree, with the few matching organisations looked up first) and the unique key."""
        term = search_term.strip()
        if not term:
            return queryset, False
        organisations = list(
            Organisation.objects.filter(
                Q(name__icontains=term)
                | Q(short_name__iexact=term)
                | Q(native_name__icontains=term)
                | Q(key=term.lower())
            ).values_list("pk", flat=True)[:1000]
        )
        matches = Q(key=term.lower()) | full_text_query(Statement, term)
        if organisations:
            matches |= Q(organisation__in=organisations) | Q(addressed_to__in=organisations)
        return queryset.filter(matches), False

    @admin.display(description="organisation", ordering="organisation__name")
    def organisation_label(self, statement):
        return statement.organisation.label

    @admin.display(description="date", ordering="date")
    def date_display(self, statement):
        return statement.date_text or "undated"

    def _set_status(self, request, queryset, status, verb):
        changed = queryset.exclude(status=status).update(status=status, updated=timezone.now())
        unchanged = queryset.count() - changed
        message = ngettext(
            "%(count)d statement was %(verb)s.", "%(count)d statements were %(verb)s.", changed
        ) % {"count": changed, "verb": verb}
        if unchanged:
            message += " " + ngettext(
                "%(count)d was already %(verb)s.", "%(count)d were already %(verb)s.", unchanged
            ) % {"count": unchanged, "verb": verb}
        self.message_user(request, message, messages.SUCCESS if changed else messages.INFO)

    @admin.action(description="Publish the selected statements", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, "published")

    @admin.action(
        description="Unpublish the selected statements (make them drafts)", permissions=["change"]
    )
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Status.DRAFT, "unpublished")


@admin.register(Quotation)
class QuotationAdmin(EditorFormMixin, admin.ModelAdmin):
    form = QuotationForm
    list_display = ["statement", "resolution", "excerpt_start"]
    list_filter = [
        ("resolution__congress", admin.RelatedOnlyFieldListFilter),
        ("statement__organisation", admin.RelatedOnlyFieldListFilter),
    ]
    list_select_related = ["statement", "resolution"]
    search_fields = [
        "excerpt",
        "statement__title",
        "statement__key",
        "resolution__title",
        "resolution__key",
    ]
    autocomplete_fields = ["statement", "resolution"]
    fields = ["statement", "resolution", "excerpt"]

    def get_changelist(self, request, **kwargs):
        return lean_changelist(
            Quotation,
            *long_fields(Statement, "statement"),
            *long_fields(Resolution, "resolution"),
            keep=["excerpt"],
        )

    @admin.display(description="excerpt")
    def excerpt_start(self, quotation):
        return Truncator(quotation.excerpt).chars(120)
