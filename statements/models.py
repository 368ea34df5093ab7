"""The archive: organisations and their affiliations, topics with aliases, congresses and the
resolutions adopted there, statements, and the quotations that link a statement to a resolution.

Every object that the interchange format names has a `key` (also its URL slug). The database
enforces what the format enforces and nothing stricter: unique keys, enumerations, years,
date ranges; rules that span rows (parent cycles, excerpts found in the text) are checked in
`clean()` and by the importer, through the same functions.
"""

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connection, connections, models, router
from django.db.models import BooleanField, Exists, F, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import MD5, ExtractYear, Now
from django.urls import reverse

from . import codes
from .codes import (
    DatePrecision,
    OrganisationKind,
    Relation,
    ResolutionKind,
    StatementKind,
    Status,
)
from .search.config import TriggerVectorField


class KeyField(models.SlugField):
    """The interchange format's key: lowercase words joined by single hyphens, up to 100."""

    default_validators = [codes.validate_key]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", codes.KEY_MAX_LENGTH)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("allow_unicode", False)
        kwargs.setdefault(
            "help_text", "Stable identifier and URL slug: lowercase letters, digits and hyphens."
        )
        super().__init__(*args, **kwargs)


def key_check(model_name):
    return models.CheckConstraint(
        condition=Q(key__regex=codes.KEY_PATTERN), name=f"{model_name}_key_format"
    )


def choices_check(model_name, field, choices):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__in": choices.values}), name=f"{model_name}_{field}_valid"
    )


def protect_many_to_many(field):
    """Refuse to delete a topic or organisation while a many-to-many tag still points at it.

    Django cascades the rows of an auto-created through table; switching that one foreign key
    to PROTECT keeps the admin's autocomplete widgets (which need an auto-created table) and
    gives the refusal the archive promises for every reference."""
    through = field.remote_field.through
    for fk in through._meta.local_fields:
        if fk.is_relation and fk.related_model is field.related_model:
            fk.remote_field.on_delete = models.PROTECT


def would_cycle(obj, parent):
    """True if making `parent` the parent of `obj` closes a loop in the tree."""
    seen = set()
    while parent is not None:
        if parent.pk in seen or (obj.pk is not None and parent.pk == obj.pk):
            return True
        seen.add(parent.pk)
        parent = parent.parent
    return False


class Organisation(models.Model):
    key = KeyField()
    name = models.CharField(max_length=codes.NAME_MAX_LENGTH)
    short_name = models.CharField(
        "short name",
        max_length=codes.NAME_MAX_LENGTH,
        blank=True,
        help_text="Acronym or short form: LO, ITUC.",
    )
    native_name = models.CharField(
        "name in its own language",
        max_length=codes.NAME_MAX_LENGTH,
        blank=True,
        help_text="Landsorganisasjonen i Norge",
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        choices=codes.country_choices,
        validators=[codes.validate_country],
        help_text="ISO 3166-1 alpha-2. Leave empty for international bodies.",
    )
    kind = models.CharField(
        max_length=40, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The body it is part of: a working group's parent.",
    )
    description = models.TextField(blank=True)
    website = models.CharField(max_length=None, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            key_check("organisation"),
            choices_check("organisation", "kind", OrganisationKind),
            models.CheckConstraint(
                condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"),
                name="organisation_country_format",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")), name="organisation_not_own_parent"
            ),
        ]
        indexes = [
            models.Index(fields=["country"], name="organisation_country"),
            models.Index(fields=["kind"], name="organisation_kind"),
        ]

    def __str__(self):
        if self.short_name and self.short_name != self.name:
            return f"{self.name} ({self.short_name})"
        return self.name

    def get_absolute_url(self):
        return reverse("organisation-detail", args=[self.key])

    @property
    def label(self):
        """The short form readers know (LO), else the name."""
        return self.short_name or self.name

    def clean(self):
        if self.parent_id and would_cycle(self, self.parent):
            raise ValidationError({"parent": "This parent would make a cycle of organisations."})


