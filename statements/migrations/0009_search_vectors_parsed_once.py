# The three search vectors of a statement or resolution (search_vector, search_head and
# search_pairs) were three generated columns, and PostgreSQL computes each generated column on
# its own: every text was parsed twice (once for its vector, once for its word pairs), which
# made importing the UN speeches take about a minute longer. Here they become columns that
# one BEFORE trigger computes with the same expressions, parsing each text once.
#
# Django's model state keeps them as GeneratedFields on purpose: to Django they are what they
# were, columns the database computes and the ORM never writes. The trigger's expressions are
# the model's (tests/test_search.py checks that they agree), so the values kept from before
# are already right and nothing is recomputed. The word-pairs indexes also get a larger
# pending list, so that a bulk import merges into them in fewer, larger steps.

from django.db import migrations

TABLES = {
    # table: (the middle field, weight B)
    "statements_statement": "summary",
    "statements_resolution": "section",
}


def forward_sql():
    parts = []
    for table, middle in TABLES.items():
        parts.append(f"""
ALTER TABLE {table} ALTER COLUMN search_vector DROP EXPRESSION,
    ALTER COLUMN search_head DROP EXPRESSION,
    ALTER COLUMN search_pairs DROP EXPRESSION;
CREATE FUNCTION {table}_search() RETURNS trigger LANGUAGE plpgsql AS $$
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
    NEW.search_vector := NEW.search_head
        || setweight(to_tsvector(config, COALESCE(NEW.text, '')), 'C');
    NEW.search_pairs := archive_word_pairs(NEW.search_vector);
    RETURN NEW;
END
$$;
CREATE TRIGGER {table}_search BEFORE INSERT OR UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_search();""")
    parts.append("""
ALTER INDEX statement_search_pairs SET (gin_pending_list_limit = 65536);
ALTER INDEX resolution_search_pairs SET (gin_pending_list_limit = 65536);""")
    return "\n".join(parts)


def reverse_sql():
    parts = [
        "ALTER INDEX statement_search_pairs RESET (gin_pending_list_limit);",
        "ALTER INDEX resolution_search_pairs RESET (gin_pending_list_limit);",
    ]
    for table, middle in TABLES.items():
        prefix = table.removeprefix("statements_")
        vector = (
            f"setweight(to_tsvector(archive_search_config(language), COALESCE(title, '')), 'A')"
            f" || setweight(to_tsvector(archive_search_config(language), COALESCE({middle}, '')),"
            f" 'B')"
        )
        whole = f"{vector} || setweight(to_tsvector(archive_search_config(language),"
        whole += " COALESCE(text, '')), 'C')"
        parts.append(f"""
DROP TRIGGER {table}_search ON {table};
DROP FUNCTION {table}_search();
ALTER TABLE {table} DROP COLUMN search_vector, DROP COLUMN search_head,
    DROP COLUMN search_pairs;
ALTER TABLE {table}
    ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({whole}) STORED,
    ADD COLUMN search_head tsvector GENERATED ALWAYS AS ({vector}) STORED,
    ADD COLUMN search_pairs tsvector GENERATED ALWAYS AS (archive_word_pairs({whole})) STORED;
CREATE INDEX {prefix}_search ON {table} USING gin (search_vector);
CREATE INDEX {prefix}_search_head ON {table} USING gin (search_head);
CREATE INDEX {prefix}_search_pairs ON {table} USING gin (search_pairs);""")
    return "\n".join(parts)


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0008_name_first_word_indexes"),
    ]

    operations = [
        migrations.RunSQL(forward_sql(), reverse_sql()),
    ]
