"""The editors' admin forms.

They hold the admin to the interchange format's rules, through the same functions the importer
uses (`codes`, the models' `clean()`): whatever an editor saves exports to a file that imports
again."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator

from . import codes, passages
from .models import Alias, Quotation, Resolution, Statement, Topic


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


SPAN_FIELDS = ["paragraph", "to_paragraph", "begins", "ends"]


class QuotationForm(forms.ModelForm):
    """A quotation, standalone or inline on its statement's page. The passage is not typed
    again: it is cut from the statement's text by paragraph and first and last words (filled
    from a selection in the text by quotation-picker.js), checked against the text as it stands
    in the form (also when the statement is being added) and against the quoted resolution's
    text, both normalised as the importer does."""

    paragraph = forms.IntegerField(
        label="Paragraph",
        min_value=1,
        help_text="The number of the text's paragraph where the passage begins.",
        widget=forms.NumberInput(attrs={"class": "editor-position"}),
    )
    to_paragraph = forms.IntegerField(
        label="To paragraph",
        min_value=1,
        required=False,
        help_text="Where it ends, if it runs over several paragraphs.",
        widget=forms.NumberInput(attrs={"class": "editor-position"}),
    )
    begins = forms.CharField(
        label="Begins with",
        help_text="Its first words, as the text has them.",
        widget=forms.TextInput(attrs={"size": 40}),
    )
    ends = forms.CharField(
        label="Ends with",
        help_text="Its last words.",
        widget=forms.TextInput(attrs={"size": 40}),
    )

    class Meta:
        model = Quotation
        fields = ["statement", "resolution"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # True when the statement's new text has lost this unchanged quotation's passage:
        # said once, on the text field (QuotationFormSet.broken), not here.
        self.breaks = False
        if self.instance.pk and "statement" in self.fields:
            self.show_span(self.instance.statement.text)

    def show_span(self, text):
        """The saved passage as paragraph and first and last words of `text`."""
        span = passages.locate(text, self.instance.excerpt)
        if span is not None:
            paragraph, to_paragraph, begins, ends = span
            to_paragraph = None if to_paragraph == paragraph else to_paragraph
            self.initial.update(
                zip(SPAN_FIELDS, (paragraph, to_paragraph, begins, ends), strict=True)
            )

    def clean(self):
        cleaned = super().clean()
        statement = cleaned.get("statement") if "statement" in self.fields else None
        statement = statement or getattr(self.instance, "statement", None)
        resolution = cleaned.get("resolution")
        if statement is None or self.errors:
            return cleaned
        changed = set(self.changed_data)
        if self.instance.pk and not changed & {"statement", *SPAN_FIELDS}:
            # The same passage: kept as it is, if the text still holds it.
            if not passages.contains(statement.text, self.instance.excerpt):
                self.breaks = True
                return cleaned
        else:
            try:
                self.instance.excerpt = passages.cut(
                    statement.text,
                    cleaned["paragraph"],
                    cleaned["begins"],
                    cleaned["ends"],
                    to_paragraph=cleaned.get("to_paragraph"),
                )
            except passages.PassageError as error:
                self.add_error(error.field, error.message)
                return cleaned
        if resolution is not None and (not self.instance.pk or changed):
            self.check_resolution(resolution)
        if statement.pk and resolution is not None and not self.errors:
            others = Quotation.objects.filter(
                statement=statement, resolution=resolution, excerpt=self.instance.excerpt
            ).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error(None, DUPLICATE_QUOTATION)
        return cleaned

    def check_resolution(self, resolution):
        if not (resolution.text or "").strip():
            self.add_error(
                "resolution",
                f"“{resolution}” has no text in the archive: add its text first, so that the "
                "passage can be checked against it.",
            )
        elif not passages.contains(resolution.text, self.instance.excerpt):
            self.add_error(
                "resolution",
                f"This passage is not in the text of “{resolution}”. Choose the resolution it "
                "quotes, or the words of the statement that quote this one.",
            )

    def _post_clean(self):
        # The model's own check of the passage would name a field this form does not have:
        # a passage the new text lost is the text's error, and one not cut is said above.
        if not self.breaks and not self.errors:
            super()._post_clean()


DUPLICATE_QUOTATION = "This statement already quotes this passage of this resolution."


def broken_quotation(quotation, where):
    """The error on a text field whose edit loses a quoted passage, naming the quotation."""
    passage = Truncator(quotation.excerpt).words(12)
    return ValidationError(
        "This edit removes the passage that %(quotation)s quotes: “%(passage)s”. Keep those "
        "words, or change or delete the quotation %(where)s.",
        params={"quotation": quotation, "passage": passage, "where": where},
        code="breaks_quotation",
    )


class QuotationFormSet(forms.BaseInlineFormSet):
    """The quotations on a statement's page: the same passage of the same resolution once.
    An edit of the text that loses a quoted passage makes the page invalid; `broken` lists
    those quotations for the statement's admin to name on the text field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.broken = []
        # The text the editor saw: the formset is made before the statement's form sets the
        # new text on the statement, its forms only when first used.
        self.text_shown = self.instance.text

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk:
            form.show_span(self.text_shown)
        return form

    def clean(self):
        super().clean()
        self.broken = []
        seen = set()
        for form in self.forms:
            if not form.is_valid() or self._should_delete_form(form):
                continue
            if form.breaks:
                self.broken.append(form.instance)
                continue
            resolution = form.cleaned_data.get("resolution")
            if resolution is None:
                continue
            quoted = (resolution.pk, form.instance.excerpt)
            if quoted in seen:
                form.add_error(None, DUPLICATE_QUOTATION)
            seen.add(quoted)

    def is_valid(self):
        return super().is_valid() and not self.broken


class ResolutionForm(forms.ModelForm):
    class Meta:
        model = Resolution
        fields = ["congress", "title", "key", "kind", "section", "language", "text"]
        fields += ["topics", "source_url"]

    def clean_text(self):
        """An edit may not lose a passage that a statement quotes (one the text held)."""
        text = self.cleaned_data["text"]
        if not self.instance.pk:
            return text
        old = self.instance.text  # the form sets the new text on the instance after this
        quotations = self.instance.quotations.select_related("statement").defer(
            "statement__text", "statement__summary"
        )
        broken = [
            broken_quotation(quotation, "on the statement's page")
            for quotation in quotations
            if passages.contains(old, quotation.excerpt)
            and not passages.contains(text, quotation.excerpt)
        ]
        if broken:
            raise ValidationError(broken)
        return text


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