class Affiliation(models.Model):
    """A tie between two organisations: LO is a member of ITUC."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="affiliations"
    )
    relation = models.CharField(max_length=40, choices=Relation.choices)
    target = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="affiliates")
    since = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[codes.validate_year]
    )
    until = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[codes.validate_year]
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["organisation__name", "relation", "target__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "relation", "target"], name="affiliation_unique"
            ),
            choices_check("affiliation", "relation", Relation),
            models.CheckConstraint(
                condition=~Q(organisation=F("target")), name="affiliation_not_self"
            ),
            models.CheckConstraint(
                condition=Q(since__isnull=True) | Q(since__range=(codes.YEAR_MIN, codes.YEAR_MAX)),
                name="affiliation_since_range",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__range=(codes.YEAR_MIN, codes.YEAR_MAX)),
                name="affiliation_until_range",
            ),
            models.CheckConstraint(
                condition=Q(since__isnull=True) | Q(until__isnull=True) | Q(until__gte=F("since")),
                name="affiliation_until_after_since",
            ),
        ]

    def __str__(self):
        return f"{self.organisation.label} {self.get_relation_display()} {self.target.label}"

    def clean(self):
        errors = {}
        if self.organisation_id and self.organisation_id == self.target_id:
            errors["target"] = "An organisation cannot be affiliated with itself."
        if self.since and self.until and self.until < self.since:
            errors["until"] = "The end year is before the start year."
        if errors:
            raise ValidationError(errors)


class Topic(models.Model):
    key = KeyField()
    name = models.CharField(max_length=codes.NAME_MAX_LENGTH)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    related = models.ManyToManyField("self", blank=True, symmetrical=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            key_check("topic"),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="topic_not_own_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("topic-detail", args=[self.key])

    def clean(self):
        if self.parent_id and would_cycle(self, self.parent):
            raise ValidationError({"parent": "This parent would make a cycle of topics."})


class Alias(models.Model):
    """Another name a topic goes by: a synonym or an acronym (THB)."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=codes.NAME_MAX_LENGTH)
    position = models.PositiveIntegerField(default=0, help_text="Order in the topic's list.")

    class Meta:
        ordering = ["topic", "position", "pk"]
        verbose_name_plural = "aliases"
        indexes = [models.Index(fields=["topic", "position"], name="alias_topic_position")]

    def __str__(self):
        return self.name


class Congress(models.Model):
    key = KeyField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="congresses"
    )
    name = models.CharField(max_length=None, help_text="2009 LO Congress")
    year = models.PositiveSmallIntegerField(validators=[codes.validate_year])
    place = models.CharField(max_length=None, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "name"]
        verbose_name_plural = "congresses"
        constraints = [
            key_check("congress"),
            models.CheckConstraint(
                condition=Q(year__range=(codes.YEAR_MIN, codes.YEAR_MAX)),
                name="congress_year_range",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="congress_end_after_start",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "year"], name="congress_organisation_year")]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("congress-detail", args=[self.key])

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "The congress ends before it starts."})


def table(model):
    """The model's table name, quoted for SQL: raw SQL never spells a table by hand."""
    return connection.ops.quote_name(model._meta.db_table)


def vector_fields(model, prefix=""):
    """The stored search vectors: large, and never shown in a list."""
    return [
        prefix + f.name for f in model._meta.concrete_fields if isinstance(f, TriggerVectorField)
    ]


class TextQuerySet(models.QuerySet):
    """What the query layer asks of statements and resolutions alike."""

    def published(self):
        """What the public may see (a resolution has no status: a congress adopted it)."""
        return self.all()

    def matching(self, query, column="search_vector"):
        """The texts a compiled search query finds (in `column`: search_head for titles and
        summaries alone); the query writes its own index-friendly SQL condition."""
        sql, params = query.predicate(self.model, column=column)
        return self.filter(RawSQL(sql, params, output_field=BooleanField()))

    def in_topic(self, topic_ids):
        """Tagged with any of these topics (give them with their sub-topics: TopicTree.below)."""
        through = self.model.topics.through
        item = self.model._meta.model_name
        return self.filter(
            Exists(through.objects.filter(**{item: OuterRef("pk")}, topic_id__in=topic_ids))
        )

    def without_vectors(self):
        return self.defer(*vector_fields(self.model))


SHORT_TEXT_WORDS = 60  # a single recommendation or resolve is shorter; a statement's page longer


