"""The public pages. Each module keeps its views thin: query logic lives in the querysets and
in `statements.filters`, the one FilterSet that every list of positions goes through."""
