# PostgreSQL refuses a tsvector over 1 MB ("string is too long for tsvector"), and a text of a
# few megabytes of distinct words makes one: its import failed with a traceback, though the
# interchange format sets no limit on a text. Here each vector reads at most the first
# 200,000 characters of a text (about 30,000 words, well under the limit, its word pairs
# included) and of a paragraph. A text over 40,000 characters is indexed paragraph by paragraph
# as well (SearchPassage), so the rest of a long text stays searchable there.
#
# The SQL as it stood when this migration was written; a migration must not change.

from django.db import migrations

TABLES = {"statements_statement": "summary", "statements_resolution": "section"}
PASSAGE_FK = {"statements_statement": "statement_id", "statements_resolution": "resolution_id"}
VECTOR_TEXT_CHARS = 200_000


def search_function(table, middle, limit):
    text = "COALESCE(NEW.text, '')" if limit is None else f"left(COALESCE(NEW.text, ''), {limit})"
    return f"""
CREATE OR REPLACE FUNCTION {table}_search() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    config regconfig;
BEGIN
    -- Nothing to do when no source column changed and nobody wrote to the vectors.
    IF TG_OP = 'UPDATE'
       AND NEW.title IS NOT DISTINCT FROM OLD.title
       AND NEW.{middle} IS NOT DISTINCT FROM OLD.{middle}
       AND NEW.text IS NOT DISTINCT FROM OLD.text
       AND NEW.language IS NOT DISTINCT FROM OLD.language
       AND NEW.search_vector IS NOT DISTINCT FROM OLD.search_vector
       AND NEW.search_head IS NOT DISTINCT FROM OLD.search_head
       AND NEW.search_pairs IS NOT DISTINCT FROM OLD.search_pairs THEN
        RETURN NEW;
    END IF;
    config := archive_search_config(NEW.language);
    NEW.search_head := setweight(to_tsvector(config, COALESCE(NEW.title, '')), 'A')
        || setweight(to_tsvector(config, COALESCE(NEW.{middle}, '')), 'B');
    NEW.search_vector := NEW.search_head || setweight(to_tsvector(config, {text}), 'C');
    NEW.search_pairs := archive_word_pairs(NEW.search_vector);
    RETURN NEW;
END
$$;"""


def passages_function(table, fk, limit):
    paragraph = "p.paragraph" if limit is None else f"left(p.paragraph, {limit})"
    return f"""
CREATE OR REPLACE FUNCTION {table}_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.text IS NOT DISTINCT FROM OLD.text
           AND NEW.language IS NOT DISTINCT FROM OLD.language THEN
            RETURN NULL;
        END IF;
        DELETE FROM statements_searchpassage WHERE {fk} = NEW.id;
    END IF;
    IF length(NEW.text) > 40000 THEN
        INSERT INTO statements_searchpassage ({fk}, number, vector)
        SELECT NEW.id, p.number, to_tsvector(archive_search_config(NEW.language), {paragraph})
        FROM unnest(string_to_array(NEW.text, E'\\n\\n')) WITH ORDINALITY AS p(paragraph, number)
        WHERE p.paragraph <> '';
    END IF;
    RETURN NULL;
END
$$;"""


def functions(limit):
    parts = []
    for table, middle in TABLES.items():
        parts.append(search_function(table, middle, limit))
        parts.append(passages_function(table, PASSAGE_FK[table], limit))
    return "\n".join(parts)


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0012_position_facts_triggers"),
    ]

    operations = [
        migrations.RunSQL(functions(VECTOR_TEXT_CHARS), functions(None)),
    ]