class Text(models.Model):
    """What statements and resolutions share: a titled text, kept paragraph by paragraph
    (paragraphs are separated by one blank line), in a language, tagged with topics."""

    key = KeyField()
    title = models.CharField(max_length=None)
    text = models.TextField(help_text="Paragraphs separated by one blank line.")
    language = models.CharField(
        max_length=2,
        default="en",
        choices=codes.language_choices,
        validators=[codes.validate_language],
        help_text="ISO 639-1",
    )
    source_url = models.CharField("source URL", max_length=None, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.normalise()
        super().save(*args, **kwargs)

    @property
    def paragraphs(self):
        return codes.paragraphs(self.text)

    @property
    def short_text(self):
        """The whole text when it is one short paragraph, else "": such a text (one
        recommendation, one resolve) leads its card, not a title that many such texts share
        ("UPR recommendation by X to Y (session N)")."""
        paragraphs = self.paragraphs
        if len(paragraphs) == 1 and len(paragraphs[0].split()) <= SHORT_TEXT_WORDS:
            return paragraphs[0]
        return ""

    def normalise(self):
        self.text = codes.normalise_text(self.text)


class Resolution(Text):
    """A text adopted by a congress. It belongs to the congress's organisation and year."""

    congress = models.ForeignKey(Congress, on_delete=models.PROTECT, related_name="resolutions")
    kind = models.CharField(
        max_length=40, choices=ResolutionKind.choices, default=ResolutionKind.OTHER
    )
    section = models.CharField(
        max_length=None, blank=True, help_text="Chapter or section name: Poverty."
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="resolutions")
    # Kept by the database's trigger, so every save, admin edit and bulk import updates them:
    # the whole text, its word pairs (phrases from the index, see search.config.WordPairs),
    # and title and section alone (a small index for the strongest matches of common words).
    search_vector = TriggerVectorField(source=("title", "section", "text"))
    search_pairs = TriggerVectorField(source=("title", "section", "text"), pairs=True)
    search_head = TriggerVectorField(source=("title", "section"))
    # When it entered the archive (the feeds' order); set by the database, so by imports too.
    created = models.DateTimeField(db_default=Now(), editable=False)

    objects = TextQuerySet.as_manager()

    class Meta:
        ordering = ["congress", "title"]
        indexes = [
            GinIndex(fields=["search_vector"], name="resolution_search"),
            GinIndex(fields=["search_head"], name="resolution_search_head"),
            GinIndex(fields=["search_pairs"], name="resolution_search_pairs"),
            models.Index(fields=["language"], name="resolution_language"),
            models.Index(F("created").desc(), F("id").desc(), name="resolution_arrived"),
        ]
        constraints = [
            key_check("resolution"),
            choices_check("resolution", "kind", ResolutionKind),
            models.CheckConstraint(
                condition=Q(language__regex=r"^[a-z]{2}$"), name="resolution_language_format"
            ),
        ]

    def get_absolute_url(self):
        return reverse("resolution-detail", args=[self.key])


class StatementQuerySet(TextQuerySet):
    def published(self):
        return self.filter(status=Status.PUBLISHED)


class Statement(Text):
    """A position an organisation put on record."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="statements"
    )
    kind = models.CharField(
        max_length=40, choices=StatementKind.choices, default=StatementKind.OTHER
    )
    addressed_to = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="addressed_statements",
        verbose_name="addressed to",
    )
    occasion = models.CharField(
        max_length=None, blank=True, help_text="The questionnaire, hearing or event it answers."
    )
    date = models.DateField(
        null=True, blank=True, help_text="First day of the period that the precision gives."
    )
    date_precision = models.CharField(max_length=5, choices=DatePrecision.choices, blank=True)
    summary = models.TextField(blank=True)
    topics = models.ManyToManyField(Topic, blank=True, related_name="statements")
    mentions = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="mentioned_in",
        help_text="Organisations named in the text.",
    )
    # New statements wait for a reviewer (the interchange format's own default is published).
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    search_vector = TriggerVectorField(source=("title", "summary", "text"))
    search_pairs = TriggerVectorField(source=("title", "summary", "text"), pairs=True)
    search_head = TriggerVectorField(source=("title", "summary"))
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = StatementQuerySet.as_manager()

    class Meta:
        ordering = [F("date").desc(nulls_last=True), "title"]
        # Reviewers hold it (migration 0018); editors add and change drafts only.
        permissions = [("publish_statement", "Can publish and unpublish statements")]
        constraints = [
            key_check("statement"),
            choices_check("statement", "kind", StatementKind),
            choices_check("statement", "status", Status),
            models.CheckConstraint(
                condition=Q(language__regex=r"^[a-z]{2}$"), name="statement_language_format"
            ),
            # A date always carries its precision, and a coarse date is the period's first day.
            models.CheckConstraint(
                condition=Q(date__isnull=True, date_precision="")
                | Q(date__isnull=False, date_precision=DatePrecision.DAY)
                | Q(date__isnull=False, date_precision=DatePrecision.MONTH, date__day=1)
                | Q(
                    date__isnull=False,
                    date_precision=DatePrecision.YEAR,
                    date__day=1,
                    date__month=1,
                ),
                name="statement_date_precision",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "date"], name="statement_organisation_date"),
            models.Index(fields=["date"], name="statement_date"),
            # The public lists' default order, newest first and undated last: page one is
            # the first rows of this index, not a sort of every published statement.
            models.Index(
                F("date").desc(nulls_last=True),
                name="statement_published_newest",
                condition=Q(status=Status.PUBLISHED),
            ),
            # An organisation page's "addressed to" list: its newest, without scanning the
            # archive's newest for the few addressed to it.
            models.Index(
                F("addressed_to"),
                F("date").desc(nulls_last=True),
                name="statement_addressed_newest",
                condition=Q(status=Status.PUBLISHED),
            ),
            models.Index(fields=["addressed_to"], name="statement_addressed_to"),
            models.Index(fields=["status", "kind"], name="statement_status_kind"),
            GinIndex(fields=["search_vector"], name="statement_search"),
            GinIndex(fields=["search_head"], name="statement_search_head"),
            GinIndex(fields=["search_pairs"], name="statement_search_pairs"),
            models.Index(fields=["language"], name="statement_language"),
            # The feeds: newest arrivals first.
            models.Index(
                F("created").desc(),
                F("id").desc(),
                name="statement_arrived",
                condition=Q(status=Status.PUBLISHED),
            ),
        ]

    def get_absolute_url(self):
        return reverse("statement-detail", args=[self.key])

    @property
    def date_text(self):
        """The date as the format writes it, to its precision: 2009, 2009-05, 2009-05-12."""
        return codes.format_partial_date(self.date, self.date_precision)


def public(model):
    """What the public pages show of statements or resolutions: drafts are the editors' alone."""
    return model.objects.published()


class Quotation(models.Model):
    """A statement quotes a resolution: the verbatim passage, found in the statement's text."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="quotations")
    resolution = models.ForeignKey(Resolution, on_delete=models.PROTECT, related_name="quotations")
    excerpt = models.TextField(help_text="The quoted passage, word for word, without quote marks.")

    class Meta:
        ordering = ["statement", "resolution", "pk"]
        constraints = [
            # Excerpts can be long: compare their hashes, which fit in a B-tree.
            models.UniqueConstraint(
                "statement", "resolution", MD5("excerpt"), name="quotation_unique"
            ),
        ]

    def __str__(self):
        return f"{self.statement} quotes {self.resolution}"

    def save(self, *args, **kwargs):
        self.excerpt = codes.normalise_text(self.excerpt)
        super().save(*args, **kwargs)

    def clean(self):
        self.excerpt = codes.normalise_text(self.excerpt)
        if (
            self.statement_id
            and self.excerpt
            and self.excerpt not in codes.normalise_text(self.statement.text)
        ):
            raise ValidationError(
                {"excerpt": "This passage does not occur word for word in the statement's text."}
            )

    @property
    def paragraph_numbers(self):
        """1-based numbers of the statement's paragraphs that the excerpt spans."""
        text = self.statement.text
        start = text.find(self.excerpt)
        if start < 0:
            return []
        first = text.count("\n\n", 0, start) + 1
        return list(range(first, first + self.excerpt.count("\n\n") + 1))


class SearchPassage(models.Model):
    """One paragraph of a long statement or resolution, with its own search vector.

    Derived data, written only by the database triggers that migration 0002 creates, so every
    write path (admin, importer COPY, raw SQL) keeps it current. PostgreSQL
    clamps word positions at 16,383 and keeps 256 per word, so a whole-text vector cannot place
    a phrase in the tail of a long speech; paragraph vectors can, and name the paragraph to show.
    """

    statement = models.ForeignKey(
        Statement, on_delete=models.DO_NOTHING, null=True, related_name="search_passages"
    )
    resolution = models.ForeignKey(
        Resolution, on_delete=models.DO_NOTHING, null=True, related_name="search_passages"
    )
    number = models.PositiveIntegerField(help_text="1-based paragraph number.")
    vector = SearchVectorField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(statement__isnull=False, resolution__isnull=True)
                | Q(statement__isnull=True, resolution__isnull=False),
                name="searchpassage_one_text",
            ),
        ]
        indexes = [
            GinIndex(fields=["vector"], name="searchpassage_vector"),
            models.Index(fields=["statement", "number"], name="searchpassage_statement"),
            models.Index(fields=["resolution", "number"], name="searchpassage_resolution"),
        ]

    def __str__(self):
        return f"paragraph {self.number} of {self.statement or self.resolution}"


