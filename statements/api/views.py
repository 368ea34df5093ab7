"""The read-only JSON API, /api/: Django REST framework views over the same layers as the
pages. Lists of positions take the pages' own query strings (the same PositionFilterSet) and
give the same items in the same order with the same totals; only published items appear."""

from urllib.parse import urlencode

from django.db.models import Prefetch
from django.http import JsonResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import generics, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.reverse import reverse as api_reverse
from rest_framework.views import APIView

from .. import codes
from ..codes import OrganisationKind, StatementKind
from ..models import Affiliation, Congress, Organisation, Quotation, Resolution, Statement, Topic
from ..positions.filterset import OrganisationFilterSet, PositionFilterSet
from ..positions.listing import facts_after, hydrate, ordered_by_title, ordered_facts
from ..positions.params import (
    DATE_SORTS,
    FILTERS,
    SORTS,
    InvalidFilters,
    canonical_params,
    canonical_query,
    count_cap,
    per_page,
)
from ..positions.results import Positions
from ..routing import reads_primary
from ..search.parse import MAX_QUERY_CHARS
from ..search.service import SEARCH_DEFAULT_SORT, SEARCH_SORTS, SearchPageError, search_archive
from .errors import BadParameters, bad_parameter
from .pagination import MAX_PAGE_SIZE, decode_cursor, encode_cursor, page_number, page_size
from .serializers import (
    CongressDetailSerializer,
    CongressSerializer,
    OrganisationDetailSerializer,
    OrganisationSerializer,
    PositionSerializer,
    ResolutionDetailSerializer,
    ResolutionSerializer,
    SearchHitSerializer,
    StatementDetailSerializer,
    StatementSerializer,
    TopicSerializer,
)

# --- The schema's description of the pages' parameters ---------------------------------------

ENUMS = {
    "type": ["statement", "resolution"],
    "organisation_kind": list(OrganisationKind.values),
    "kind": list(StatementKind.values),
}


def filter_parameters():
    parameters = []
    for name, description in FILTERS.items():
        if name in ("year_from", "year_to"):
            parameters.append(
                OpenApiParameter(
                    name,
                    {"type": "integer", "minimum": codes.YEAR_MIN, "maximum": codes.YEAR_MAX},
                    description=description,
                )
            )
            continue
        item = {"type": "string", "enum": ENUMS[name]} if name in ENUMS else {"type": "string"}
        parameters.append(
            OpenApiParameter(
                name, {"type": "array", "items": item}, description=description, explode=True
            )
        )
    return parameters


ERRORS = inline_serializer(
    "Errors",
    {
        "errors": serializers.ListField(
            child=inline_serializer(
                "Error",
                {
                    "parameter": serializers.CharField(allow_null=True),
                    "value": serializers.CharField(allow_null=True),
                    "message": serializers.CharField(),
                },
            )
        )
    },
)
BAD_REQUEST = OpenApiResponse(ERRORS, description="A parameter's value is not valid.")
NOT_FOUND = OpenApiResponse(ERRORS, description="No such object (or not published).")
PAGING = [
    OpenApiParameter(
        "page",
        OpenApiTypes.INT,
        description=f"Page number, from 1, within the first {count_cap():,} items.",
    ),
    OpenApiParameter(
        "page_size",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
        description="Items per page (default as on the pages, 20).",
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="From a `next` link: walks every item of a "
        "date order (sort=newest or oldest), however deep.",
    ),
]


def list_of(name, item, extra=None):
    return inline_serializer(
        name,
        {
            "count": serializers.IntegerField(),
            "statements": serializers.IntegerField(),
            "resolutions": serializers.IntegerField(),
            "page_url": serializers.URLField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            **(extra or {}),
            "results": item(many=True),
        },
    )


def build_url(request, path, params, extra=None, tail=None):
    """An absolute URL: `extra` (the search's q) first, the pages' parameters in their
    canonical order, then the API's own (`tail`: page size, cursor)."""
    query = canonical_query(params, extra)
    if tail:
        query += ("&" if query else "?") + urlencode(tail)
    return request.build_absolute_uri(path + query)


def api_params(request):
    """The query string's positions parameters, page size kept when it is not the default."""
    return canonical_params(request.GET)


# --- Positions ---------------------------------------------------------------------------------


