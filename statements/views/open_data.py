"""The open data a list page links to (visibly, and as <link rel="alternate"> in its head)."""

from django.urls import reverse

from ..positions.params import canonical_query


def open_data_links(kind, params, extra=None):
    """What a list page offers to take away, each with the page's own selection: its
    downloads, its API URL (the same page of it) and its feed. `kind` is positions or search;
    the page's canonical `params` (and the search's own `extra`)."""
    query = canonical_query({k: v for k, v in params.items() if k != "page"}, extra)
    return [
        ("Download CSV", reverse(f"{kind}-csv") + query, "text/csv"),
        ("JSON Lines", reverse(f"{kind}-jsonl") + query, "application/x-ndjson"),
        ("API", reverse(f"api:{kind}") + canonical_query(params, extra), "application/json"),
        ("Feed", reverse(f"{kind}-feed") + query, "application/atom+xml"),
    ]