class SearchWord(models.Model):
    """The archive's own vocabulary: the lexemes of the stored search vectors (titles,
    summaries and texts, each in its language) with the number of texts that use each: the
    source of "did you mean". Kept by statement-level database triggers (see
    migration 0003), so it follows every write without parsing again."""

    word = models.TextField(primary_key=True)
    documents = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="searchword_trgm")]

    def __str__(self):
        return self.word


class PositionFact(models.Model):
    """One row per public position (a published statement, or a resolution) with the facts that
    filters and facets go by, in one narrow table: what counting reads instead of the texts.

    Derived data, written only by the database triggers that migration 0011 creates, so every
    write path (admin, importer COPY, raw SQL, a topic moved in the tree) keeps it current.
    `topics` holds each topic the position is tagged with and every topic above them, so "on a
    topic, its sub-topics included" is one array test, and each position counts once per topic.
    """

    type = models.CharField(max_length=10)  # statement or resolution
    item_id = models.BigIntegerField()
    organisation = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    country = models.CharField(max_length=2, blank=True)
    organisation_kind = models.CharField(max_length=40)
    kind = models.CharField(max_length=40, blank=True)  # a statement's; empty for resolutions
    language = models.CharField(max_length=2)
    year = models.SmallIntegerField(null=True)
    # A statement's date; a resolution's congress start date when it falls in the congress's
    # year, else the first of that year: always in `year`, so a year filter is a date range.
    sort_date = models.DateField(null=True)
    topics = ArrayField(models.BigIntegerField(), default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["type", "item_id"], name="positionfact_item"),
            models.CheckConstraint(
                condition=Q(sort_date__isnull=True, year__isnull=True)
                | Q(year=ExtractYear("sort_date")),
                name="positionfact_date_in_year",
            ),
        ]
        indexes = [
            GinIndex(fields=["topics"], name="positionfact_topics"),
            # An organisation's positions newest first: its lists and permalinks stop at a page.
            models.Index(
                "organisation",
                F("sort_date").desc(nulls_last=True),
                name="positionfact_organisation",
            ),
            models.Index(fields=["country"], name="positionfact_country"),
            models.Index(fields=["year"], name="positionfact_year"),
            models.Index(fields=["language"], name="positionfact_language"),
            models.Index(fields=["kind"], name="positionfact_kind"),
            # The lists' two date orders (undated last either way), ties broken by type and
            # id: a page of either is the first rows of an index, however deep.
            models.Index(
                F("sort_date").desc(nulls_last=True), "type", "item_id", name="positionfact_newest"
            ),
            models.Index(
                F("sort_date").asc(nulls_last=True), "type", "item_id", name="positionfact_oldest"
            ),
        ]

    def __str__(self):
        return f"{self.type} {self.item_id}"


