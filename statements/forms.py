"""The editors' admin forms.

They hold the admin to the interchange format's rules, through the same functions the importer
uses (`codes`, the models' `clean()`): whatever an editor saves exports to a file that imports
again."""

from django import forms
from django.core.exceptions import ValidationError

from . import codes
from .models import Alias, Quotation, Statement, Topic


class StatementForm(forms.ModelForm):
    """A statement, with its date typed the way the format writes it: 2009, 2009-05 or
    2009-05-12. The precision is kept, so "2009" never turns into 1 January 2009."""

    date = forms.CharField(
        label="Date",
        required=False,
        help_text="YYYY, YYYY-MM or YYYY-MM-DD, as precise as the source allows. "
        "Leave empty if the source gives no date.",
        widget=forms.TextInput(attrs={"placeholder": "2009, 2009-05 or 2009-05-12", "size": 24}),
    )

    class Meta:
        model = Statement
        # The date's precision is not a field of its own: it follows from what is typed.
        fields = [
            "organisation",
            "title",
            "key",
            "kind",
            "status",
            "addressed_to",
            "occasion",
            "date",
            "language",
            "text",
            "summary",
            "topics",
            "mentions",
            "source_url",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.date is not None:
            self.initial["date"] = codes.format_partial_date(
                self.instance.date, self.instance.date_precision
            )

    def clean_date(self):
        value = self.cleaned_data["date"].strip()
        if not value:
            self.instance.date_precision = ""
            return None
        try:
            date, precision = codes.parse_partial_date(value)
        except ValueError:
            raise ValidationError(
                "Enter the date as YYYY, YYYY-MM or YYYY-MM-DD, and a day that exists in the "
                "calendar (%(value)s is not one).",
                params={"value": value},
                code="invalid_date",
            ) from None
        if not codes.YEAR_MIN <= date.year <= codes.YEAR_MAX:
            raise ValidationError(
                "The year must be between %(min)s and %(max)s.",
                params={"min": codes.YEAR_MIN, "max": codes.YEAR_MAX},
                code="invalid_year",
            )
        self.instance.date_precision = precision
        return date


def check_excerpt(excerpt, statement):
    """The importer's rule: a quotation's excerpt occurs word for word in the statement's
    normalised text. `statement` may be unsaved (its text just typed in the same form)."""
    if not excerpt or statement is None or not statement.text:
        return
    if codes.normalise_text(excerpt) not in codes.normalise_text(statement.text):
        raise ValidationError(
            "This passage does not occur word for word in the statement's text. Copy it from "
            "the text without its enclosing quote marks.",
            code="excerpt_not_in_text",
        )


class QuotationForm(forms.ModelForm):
    """A quotation, standalone or inline in its statement. Inline, the statement is the one
    being edited, with the text as it stands in the form, so an excerpt is checked against the
    new text, also when the statement is being added."""

    class Meta:
        model = Quotation
        fields = ["statement", "resolution", "excerpt"]
        widgets = {"excerpt": forms.Textarea(attrs={"rows": 8, "class": "editor-wide"})}

    def clean(self):
        cleaned = super().clean()
        statement, resolution = cleaned.get("statement"), cleaned.get("resolution")
        excerpt = codes.normalise_text(cleaned.get("excerpt") or "")
        try:
            check_excerpt(excerpt, statement)
        except ValidationError as error:
            self.add_error("excerpt", error)
            return cleaned
        if statement is not None and statement.pk and resolution is not None and excerpt:
            others = Quotation.objects.filter(
                statement=statement, resolution=resolution, excerpt=excerpt
            ).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("excerpt", DUPLICATE_QUOTATION)
        return cleaned

    def validate_constraints(self):
        # clean() has said why a quotation is a duplicate, in words an editor understands.
        if not self.has_error("excerpt"):
            super().validate_constraints()


DUPLICATE_QUOTATION = "This statement already quotes this passage of this resolution."


class QuotationFormSet(forms.BaseInlineFormSet):
    """The quotations on a statement's page: the same passage of the same resolution once."""

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            resolution, excerpt = (
                form.cleaned_data.get("resolution"),
                form.cleaned_data.get("excerpt"),
            )
            if resolution is None or not excerpt:
                continue
            quoted = (resolution.pk, codes.normalise_text(excerpt))
            if quoted in seen:
                form.add_error("excerpt", DUPLICATE_QUOTATION)
            seen.add(quoted)


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["name", "key", "parent", "description", "related"]

    def clean_related(self):
        related = self.cleaned_data["related"]
        if self.instance.pk and any(topic.pk == self.instance.pk for topic in related):
            raise ValidationError("A topic cannot be related to itself.", code="self_related")
        return related


class AliasForm(forms.ModelForm):
    """An alias in its topic's list. Leave the position empty to add it at the end."""

    position = forms.IntegerField(
        required=False,
        min_value=0,
        help_text="Order in the list; empty puts it last.",
        widget=forms.NumberInput(attrs={"class": "editor-position"}),
    )

    class Meta:
        model = Alias
        fields = ["name", "position"]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("An alias cannot be blank.", code="required")
        return name


class AliasFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not form.is_valid() or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name")
            if not name:
                continue
            if name.casefold() in seen:
                form.add_error("name", "This alias is already in the list.")
            seen.add(name.casefold())
