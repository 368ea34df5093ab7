"""Keeping the search indexes fit after a bulk import (the triggers keep their contents
current on every write; this keeps them fast)."""

from django.contrib.postgres.indexes import GinIndex

from ..models import Resolution, SearchPassage, SearchWord, Statement, table

INDEXED_MODELS = (Statement, Resolution, SearchPassage, SearchWord)


def flush_search_indexes(cursor):
    """Call after a bulk import, in its transaction or after it: moves the rows that the GIN
    indexes' pending lists hold (fastupdate) into the indexes proper, and refreshes the
    planner's statistics. Until then every search scans the pending list, and the planner,
    costing it, may read every text's vector instead of using the index (measured: 0.6 s
    instead of 20 ms per search right after importing the UN speeches). Autovacuum would get
    there too, later."""
    for model in INDEXED_MODELS:
        for index in model._meta.indexes:
            if isinstance(index, GinIndex):
                cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index.name])
    for model in INDEXED_MODELS:
        cursor.execute(f"ANALYZE {table(model)}")