class PositionTotal(models.Model):
    """How many public positions of a type carry each value of each facet, within a scope: the
    whole archive (scope ""), one topic and everything below it ("topic:<id>") or one
    organisation ("organisation:<id>"). They are the counts of every page that filters
    nothing or one topic or one organisation (the home page, the topics index, a topic's
    page, an organisation's page, /positions/ by one of them), read in one small query. Kept
    by statement-level triggers on PositionFact (migration 0012) in the same transaction as
    the change: never stale."""

    scope = models.CharField(max_length=40, blank=True)
    facet = models.CharField(max_length=20)  # type, organisation, kind, language, year, topic
    value = models.TextField(blank=True)  # an organisation's or topic's id; "" for no year
    type = models.CharField(max_length=10)
    count = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "facet", "value", "type"], name="positiontotal_key"
            ),
        ]
        indexes = [
            # The triggers remove the totals that fall to zero: found through this, not a scan.
            models.Index(fields=["scope"], name="positiontotal_zero", condition=Q(count=0)),
        ]

    def __str__(self):
        return f"{self.scope or 'all'}: {self.facet}={self.value} ({self.type}): {self.count}"


class ArchiveVersion(models.Model):
    """One row that every change to the archive moves on: `number` grows and `changed` is the
    time, set by statement-level triggers on every table of the archive's content (migration
    0016), so imports, bulk actions and raw SQL move it too. What conditional answers (ETag,
    Last-Modified) and the page cache key on: a reader never gets a page older than the
    archive."""

    number = models.BigIntegerField(default=0)
    changed = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="archiveversion_one_row")]

    def __str__(self):
        return f"version {self.number} of {self.changed:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def current(cls, using=None):
        """The archive's version now (on the database `using`, else the one reads go to), as a
        short string that changes with every change, and the time of that change (None before
        the first). The time is part of the string: after a flush the numbers start again,
        the times do not."""
        # Read on every page, cached or not: plain SQL, not a query the ORM compiles each time.
        with connections[using or router.db_for_read(cls)].cursor() as cursor:
            cursor.execute(f"SELECT number, changed FROM {table(cls)} WHERE id = 1")
            row = cursor.fetchone()
        if row is None:
            return "0", None
        number, changed = row
        return f"{number}.{changed.timestamp():.6f}", changed
