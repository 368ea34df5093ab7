"""The "Statement from a document" page: an editor uploads an answer (.txt, .md, .docx or
.pdf), reviews what intake guessed (statements/intake) with each guess pre-filled as a choice
to accept or change, and "Create draft" saves a draft statement with the accepted quotations,
topics and mentions. Nothing is saved until then, and nothing at all for a file that cannot be
read: the upload form says why."""

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from .. import codes, intake, passages
from ..forms import DUPLICATE_QUOTATION, StatementForm, check_excerpt
from ..models import Organisation, Quotation, Resolution, Statement, Topic
from .base import WIDE

MEGABYTE = 1024 * 1024


class OfferedSelect(AutocompleteSelect):
    """The admin's autocomplete, whose list also holds the choices intake offers (the
    organisations the document names, the resolutions a passage agrees with), so that an
    editor can pick among them without JavaScript, and search every one with it."""

    def __init__(self, field, admin_site, offered=(), **kwargs):
        super().__init__(field, admin_site, **kwargs)
        self.offered = list(offered)

    def optgroups(self, name, value, attr=None):
        groups = super().optgroups(name, value, attr)
        options = groups[0][1]
        shown = {str(option["value"]) for option in options}
        extra = self.choices.queryset.filter(pk__in=self.offered).exclude(
            pk__in=[v for v in shown if v.isdigit()]
        )
        for obj in extra:
            label = self.choices.field.label_from_instance(obj)
            options.append(self.create_option(name, obj.pk, label, False, len(options)))
        return groups


def offer(field, model_field, admin_site, offered):
    """Give a model choice field the offering autocomplete, as the field would its own
    widget (its choices, whether it is required)."""
    field.widget = OfferedSelect(model_field, admin_site, offered=offered)
    field.widget.choices, field.widget.is_required = field.choices, field.required


def offered_ids(value):
    """A hidden list of ids ("3,5,8"), as the review form carries what intake offered; what is
    not an id is left out (the choices are checked against the archive anyway)."""
    return [int(part) for part in str(value or "").split(",") if part.strip().isdigit()]


class DocumentForm(forms.Form):
    document = forms.FileField(
        label="Document",
        help_text="An answer or position paper as .txt, .md, .docx or .pdf (a PDF with a text "
        "layer, not a scan).",
        error_messages={"empty": "The file is empty (0 bytes): there is nothing to read."},
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(intake.FORMATS)}),
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        limit = settings.INTAKE_MAX_UPLOAD_MB
        if upload.size > limit * MEGABYTE:
            raise ValidationError(
                "The file is %(size).1f MB: a document may be at most %(limit)d MB.",
                params={"size": upload.size / MEGABYTE, "limit": limit},
                code="too_large",
            )
        try:
            self.draft = intake.take_in(upload.name, upload.read())
        except intake.DocumentError as error:
            raise ValidationError(str(error), code="unreadable") from None
        # The review form carries the text back: it must fit in what Django reads of a form.
        if len(self.draft.text.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE * 0.9:
            raise ValidationError(
                "The document's text is longer than one statement can be reviewed at "
                "(%(limit).1f MB): split it, or enter it through the statement's own page.",
                params={"limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE / MEGABYTE},
                code="text_too_long",
            )
        return upload


class DraftForm(StatementForm):
    """The draft statement as guessed: the choices offered are those intake found, carried in
    hidden fields from the upload to "Create draft"."""

    offered_organisations = forms.CharField(widget=forms.HiddenInput, required=False)
    offered_topics = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta(StatementForm.Meta):
        fields = [
            "organisation",
            "addressed_to",
            "title",
            "key",
            "kind",
            "date",
            "language",
            "text",
            "topics",
            "mentions",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"class": f"vTextField {WIDE}"}),
            "text": forms.Textarea(attrs={"rows": 24, "class": f"vLargeTextField {WIDE}"}),
            "topics": forms.CheckboxSelectMultiple,
            "mentions": forms.CheckboxSelectMultiple,
        }
        labels = {"organisation": "Author", "addressed_to": "Addressed to"}

    def __init__(self, *args, admin_site, reasons=None, **kwargs):
        kwargs.setdefault("instance", Statement(status=codes.Status.DRAFT))
        super().__init__(*args, **kwargs)
        self.reasons = reasons or {}
        organisations = offered_ids(self["offered_organisations"].value())
        topics = offered_ids(self["offered_topics"].value())
        for name in ["organisation", "addressed_to"]:
            offer(self.fields[name], Statement._meta.get_field(name), admin_site, organisations)
        self.fields["topics"].queryset = Topic.objects.filter(pk__in=topics)
        self.fields["mentions"].queryset = Organisation.objects.filter(pk__in=organisations)
        self.fields["topics"].label_from_instance = self.label_with_reason
        self.fields[
            "topics"
        ].help_text = "Suggested from the topic names and aliases the text uses."
        self.fields["mentions"].label = "Organisations the text names"
        self.fields["mentions"].help_text = ""

    def label_with_reason(self, topic):
        reason = self.reasons.get(("topic", topic.pk))
        return f"{topic.name} ({reason})" if reason else topic.name


