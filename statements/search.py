"""Constants and expressions of the archive's PostgreSQL full-text search.

Each text is indexed with its own language's text search configuration. The mapping lives in
an IMMUTABLE SQL function, `archive_search_config(language)`, created by a migration, so that
PostgreSQL can compute the stored vector itself as a generated column."""

from django.contrib.postgres.search import SearchVector
from django.db.models import F, Func, TextField

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

# Title over summary over body.
WEIGHTS = {"title": "A", "summary": "B", "section": "B", "text": "C"}


def config_function_sql():
    cases = "\n".join(
        f"        WHEN '{code}' THEN '{config}'::regconfig" for code, config in LANGUAGE_CONFIGS.items()
    )
    return f"""
CREATE OR REPLACE FUNCTION archive_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE language
{cases}
        ELSE '{FALLBACK_CONFIG}'::regconfig
    END
$$;
"""


class SearchConfigFor(Func):
    function = "archive_search_config"
    output_field = TextField()


def weighted_vector(fields):
    """The stored vector's expression: each field in the row's own language, weighted."""
    config = SearchConfigFor(F("language"))
    vector = None
    for field in fields:
        part = SearchVector(F(field), config=config, weight=WEIGHTS[field])
        vector = part if vector is None else vector + part
    return vector
