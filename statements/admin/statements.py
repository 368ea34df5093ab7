"""Statements, their quotations of congress resolutions, and publishing."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import ngettext

from ..codes import Status
from ..forms import QuotationForm, QuotationFormSet, StatementForm, broken_quotation
from ..models import Organisation, Quotation, Resolution, Statement
from .base import (
    DatedFilter,
    EditorFormMixin,
    HistoryMixin,
    LanguageFilter,
    OrganisationCountryFilter,
    OrganisationKindFilter,
    full_text_query,
    lean_changelist,
    long_fields,
    shortened,
)
from .intake import StatementIntake


class QuotationPicking:
    """A quotation's passage chosen from the statement's text by paragraph and first and last
    words, shown as it was cut; quotation-picker.js fills the span from a selection."""

    fields = ["resolution", ("paragraph", "to_paragraph"), ("begins", "ends"), "passage"]
    readonly_fields = ["passage"]
    autocomplete_fields = ["resolution"]

    class Media:
        js = ["quotation-picker.js"]

    @admin.display(description="passage")
    def passage(self, quotation):
        return linebreaksbr(quotation.excerpt) if quotation.excerpt else "-"


class QuotationInline(QuotationPicking, EditorFormMixin, admin.StackedInline):
    model = Quotation
    form = QuotationForm
    formset = QuotationFormSet
    extra = 0
    verbose_name_plural = "quotations of congress resolutions (passages of this text)"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("resolution")
            .defer(*long_fields(Resolution, "resolution"))
        )


@admin.register(Statement)
class StatementAdmin(HistoryMixin, EditorFormMixin, admin.ModelAdmin):
    form = StatementForm
    # One column for who wrote to whom, and titles cut short: the list fits a 1,280 px screen.
    list_display = [
        "title_display",
        "organisation_addressee",
        "kind",
        "date_display",
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

    def has_publish_permission(self, request):
        """Reviewers publish and unpublish; editors' statements wait for them as drafts."""
        opts = self.opts
        return self.has_change_permission(request) and request.user.has_perm(
            f"{opts.app_label}.publish_{opts.model_name}"
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        # Shown, never submitted: a status posted by an editor is not a field of the form.
        if not self.has_publish_permission(request):
            readonly.append("status")
        return readonly

    def get_view_on_site_url(self, obj=None):
        if obj is not None and obj.status != Status.PUBLISHED:
            return reverse("statement-preview", args=[obj.key])
        return super().get_view_on_site_url(obj)

    def get_changelist(self, request, **kwargs):
        return lean_changelist(Statement)

    def render_change_form(self, request, context, *args, **kwargs):
        # A text edit that loses a quoted passage: one error, on the text field near the top,
        # naming the quotation (QuotationFormSet.broken), rather than one on each quotation.
        form = context["adminform"].form
        formsets = [inline.formset for inline in context["inline_admin_formsets"]]
        for formset in formsets:
            for quotation in getattr(formset, "broken", []):
                form.add_error("text", broken_quotation(quotation, "below"))
        context["errors"] = helpers.AdminErrorList(form, formsets)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_urls(self):
        # "Statement from a document", linked from the changelist's tools.
        return StatementIntake(self).urls() + super().get_urls()

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

    @admin.display(description="title", ordering="title")
    def title_display(self, statement):
        return shortened(statement.title)

    @admin.display(description="organisation → addressee", ordering="organisation__name")
    def organisation_addressee(self, statement):
        if statement.addressed_to is None:
            return statement.organisation.label
        return f"{statement.organisation.label} → {statement.addressed_to.label}"

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

    @admin.action(description="Publish the selected statements", permissions=["publish"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, "published")

    @admin.action(
        description="Unpublish the selected statements (make them drafts)", permissions=["publish"]
    )
    def unpublish(self, request, queryset):
        self._set_status(request, queryset, Status.DRAFT, "unpublished")


@admin.register(Quotation)
class QuotationAdmin(QuotationPicking, HistoryMixin, EditorFormMixin, admin.ModelAdmin):
    form = QuotationForm
    list_display = ["statement_title", "resolution_title", "excerpt_start"]
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
    fields = ["statement", *QuotationPicking.fields]

    def get_changelist(self, request, **kwargs):
        return lean_changelist(
            Quotation,
            *long_fields(Statement, "statement"),
            *long_fields(Resolution, "resolution"),
            keep=["excerpt"],
        )

    @admin.display(description="statement", ordering="statement__title")
    def statement_title(self, quotation):
        return shortened(quotation.statement.title)

    @admin.display(description="resolution", ordering="resolution__title")
    def resolution_title(self, quotation):
        return shortened(quotation.resolution.title)

    @admin.display(description="excerpt")
    def excerpt_start(self, quotation):
        return Truncator(quotation.excerpt).chars(120)
