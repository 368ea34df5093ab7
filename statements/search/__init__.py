"""The archive's PostgreSQL full-text search, one job a module, each importing only those
below it (the layers contract in pyproject.toml holds them to it):

    service      the search: a query and the positions filters in, a page of results out
    retrieve     matching, counting and ranking: the page's (type, id) rows, in order
    headlines    highlighted titles and snippets, and the one highlighter of the site
    suggest      "did you mean": corrections from the archive's own vocabulary
    maintenance  after a bulk import: the GIN indexes' pending lists and statistics
    compile      a parsed query read in the archive's languages, as tsquery text and SQL
    parse        web search syntax into terms; British and American spellings
    config       language configurations, field weights, and the stored vectors' expressions
                 (the models and migrations use it; it imports nothing of ours)
"""
