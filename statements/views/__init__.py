"""The public pages. Each module keeps its views thin: query logic lives in the querysets and
in `statements.positions`, the one query layer that every list of positions goes through
(and `statements.search.service` for the search)."""
