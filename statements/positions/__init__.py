"""The positions filter: one query layer over statements and resolutions together, behind the
positions view, the topic and organisation pages, the permalinks, search and export.

    results      Positions: what a page shows of a selection (counts, a page, facets, timeline)
    filterset    PositionFilterSet: the public parameters, validated, applied to both types
    params       the parameter list, canonical query strings, errors
    topics       the topic tree, and its one definition of "a topic and everything below it"
    facets       the one facet engine: counts per value under the other filters, with links
    timeline     positions per year, laid out as bars
    listing      one ordered list of both types, its pages, and the rows a page shows
"""