class PassageForm(forms.Form):
    """A quoted passage the document holds: ticked, it becomes a quotation of the chosen
    resolution."""

    quote = forms.BooleanField(label="Quotation of a resolution", required=False)
    excerpt = forms.CharField(
        label="Passage",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": f"vLargeTextField {WIDE}"}),
    )
    resolution = forms.ModelChoiceField(queryset=Resolution.objects.all(), required=False)
    offered = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        offered = offered_ids(self["offered"].value())
        field = Quotation._meta.get_field("resolution")
        offer(self.fields["resolution"], field, admin_site, offered)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("quote") and not cleaned.get("resolution"):
            self.add_error("resolution", "Choose the resolution it quotes, or untick it.")
        return cleaned


class BasePassageFormSet(forms.BaseFormSet):
    def check_against(self, statement):
        """Each ticked passage occurs in the text as the editor left it, and once."""
        seen = set()
        for form in self.forms:
            if not form.cleaned_data.get("quote"):
                continue
            excerpt = codes.normalise_text(form.cleaned_data["excerpt"])
            try:
                check_excerpt(excerpt, statement)
            except ValidationError as error:
                form.add_error("excerpt", error)
                continue
            resolution = form.cleaned_data["resolution"]
            if not passages.contains(resolution.text, excerpt):
                form.add_error(
                    "excerpt",
                    f"This passage is not in the text of the resolution “{resolution}”. "
                    "Choose the resolution it quotes, or untick it.",
                )
                continue
            quoted = (resolution.pk, excerpt)
            if quoted in seen:
                form.add_error("excerpt", DUPLICATE_QUOTATION)
            seen.add(quoted)
        return all(not form.errors for form in self.forms)

    def quotations(self, statement):
        return [
            Quotation(
                statement=statement,
                resolution=form.cleaned_data["resolution"],
                excerpt=codes.normalise_text(form.cleaned_data["excerpt"]),
            )
            for form in self.forms
            if form.cleaned_data.get("quote")
        ]


PassageFormSet = forms.formset_factory(PassageForm, formset=BasePassageFormSet, extra=0)


def draft_initial(draft):
    """The review form's first values: every guess pre-filled."""
    organisations = [o.pk for o in draft.named]
    return {
        "organisation": draft.author.value.pk if draft.author else None,
        "addressed_to": draft.addressee.value.pk if draft.addressee else None,
        "title": draft.title,
        "key": draft.key,
        "kind": draft.kind,
        "language": "en",
        "text": draft.text,
        "topics": [g.value.pk for g in draft.topics],
        "mentions": [o.pk for o in draft.mentions],
        "offered_organisations": ",".join(map(str, organisations)),
        "offered_topics": ",".join(str(g.value.pk) for g in draft.topics),
    }


def passages_initial(draft):
    return [
        {
            "quote": bool(passage.resolutions),
            "excerpt": passage.excerpt,
            "resolution": passage.resolutions[0].value.pk if passage.resolutions else None,
            "offered": ",".join(str(g.value.pk) for g in passage.resolutions),
        }
        for passage in draft.passages
    ]


class StatementIntake:
    """The page's two steps, for the statements' ModelAdmin: upload, then review."""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self):
        view = self.admin_site.admin_view(self.view)
        return [path("from-document/", view, name="statements_statement_intake")]

    def view(self, request):
        if not self.model_admin.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST" and "document" in request.FILES:
            return self.upload(request)
        if request.method == "POST" and "create" in request.POST:
            return self.create(request)
        return self.render(request, "intake.html", {"form": DocumentForm()})

    def upload(self, request):
        form = DocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, "intake.html", {"form": form})
        draft = form.draft
        reasons = {("topic", g.value.pk): g.reason for g in draft.topics}
        draft_form = DraftForm(
            initial=draft_initial(draft), admin_site=self.admin_site, reasons=reasons
        )
        passages = PassageFormSet(
            initial=passages_initial(draft),
            prefix="passages",
            form_kwargs={"admin_site": self.admin_site},
        )
        for form, passage in zip(passages.forms, draft.passages, strict=True):
            form.found = passage  # shown beside it: which resolutions agree, and how
        return self.render_review(request, draft_form, passages, draft=draft)

    def create(self, request):
        draft_form = DraftForm(request.POST, admin_site=self.admin_site)
        passages = PassageFormSet(
            request.POST, prefix="passages", form_kwargs={"admin_site": self.admin_site}
        )
        valid = draft_form.is_valid() and passages.is_valid()
        if not valid or not passages.check_against(draft_form.instance):
            return self.render_review(request, draft_form, passages)
        with transaction.atomic():
            statement = draft_form.save()
            Quotation.objects.bulk_create(passages.quotations(statement))
        self.model_admin.log_addition(request, statement, [{"added": {}}])
        self.model_admin.message_user(
            request,
            f"The draft “{statement}” was created from the document: review it, then publish.",
        )
        return redirect(reverse("admin:statements_statement_change", args=[statement.pk]))

    def render_review(self, request, draft_form, passages, draft=None):
        context = {
            "form": draft_form,
            "passages": passages,
            "draft": draft,
            "media": self.model_admin.media + draft_form.media + passages.media,
        }
        return self.render(request, "intake_review.html", context)

    def render(self, request, template, context):
        opts = self.model_admin.opts
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "title": "Statement from a document",
            **context,
        }
        return TemplateResponse(request, f"admin/statements/{template}", context)
