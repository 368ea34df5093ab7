"""What the API says of each object: its interchange fields (keys for references, the format's
codes), its page (`url`) and its API address (`api_url`), and the links a reader follows."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Affiliation, Congress, Organisation, Quotation, Resolution, Statement, Topic


def absolute(request, path):
    return request.build_absolute_uri(path) if request is not None else path


class Links(serializers.Serializer):
    """`url` (the public page) and `api_url` (this object in the API) of any keyed object."""

    api_view = ""
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return absolute(self.context.get("request"), obj.get_absolute_url())

    def get_api_url(self, obj) -> str:
        return absolute(self.context.get("request"), reverse(self.api_view, args=[obj.key]))


def key_of(**kwargs):
    return serializers.SlugRelatedField(slug_field="key", read_only=True, **kwargs)


class OrganisationSerializer(Links, serializers.ModelSerializer):
    api_view = "api:organisation-detail"
    parent = key_of(allow_null=True)

    class Meta:
        model = Organisation
        fields = [
            "key",
            "name",
            "short_name",
            "native_name",
            "country",
            "kind",
            "parent",
            "description",
            "website",
            "url",
            "api_url",
        ]


class AffiliationSerializer(serializers.ModelSerializer):
    """A tie from the organisation: "member_of ITUC"."""

    target = key_of()

    class Meta:
        model = Affiliation
        fields = ["relation", "target", "since", "until", "note"]


class AffiliateSerializer(serializers.ModelSerializer):
    """A tie to the organisation: "ITUC has LO as member_of"."""

    organisation = key_of()

    class Meta:
        model = Affiliation
        fields = ["organisation", "relation", "since", "until", "note"]


class OrganisationDetailSerializer(OrganisationSerializer):
    affiliations = AffiliationSerializer(many=True, read_only=True)
    affiliates = AffiliateSerializer(many=True, read_only=True)
    positions_url = serializers.SerializerMethodField()

    class Meta(OrganisationSerializer.Meta):
        fields = [
            *OrganisationSerializer.Meta.fields,
            "affiliations",
            "affiliates",
            "positions_url",
        ]

    def get_positions_url(self, obj) -> str:
        return absolute(
            self.context.get("request"), reverse("api:positions") + f"?organisation={obj.key}"
        )


class TopicSerializer(Links, serializers.ModelSerializer):
    api_view = "api:topic-detail"
    parent = key_of(allow_null=True)
    aliases = serializers.SerializerMethodField()
    related = key_of(many=True)
    children = key_of(many=True)
    positions_url = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = [
            "key",
            "name",
            "description",
            "parent",
            "children",
            "aliases",
            "related",
            "url",
            "api_url",
            "positions_url",
        ]

    def get_aliases(self, obj) -> list[str]:
        return [alias.name for alias in obj.aliases.all()]

    def get_positions_url(self, obj) -> str:
        return absolute(self.context.get("request"), reverse("api:positions") + f"?topic={obj.key}")


class CongressSerializer(Links, serializers.ModelSerializer):
    api_view = "api:congress-detail"
    organisation = key_of()

    class Meta:
        model = Congress
        fields = [
            "key",
            "organisation",
            "name",
            "year",
            "place",
            "start_date",
            "end_date",
            "url",
            "api_url",
        ]


class CongressDetailSerializer(CongressSerializer):
    resolutions = key_of(many=True)

    class Meta(CongressSerializer.Meta):
        fields = [*CongressSerializer.Meta.fields, "resolutions"]


class QuotedInSerializer(serializers.ModelSerializer):
    """Where a resolution is quoted: the statement and the passage."""

    statement = key_of()
    statement_url = serializers.SerializerMethodField()

    class Meta:
        model = Quotation
        fields = ["statement", "excerpt", "statement_url"]

    def get_statement_url(self, obj) -> str:
        return absolute(self.context.get("request"), obj.statement.get_absolute_url())


class QuotationSerializer(serializers.ModelSerializer):
    """What a statement quotes: the resolution and the passage."""

    resolution = key_of()

    class Meta:
        model = Quotation
        fields = ["resolution", "excerpt"]


class TextFields(serializers.Serializer):
    paragraphs = serializers.ListField(child=serializers.CharField(), read_only=True)
    topics = key_of(many=True)


class ResolutionSerializer(Links, TextFields, serializers.ModelSerializer):
    api_view = "api:resolution-detail"
    congress = key_of()
    organisation = serializers.SlugRelatedField(
        source="congress.organisation", slug_field="key", read_only=True
    )
    year = serializers.IntegerField(source="congress.year", read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "key",
            "congress",
            "organisation",
            "year",
            "title",
            "kind",
            "section",
            "language",
            "topics",
            "source_url",
            "url",
            "api_url",
        ]


class ResolutionDetailSerializer(ResolutionSerializer):
    quoted_in = serializers.SerializerMethodField()

    class Meta(ResolutionSerializer.Meta):
        fields = [*ResolutionSerializer.Meta.fields, "text", "paragraphs", "quoted_in"]

    @extend_schema_field(QuotedInSerializer(many=True))
    def get_quoted_in(self, obj):
        quotations = [q for q in obj.quotations.all() if q.statement.status == "published"]
        return QuotedInSerializer(quotations, many=True, context=self.context).data


class StatementSerializer(Links, TextFields, serializers.ModelSerializer):
    api_view = "api:statement-detail"
    organisation = key_of()
    addressed_to = key_of(allow_null=True)
    date = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = [
            "key",
            "organisation",
            "title",
            "kind",
            "addressed_to",
            "occasion",
            "date",
            "language",
            "summary",
            "topics",
            "source_url",
            "url",
            "api_url",
        ]

    def get_date(self, obj) -> str | None:
        """To its precision, as the format writes it: 2009, 2009-05 or 2009-05-12."""
        return obj.date_text or None


class StatementDetailSerializer(StatementSerializer):
    mentions = key_of(many=True)
    quotations = QuotationSerializer(many=True, read_only=True)

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "text", "paragraphs", "mentions", "quotations"]


class PositionSerializer(serializers.Serializer):
    """A statement or a resolution as an item of a list (positions.listing.Position)."""

    type = serializers.ChoiceField(choices=["statement", "resolution"])
    key = serializers.CharField(source="object.key")
    title = serializers.CharField(source="object.title")
    organisation = serializers.CharField(source="organisation.key")
    year = serializers.IntegerField(allow_null=True)
    date = serializers.SerializerMethodField()
    kind = serializers.CharField(source="object.kind")
    language = serializers.CharField(source="object.language")
    topics = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    def get_date(self, position) -> str | None:
        """A statement's date to its precision; a resolution's congress start date, if any."""
        obj = position.object
        if position.is_statement:
            return obj.date_text or None
        start = obj.congress.start_date
        return start.isoformat() if start else None

    def get_topics(self, position) -> list[str]:
        return sorted(t.key for t in position.object.topics.all())

    def get_url(self, position) -> str:
        return absolute(self.context.get("request"), position.object.get_absolute_url())

    def get_api_url(self, position) -> str:
        return absolute(
            self.context.get("request"),
            reverse(f"api:{position.type}-detail", args=[position.object.key]),
        )


class SnippetSerializer(serializers.Serializer):
    html = serializers.CharField()
    paragraph = serializers.IntegerField(allow_null=True)


class SearchHitSerializer(PositionSerializer):
    """A search result: a position with its highlighted title and passages. Matched words are
    wrapped in <mark>; everything else is escaped."""

    title_html = serializers.CharField()
    snippets = SnippetSerializer(many=True)
