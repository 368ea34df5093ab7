"""The lowest layer of the search: which text search configuration reads each language, how
the fields are weighted, and the expressions of the stored search vectors that the models
declare and the database trigger computes (migration 0009). It imports nothing of ours, so the
models and the migrations can use it.

Each text is indexed with its own language's configuration. The mapping lives in an IMMUTABLE
SQL function, `archive_search_config(language)`, created by a migration."""

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models import F, Func, TextField
from django.db.models.functions import Left

# ISO 639-1 code -> text search configuration shipped with PostgreSQL 15.
LANGUAGE_CONFIGS = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "no": "norwegian",
    "nb": "norwegian",
    "nn": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
FALLBACK_CONFIG = "simple"

# Title over summary (or a resolution's section) over body.
WEIGHTS = {"title": "A", "summary": "B", "section": "B", "text": "C"}
FIELD_WEIGHTS = "ABC"

# Texts longer than this are also indexed paragraph by paragraph (SearchPassage). PostgreSQL
# clamps word positions at 16,383 and keeps at most 256 positions per lexeme, so a phrase in
# the tail of a very long text cannot be placed by its whole-text vector. 40,000 characters is
# about 7,000 words: below it neither limit is reached in ordinary prose (a lexeme would need
# to be one word in 27); above it, each paragraph has its own vector. In the UN speeches
# corpus that is 238 texts of 10,952, 6% of the text: the extra parsing stays small.
LONG_TEXT_CHARS = 40_000


class SearchConfigFor(Func):
    function = "archive_search_config"
    output_field = TextField()


# PostgreSQL refuses a tsvector over 1 MB: a text's vector reads its first 200,000 characters
# (about 30,000 words, its word pairs well within the limit too), a paragraph's likewise
# (migration 0013). The rest of a long text is searched through its paragraphs.
VECTOR_TEXT_CHARS = 200_000


def weighted_vector(fields):
    """A vector's expression: each field in the row's own language, weighted (the text cut
    to what a vector can hold)."""
    config = SearchConfigFor(F("language"))
    vector = None
    for name in fields:
        source = Left(F(name), VECTOR_TEXT_CHARS) if name == "text" else F(name)
        part = SearchVector(source, config=config, weight=WEIGHTS[name])
        vector = part if vector is None else vector + part
    return vector


# Word pairs: each lexeme with the next one in the same field and the distance between them
# ('traffick 2 human' for "trafficking in human"), one lexeme of their own in a second vector.
# A two-word phrase is then one index lookup, and a longer one the AND of its pairs: no text
# has to be read to check positions, which for two common words ("human rights", "decent
# work") would mean reading every text that has both. Elasticsearch's index_phrases does the
# same. Pairs never cross from one field into the next (their weights differ), nor go past
# PostgreSQL's position limit (long texts have their paragraphs for that). The SQL function,
# archive_word_pairs(tsvector), is created by migration 0007.
class WordPairs(Func):
    function = "archive_word_pairs"
    output_field = SearchVectorField()


class TriggerVectorField(SearchVectorField):
    """A search vector that a BEFORE trigger computes from the row's own fields (migration
    0009: one parse of each text for all its vectors), which the ORM reads and never writes.

    `expression` is what the trigger computes, declared here so that a test can hold the
    trigger to it on every write path; `pairs` makes it the word pairs of that vector."""

    generated = True  # left out of every INSERT and UPDATE the ORM makes
    db_returning = False
    referenced_fields = frozenset()  # nothing to read back after a save
    db_persist = True

    def __init__(self, *args, source=(), pairs=False, **kwargs):
        self.source, self.pairs = tuple(source), pairs
        kwargs.setdefault("editable", False)
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for default in ("editable", "null", "blank"):
            kwargs.pop(default, None)
        kwargs["source"] = self.source
        if self.pairs:
            kwargs["pairs"] = True
        return name, path, args, kwargs

    @property
    def expression(self):
        vector = weighted_vector(self.source)
        return WordPairs(vector) if self.pairs else vector


# The markers PostgreSQL's headlines put around a match (private-use characters, removed from
# every query and escaped with the text before they become <mark>), and between fragments.
HIGHLIGHT_START, HIGHLIGHT_STOP, FRAGMENT_BREAK = "\ue000", "\ue001", "\ue002"
