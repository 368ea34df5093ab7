"""The topic tree, with aliases in the order they are listed."""

from django.contrib import admin

from ..forms import AliasForm, AliasFormSet, TopicForm
from ..models import Alias, Resolution, Statement, Topic
from .base import (
    EditorFormMixin,
    HistoryMixin,
    ProtectedTagsMixin,
    TopLevelFilter,
    count_rows,
    is_changelist,
)


class AliasInline(EditorFormMixin, admin.TabularInline):
    model = Alias
    form = AliasForm
    formset = AliasFormSet
    fields = ["name", "position"]
    extra = 1
    verbose_name_plural = "aliases (synonyms and acronyms, in the order they are listed)"


@admin.register(Topic)
class TopicAdmin(HistoryMixin, ProtectedTagsMixin, EditorFormMixin, admin.ModelAdmin):
    form = TopicForm
    list_display = ["name", "parent", "alias_list", "statement_count", "resolution_count"]
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
