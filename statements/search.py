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
        f"        WHEN '{code}' THEN '{config}'::regconfig"
        for code, config in LANGUAGE_CONFIGS.items()
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


# --- Derived search tables, kept by the database itself ---------------------------------------

# Texts longer than this are also indexed paragraph by paragraph (SearchPassage). PostgreSQL
# clamps word positions at 16,383 and keeps at most 256 positions per word; 20,000 characters
# is about 3,500 words, far below either limit, so every text whose whole-text vector could lose
# positions has its paragraphs indexed too.
LONG_TEXT_CHARS = 20_000

# The texts a search covers: table, the fields that feed the vocabulary.
SEARCHED_TABLES = {
    "statements_statement": ("statement_id", ("title", "summary", "text")),
    "statements_resolution": ("resolution_id", ("title", "section", "text")),
}

# Words kept in the vocabulary: letters only, 3 to 30 of them (no numbers, no codes).
VOCABULARY_WORD_RE = "^[[:alpha:]]{3,30}$"


def document_sql(fields):
    return " || ' ' || ".join(f"coalesce(r.{f}, '')" for f in fields)


def passage_trigger_sql():
    """SQL creating the row triggers that keep SearchPassage current for both text tables."""
    parts = []
    for table, (fk, _fields) in SEARCHED_TABLES.items():
        parts.append(f"""
CREATE OR REPLACE FUNCTION {table}_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.text IS NOT DISTINCT FROM OLD.text
           AND NEW.language IS NOT DISTINCT FROM OLD.language THEN
            RETURN NULL;
        END IF;
        DELETE FROM statements_searchpassage WHERE {fk} = NEW.id;
    END IF;
    IF length(NEW.text) > {LONG_TEXT_CHARS} THEN
        INSERT INTO statements_searchpassage ({fk}, number, vector)
        SELECT NEW.id, p.number, to_tsvector(archive_search_config(NEW.language), p.paragraph)
        FROM unnest(string_to_array(NEW.text, E'\\n\\n')) WITH ORDINALITY AS p(paragraph, number)
        WHERE p.paragraph <> '';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER {table}_passages AFTER INSERT OR UPDATE OF text, language ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_passages();
-- Passages go with their text on every delete path (the foreign key does not cascade, so
-- that Django's collector never has to look for them).
CREATE OR REPLACE FUNCTION {table}_passages_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM statements_searchpassage WHERE {fk} = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER {table}_passages_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_passages_delete();
""")
    return "\n".join(parts)


def vocabulary_trigger_sql():
    """SQL creating the statement-level triggers that keep SearchWord current.

    They see all rows of an INSERT, COPY, UPDATE or DELETE at once (transition tables), so a
    bulk import costs one aggregate per statement, not one upsert per row and word. Words are
    upserted in sorted order so that concurrent writers lock them in the same order."""
    parts = []
    for table, (_fk, fields) in SEARCHED_TABLES.items():
        document = document_sql(fields)

        def words(rows, where="", document=document):
            return f"""
        SELECT w.word, count(*) AS n
        FROM {rows} r{where},
             unnest(tsvector_to_array(to_tsvector('simple', {document}))) AS w(word)
        WHERE w.word ~ '{VOCABULARY_WORD_RE}'
        GROUP BY w.word"""

        def changed(other, fields=fields):
            """Join to the other side of the update, keeping rows whose words changed."""
            differ = " OR ".join(f"x.{f} IS DISTINCT FROM r.{f}" for f in fields)
            return f" JOIN {other} x ON x.id = r.id AND ({differ})"

        add = """
    INSERT INTO statements_searchword AS v (word, documents)
    SELECT word, n FROM ({words}) counted ORDER BY word
    ON CONFLICT (word) DO UPDATE SET documents = v.documents + EXCLUDED.documents;"""
        remove = """
    UPDATE statements_searchword AS v SET documents = v.documents - counted.n
    FROM ({words}) counted WHERE v.word = counted.word;
    DELETE FROM statements_searchword WHERE documents <= 0;"""
        removed = words("old_rows", changed("new_rows"))
        added = words("new_rows", changed("old_rows"))
        parts.append(f"""
CREATE OR REPLACE FUNCTION {table}_vocabulary_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{add.format(words=words("new_rows"))}
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION {table}_vocabulary_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{remove.format(words=removed)}{add.format(words=added)}
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION {table}_vocabulary_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{remove.format(words=words("old_rows"))}
    RETURN NULL;
END
$$;
CREATE TRIGGER {table}_vocabulary_insert AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {table}_vocabulary_insert();
CREATE TRIGGER {table}_vocabulary_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {table}_vocabulary_update();
CREATE TRIGGER {table}_vocabulary_delete AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION {table}_vocabulary_delete();
""")
    return "\n".join(parts)


TRIGGER_SUFFIXES = (
    "passages",
    "passages_delete",
    "vocabulary_insert",
    "vocabulary_update",
    "vocabulary_delete",
)


def drop_triggers_sql():
    parts = []
    for table in SEARCHED_TABLES:
        for suffix in TRIGGER_SUFFIXES:
            parts.append(f"DROP TRIGGER IF EXISTS {table}_{suffix} ON {table};")
            parts.append(f"DROP FUNCTION IF EXISTS {table}_{suffix}();")
    return "\n".join(parts)


def backfill_sql():
    """Derive passages and vocabulary for rows written before the triggers existed."""
    parts = ["TRUNCATE statements_searchpassage, statements_searchword;"]
    for table, (fk, _fields) in SEARCHED_TABLES.items():
        parts.append(f"""
INSERT INTO statements_searchpassage ({fk}, number, vector)
SELECT t.id, p.number, to_tsvector(archive_search_config(t.language), p.paragraph)
FROM {table} t,
     unnest(string_to_array(t.text, E'\\n\\n')) WITH ORDINALITY AS p(paragraph, number)
WHERE length(t.text) > {LONG_TEXT_CHARS} AND p.paragraph <> '';""")
    union = " UNION ALL ".join(
        f"SELECT w.word FROM {table} r, "
        f"unnest(tsvector_to_array(to_tsvector('simple', {document_sql(fields)}))) AS w(word)"
        for table, (_fk, fields) in SEARCHED_TABLES.items()
    )
    parts.append(f"""
INSERT INTO statements_searchword (word, documents)
SELECT word, count(*) FROM ({union}) all_words
WHERE word ~ '{VOCABULARY_WORD_RE}' GROUP BY word;""")
    return "\n".join(parts)
