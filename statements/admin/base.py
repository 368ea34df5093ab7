"""What the archive's admin pages share: form widths, list filters, lean changelists,
full-text search, the delete page's reasons and the revision history."""

import dataclasses
import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation
from django.contrib.admin.utils import NestedObjects, quote, unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import PermissionDenied
from django.db import models, router
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator, capfirst
from reversion.models import Version

from .. import codes, history
from ..models import Organisation, Statement, Topic
from ..search.config import FALLBACK_CONFIG, LANGUAGE_CONFIGS

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


# List columns ------------------------------------------------------------------------------

# A list shows a long title on a line or two, beside its other columns on a 1,280 px screen
# (static/editor.css wraps the cells).
LIST_TITLE_LENGTH = 90


def shortened(text, length=LIST_TITLE_LENGTH):
    """A list cell's text cut at about `length` characters with "…", the whole text in its
    tooltip (the title attribute) when it was cut."""
    short = Truncator(text).chars(length)
    if short == text:
        return text
    return format_html('<span title="{}">{}</span>', text, short)


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


# The revision history -----------------------------------------------------------------------


class CompareForm(forms.Form):
    """Two versions of one object, chosen on its history page."""

    old = forms.TypedChoiceField(coerce=int, label="Older version")
    new = forms.TypedChoiceField(coerce=int, label="Newer version")

    def __init__(self, versions, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v.pk, v.pk) for v in versions]
        self.fields["old"].choices = self.fields["new"].choices = choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("old") is not None and cleaned.get("old") == cleaned.get("new"):
            raise forms.ValidationError("Choose two different versions.", code="same_version")
        return cleaned


class HistoryMixin:
    """Every change made through these pages is a revision of the object with its parts
    (statements/history.py): the add and change forms, the bulk actions, deletions of parts.
    Its history page lists the versions with who, when and what changed, compares any two,
    and restores any one in one step (itself a new revision)."""

    object_history_template = "admin/history/object_history.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/history/compare/",
                view(self.compare_view),
                name=f"{info[0]}_{info[1]}_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                view(self.restore_view),
                name=f"{info[0]}_{info[1]}_restore",
            ),
            *super().get_urls(),
        ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            history.keep_first_state(self.model, [unquote(object_id)])
        with history.recording(request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_model(self, request, obj):
        self.recorded_delete(
            request, [obj.pk], lambda: super(HistoryMixin, self).delete_model(request, obj)
        )

    def delete_queryset(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        self.recorded_delete(
            request, pks, lambda: super(HistoryMixin, self).delete_queryset(request, queryset)
        )

    def recorded_delete(self, request, pks, delete):
        # A deleted part (a quotation, an affiliation) changes its owner's snapshot.
        owners = history.owners_of(self.model, pks)
        for model, pk in owners:
            history.keep_first_state(model, [pk])
        with history.recording(request.user):
            delete()
            history.add_objects(owners)

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        """Bulk actions update rows without signals: each records what it changed."""
        actions = super().get_actions(request, action_location=action_location)
        return {
            name: dataclasses.replace(
                action, func=self.recorded_action(action.func, action.description)
            )
            for name, action in actions.items()
        }

    def recorded_action(self, func, description):
        @functools.wraps(func)
        def action(modeladmin, request, queryset):
            pks = list(queryset.values_list("pk", flat=True))
            history.keep_first_state(self.model, pks)
            owners = history.owners_of(self.model, pks)
            with history.recording(request.user, f"Bulk action “{description}”"):
                response = func(modeladmin, request, queryset)
                history.add_changed(self.model, pks)
                history.add_objects(owners)
            return response

        return action

    def versions_of(self, obj):
        return (
            Version.objects.get_for_object(obj)
            .select_related("revision__user")
            .order_by("-revision__date_created", "-pk")
        )

    def history_context(self, request, obj, title):
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            "can_restore": self.has_change_permission(request, obj),
        }

    def viewable_object(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return None
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def history_view(self, request, object_id, extra_context=None, form=None):
        obj = self.viewable_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        page = self.get_paginator(request, self.versions_of(obj), 50).get_page(request.GET.get("p"))
        versions = list(page)
        context = {
            **self.history_context(request, obj, f"Change history: {obj}"),
            "versions": versions,
            "page": page,
            "form": form or CompareForm(versions),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, self.object_history_template, context, status=400 if form else 200
        )

    def compare_view(self, request, object_id):
        obj = self.viewable_object(request, object_id)
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        versions = self.versions_of(obj)
        form = CompareForm(versions, request.GET)
        if not form.is_valid():
            return self.history_view(request, object_id, form=form)
        chosen = {v.pk: v for v in versions.filter(pk__in=form.cleaned_data.values())}
        old, new = sorted(chosen.values(), key=lambda v: (v.revision.date_created, v.pk))
        names = history.Names()
        context = {
            **self.history_context(request, obj, f"Differences: {obj}"),
            "old": old,
            "new": new,
            "changes": history.differences(history.snapshot(old), history.snapshot(new), names),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/history/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        version = get_object_or_404(self.versions_of(obj), pk=version_id)
        history_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_history",
            args=[quote(obj.pk)],
        )
        try:
            history.restore(version, request.user)
        except history.RestoreError as error:
            self.message_user(
                request,
                f"The version of {history.when(version.revision)} could not be restored, and "
                f"nothing was changed: {error}",
                messages.ERROR,
            )
            return HttpResponseRedirect(history_url)
        self.message_user(
            request,
            f"Restored the version of {history.when(version.revision)}.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(history_url)