class PositionList(APIView):
    """Statements and resolutions together, as on /positions/: the same parameters, items,
    order and totals. The first pages by number; every position by following `next`."""

    @extend_schema(
        parameters=[
            *filter_parameters(),
            OpenApiParameter("sort", {"type": "string", "enum": list(SORTS)}),
            *PAGING,
        ],
        responses={200: list_of("PositionPage", PositionSerializer), 400: BAD_REQUEST},
    )
    def get(self, request):
        selection = PositionFilterSet(request.GET)
        if not selection.is_valid():
            raise BadParameters(selection.error_list())
        positions = Positions(selection)
        size = page_size(request.GET)
        sort = positions.sort_order
        params = api_params(request)
        links = {"page_size": size} if "page_size" in request.GET else {}
        path = reverse("api:positions")
        previous = None
        cursor_given = bool(request.GET.get("cursor"))
        if cursor_given:
            if request.GET.get("page"):
                raise bad_parameter(
                    "page", request.GET["page"], "Give a page or a cursor, not both."
                )
            after = decode_cursor(request.GET["cursor"], sort)
            rows = facts_after(positions.facts, sort, after, size + 1)
        else:
            number = page_number(request.GET, size)
            offset = (number - 1) * size
            last = max(1, -(-min(positions.count, count_cap()) // size))
            if number > last:
                raise bad_parameter(
                    "page",
                    request.GET["page"],
                    "There is no such page: pages run from 1"
                    + (f" to {last}." if last > 1 else "."),
                )
            if sort in DATE_SORTS:
                rows = list(ordered_facts(positions.facts, sort)[offset : offset + size + 1])
            else:
                rows = list(
                    ordered_by_title(
                        positions.statements, positions.resolutions, limit=offset + size + 1
                    )[offset : offset + size + 1]
                )
            if number > 1:
                previous = build_url(
                    request,
                    path,
                    {
                        **without(params, "page"),
                        **({"page": [str(number - 1)]} if number > 2 else {}),
                    },
                    tail=links,
                )
        more, rows = len(rows) > size, rows[:size]
        following = None
        if more:
            if sort in DATE_SORTS:
                cursor = encode_cursor(sort, (rows[-1][0], rows[-1][1], rows[-1][2]))
                following = build_url(
                    request,
                    path,
                    without(params, "page"),
                    tail={**links, "cursor": cursor},
                )
            elif (number * size) < min(positions.count, count_cap()):
                following = build_url(
                    request,
                    path,
                    {**without(params, "page"), "page": [str(number + 1)]},
                    tail=links,
                )
        statements, resolutions = positions.counts
        return Response(
            {
                "count": statements + resolutions,
                "statements": statements,
                "resolutions": resolutions,
                "page_url": build_url(
                    request,
                    reverse("positions"),
                    params if size == per_page() and not cursor_given else without(params, "page"),
                ),
                "next": following,
                "previous": previous,
                "results": PositionSerializer(
                    hydrate([(kind, pk) for kind, pk, *_ in rows]),
                    many=True,
                    context={"request": request},
                ).data,
            }
        )


def without(params, *names):
    return {k: v for k, v in params.items() if k not in names}


# --- Search ------------------------------------------------------------------------------------


# A search makes a temporary table: see statements/routing.py.
@method_decorator(reads_primary, name="dispatch")
class SearchList(APIView):
    """The search, as on /search/: the same query, filters, ranking, pages and totals."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "maxLength": MAX_QUERY_CHARS},
                description='Words, "a phrase", OR, -word.',
            ),
            *filter_parameters(),
            OpenApiParameter("sort", {"type": "string", "enum": list(SEARCH_SORTS)}),
            OpenApiParameter("page", OpenApiTypes.INT, description="Page number, from 1."),
            OpenApiParameter(
                "exact",
                {"type": "string", "enum": ["1"]},
                description="1: no automatic correction of a misspelt query.",
            ),
        ],
        responses={
            200: list_of(
                "SearchPage",
                SearchHitSerializer,
                {
                    "query": serializers.CharField(),
                    "message": serializers.CharField(),
                    "corrected_from": serializers.CharField(),
                    "missing": serializers.CharField(),
                    "suggestion": serializers.CharField(),
                    "organisations": OrganisationSerializer(many=True),
                    "topics": TopicSerializer(many=True),
                },
            ),
            400: BAD_REQUEST,
        },
    )
    def get(self, request):
        sort = request.GET.get("sort", SEARCH_DEFAULT_SORT)
        if sort not in SEARCH_SORTS:
            raise bad_parameter("sort", sort, f"Sort by one of: {', '.join(SEARCH_SORTS)}.")
        page = request.GET.get("page", "1")
        try:
            results = search_archive(
                request.GET.get("q", ""),
                request.GET,
                sort=sort,
                page=page,
                exact=request.GET.get("exact") == "1",
                base_url=reverse("search"),
            )
        except InvalidFilters as invalid:
            raise BadParameters(invalid.errors) from None
        except SearchPageError as error:
            raise bad_parameter("page", page, str(error)) from None
        own = {"q": results.text} if results.text else {}
        params = without(api_params(request), "page")
        if sort != SEARCH_DEFAULT_SORT:
            params["sort"] = [sort]
        path = reverse("api:search")

        def page_link(number):
            return build_url(
                request, path, {**params, **({"page": [str(number)]} if number > 1 else {})}, own
            )

        number = results.page_number
        context = {"request": request}
        return Response(
            {
                "query": results.text,
                "message": results.message,
                "corrected_from": results.corrected_from,
                "missing": results.missing,
                "suggestion": results.suggestion,
                "count": results.count,
                "statements": results.statements,
                "resolutions": results.resolutions,
                "page_url": build_url(
                    request,
                    reverse("search"),
                    {**params, **({"page": [str(number)]} if number > 1 else {})},
                    own,
                ),
                "next": page_link(number + 1) if number < results.pages else None,
                "previous": page_link(number - 1) if number > 1 else None,
                "organisations": OrganisationSerializer(
                    results.organisations, many=True, context=context
                ).data,
                "topics": TopicSerializer(
                    topics_for_api(t.pk for t in results.topics), many=True, context=context
                ).data,
                "results": SearchHitSerializer(results.positions, many=True, context=context).data,
            }
        )


# --- Organisations, topics, congresses, resolutions, statements ---------------------------------


class ByKey(CursorPagination):
    """Every object of a list in key order (a mirror's walk), by a cursor."""

    ordering = "key"
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception:  # DRF says 404 for a cursor it cannot read: it is a bad parameter
            raise bad_parameter(
                "cursor",
                request.query_params.get(self.cursor_query_param),
                "This is not a cursor the API gave (it may have been cut short).",
            ) from None

    def get_page_size(self, request):
        return page_size(request.query_params)


def topics_for_api(ids=None):
    topics = Topic.objects.select_related("parent").prefetch_related(
        "aliases", "related", "children"
    )
    return topics.filter(pk__in=list(ids)) if ids is not None else topics


class Listing(generics.ListAPIView):
    pagination_class = ByKey


class Detail(generics.RetrieveAPIView):
    lookup_field = "key"


@extend_schema_view(
    get=extend_schema(responses={200: OrganisationSerializer(many=True), 400: BAD_REQUEST})
)
class OrganisationList(Listing):
    """Organisations in key order; `country` and `kind` as on /organisations/."""

    serializer_class = OrganisationSerializer
    queryset = Organisation.objects.select_related("parent")
    # The backend tells the schema the FilterSet's parameters; filter_queryset applies it
    # with the site's 400 for a bad value.
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrganisationFilterSet

    def filter_queryset(self, queryset):
        filterset = OrganisationFilterSet(self.request.query_params, queryset=queryset)
        if not filterset.is_valid():
            raise BadParameters(filterset.error_list())
        return filterset.qs


@extend_schema_view(
    get=extend_schema(responses={200: OrganisationDetailSerializer, 404: NOT_FOUND})
)
class OrganisationDetail(Detail):
    """An organisation with its ties both ways: those it has (member of ITUC) and those
    others have to it."""

    serializer_class = OrganisationDetailSerializer
    queryset = Organisation.objects.select_related("parent").prefetch_related(
        Prefetch(
            "affiliations",
            queryset=Affiliation.objects.select_related("target").order_by(
                "relation", "target__key"
            ),
        ),
        Prefetch(
            "affiliates",
            queryset=Affiliation.objects.select_related("organisation").order_by(
                "relation", "organisation__key"
            ),
        ),
    )


def not_found(request, rest):
    return JsonResponse(
        {"errors": [{"parameter": None, "value": None, "message": "No such API address."}]},
        status=404,
    )


@extend_schema_view(
    get=extend_schema(responses={200: TopicSerializer(many=True), 400: BAD_REQUEST})
)
class TopicList(Listing):
    """Every topic in key order: the tree (parent, children), aliases and related topics."""

    serializer_class = TopicSerializer
    queryset = topics_for_api()


@extend_schema_view(get=extend_schema(responses={200: TopicSerializer, 404: NOT_FOUND}))
class TopicDetail(Detail):
    serializer_class = TopicSerializer
    queryset = topics_for_api()


@extend_schema_view(
    get=extend_schema(responses={200: CongressSerializer(many=True), 400: BAD_REQUEST})
)
class CongressList(Listing):
    serializer_class = CongressSerializer
    queryset = Congress.objects.select_related("organisation")


@extend_schema_view(get=extend_schema(responses={200: CongressDetailSerializer, 404: NOT_FOUND}))
class CongressDetail(Detail):
    """A congress and the keys of the resolutions it adopted."""

    serializer_class = CongressDetailSerializer
    queryset = Congress.objects.select_related("organisation").prefetch_related(
        Prefetch("resolutions", queryset=Resolution.objects.without_vectors().order_by("key"))
    )


class PositionsFiltered(Listing):
    """A list of one type under the positions filters (`type` aside), in key order."""

    def filter_queryset(self, queryset):
        selection = PositionFilterSet(self.request.query_params)
        if not selection.is_valid():
            raise BadParameters(selection.error_list())
        statements, resolutions = selection.filtered(skip="type")
        chosen = statements if queryset.model is Statement else resolutions
        return chosen.without_vectors().select_related(*self.related).prefetch_related("topics")


@extend_schema_view(
    get=extend_schema(
        parameters=[p for p in filter_parameters() if p.name not in ("type", "kind")],
        responses={200: ResolutionSerializer(many=True), 400: BAD_REQUEST},
    )
)
class ResolutionList(PositionsFiltered):
    """Resolutions in key order, narrowed by the positions filters."""

    serializer_class = ResolutionSerializer
    queryset = Resolution.objects.all()
    related = ("congress__organisation",)


@extend_schema_view(get=extend_schema(responses={200: ResolutionDetailSerializer, 404: NOT_FOUND}))
class ResolutionDetail(Detail):
    """A resolution with its text and where published statements quote it."""

    serializer_class = ResolutionDetailSerializer
    queryset = (
        Resolution.objects.without_vectors()
        .select_related("congress__organisation")
        .prefetch_related(
            "topics",
            Prefetch(
                "quotations",
                queryset=Quotation.objects.select_related("statement").order_by(
                    "statement__key", "pk"
                ),
            ),
        )
    )


@extend_schema_view(
    get=extend_schema(
        parameters=[p for p in filter_parameters() if p.name != "type"],
        responses={200: StatementSerializer(many=True), 400: BAD_REQUEST},
    )
)
class StatementList(PositionsFiltered):
    """Published statements in key order, narrowed by the positions filters."""

    serializer_class = StatementSerializer
    queryset = Statement.objects.all()
    related = ("organisation", "addressed_to")


@extend_schema_view(get=extend_schema(responses={200: StatementDetailSerializer, 404: NOT_FOUND}))
class StatementDetail(Detail):
    """A published statement with its text, paragraphs, topics, mentions and quotations."""

    serializer_class = StatementDetailSerializer
    queryset = (
        Statement.objects.published()
        .without_vectors()
        .select_related("organisation", "addressed_to")
        .prefetch_related(
            "topics",
            "mentions",
            Prefetch(
                "quotations",
                queryset=Quotation.objects.select_related("resolution").order_by(
                    "resolution__key", "pk"
                ),
            ),
        )
    )


@extend_schema(responses={200: OpenApiTypes.OBJECT})
class Root(APIView):
    """Where everything is."""

    def get(self, request):
        names = [
            "organisations",
            "topics",
            "congresses",
            "resolutions",
            "statements",
            "positions",
            "search",
            "schema",
            "docs",
        ]
        return Response({name: api_reverse(f"api:{name}", request=request) for name in names})
