# The vocabulary is now derived from the stored search vectors' lexemes (no second parsing
# pass over every text), and only texts over 40,000 characters are indexed paragraph by
# paragraph (the position limits are not reached below that). Triggers are replaced and the
# derived tables rebuilt.

from django.db import migrations


# The SQL as it stood when this migration was written: statements/search.py may change,
# a migration must not.
BACKFILL_SQL = r"""TRUNCATE statements_searchpassage, statements_searchword;

INSERT INTO statements_searchpassage (statement_id, number, vector)
SELECT t.id, p.number, to_tsvector(archive_search_config(t.language), p.paragraph)
FROM statements_statement t,
     unnest(string_to_array(t.text, E'\n\n')) WITH ORDINALITY AS p(paragraph, number)
WHERE length(t.text) > 40000 AND p.paragraph <> '';

INSERT INTO statements_searchpassage (resolution_id, number, vector)
SELECT t.id, p.number, to_tsvector(archive_search_config(t.language), p.paragraph)
FROM statements_resolution t,
     unnest(string_to_array(t.text, E'\n\n')) WITH ORDINALITY AS p(paragraph, number)
WHERE length(t.text) > 40000 AND p.paragraph <> '';

INSERT INTO statements_searchword (word, documents)
SELECT word, n FROM (SELECT word, count(*) AS n FROM (SELECT w.word FROM statements_statement r, unnest(tsvector_to_array(r.search_vector)) AS w(word) UNION ALL SELECT w.word FROM statements_resolution r, unnest(tsvector_to_array(r.search_vector)) AS w(word)) all_words GROUP BY word) counted
WHERE word ~ '^[[:alpha:]]{3,30}$';"""

DROP_TRIGGERS_SQL = r"""DROP TRIGGER IF EXISTS statements_statement_passages ON statements_statement;
DROP FUNCTION IF EXISTS statements_statement_passages();
DROP TRIGGER IF EXISTS statements_statement_passages_delete ON statements_statement;
DROP FUNCTION IF EXISTS statements_statement_passages_delete();
DROP TRIGGER IF EXISTS statements_statement_vocabulary_insert ON statements_statement;
DROP FUNCTION IF EXISTS statements_statement_vocabulary_insert();
DROP TRIGGER IF EXISTS statements_statement_vocabulary_update ON statements_statement;
DROP FUNCTION IF EXISTS statements_statement_vocabulary_update();
DROP TRIGGER IF EXISTS statements_statement_vocabulary_delete ON statements_statement;
DROP FUNCTION IF EXISTS statements_statement_vocabulary_delete();
DROP TRIGGER IF EXISTS statements_resolution_passages ON statements_resolution;
DROP FUNCTION IF EXISTS statements_resolution_passages();
DROP TRIGGER IF EXISTS statements_resolution_passages_delete ON statements_resolution;
DROP FUNCTION IF EXISTS statements_resolution_passages_delete();
DROP TRIGGER IF EXISTS statements_resolution_vocabulary_insert ON statements_resolution;
DROP FUNCTION IF EXISTS statements_resolution_vocabulary_insert();
DROP TRIGGER IF EXISTS statements_resolution_vocabulary_update ON statements_resolution;
DROP FUNCTION IF EXISTS statements_resolution_vocabulary_update();
DROP TRIGGER IF EXISTS statements_resolution_vocabulary_delete ON statements_resolution;
DROP FUNCTION IF EXISTS statements_resolution_vocabulary_delete();"""

PASSAGE_TRIGGER_SQL = r"""
CREATE OR REPLACE FUNCTION statements_statement_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.text IS NOT DISTINCT FROM OLD.text
           AND NEW.language IS NOT DISTINCT FROM OLD.language THEN
            RETURN NULL;
        END IF;
        DELETE FROM statements_searchpassage WHERE statement_id = NEW.id;
    END IF;
    IF length(NEW.text) > 40000 THEN
        INSERT INTO statements_searchpassage (statement_id, number, vector)
        SELECT NEW.id, p.number, to_tsvector(archive_search_config(NEW.language), p.paragraph)
        FROM unnest(string_to_array(NEW.text, E'\n\n')) WITH ORDINALITY AS p(paragraph, number)
        WHERE p.paragraph <> '';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_statement_passages AFTER INSERT OR UPDATE OF text, language ON statements_statement
    FOR EACH ROW EXECUTE FUNCTION statements_statement_passages();
-- Passages go with their text on every delete path (the foreign key does not cascade, so
-- that Django's collector never has to look for them).
CREATE OR REPLACE FUNCTION statements_statement_passages_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM statements_searchpassage WHERE statement_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER statements_statement_passages_delete BEFORE DELETE ON statements_statement
    FOR EACH ROW EXECUTE FUNCTION statements_statement_passages_delete();


CREATE OR REPLACE FUNCTION statements_resolution_passages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.text IS NOT DISTINCT FROM OLD.text
           AND NEW.language IS NOT DISTINCT FROM OLD.language THEN
            RETURN NULL;
        END IF;
        DELETE FROM statements_searchpassage WHERE resolution_id = NEW.id;
    END IF;
    IF length(NEW.text) > 40000 THEN
        INSERT INTO statements_searchpassage (resolution_id, number, vector)
        SELECT NEW.id, p.number, to_tsvector(archive_search_config(NEW.language), p.paragraph)
        FROM unnest(string_to_array(NEW.text, E'\n\n')) WITH ORDINALITY AS p(paragraph, number)
        WHERE p.paragraph <> '';
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_resolution_passages AFTER INSERT OR UPDATE OF text, language ON statements_resolution
    FOR EACH ROW EXECUTE FUNCTION statements_resolution_passages();
-- Passages go with their text on every delete path (the foreign key does not cascade, so
-- that Django's collector never has to look for them).
CREATE OR REPLACE FUNCTION statements_resolution_passages_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM statements_searchpassage WHERE resolution_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER statements_resolution_passages_delete BEFORE DELETE ON statements_resolution
    FOR EACH ROW EXECUTE FUNCTION statements_resolution_passages_delete();
"""

VOCABULARY_TRIGGER_SQL = r"""
CREATE OR REPLACE FUNCTION statements_statement_vocabulary_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO statements_searchword AS v (word, documents)
    SELECT word, n FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM new_rows r, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted ORDER BY word
    ON CONFLICT (word) DO UPDATE SET documents = v.documents + EXCLUDED.documents;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION statements_statement_vocabulary_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statements_searchword AS v SET documents = v.documents - counted.n
    FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM old_rows r JOIN new_rows x ON x.id = r.id AND x.search_vector IS DISTINCT FROM r.search_vector, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted WHERE v.word = counted.word;
    DELETE FROM statements_searchword WHERE documents <= 0;
    INSERT INTO statements_searchword AS v (word, documents)
    SELECT word, n FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM new_rows r JOIN old_rows x ON x.id = r.id AND x.search_vector IS DISTINCT FROM r.search_vector, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted ORDER BY word
    ON CONFLICT (word) DO UPDATE SET documents = v.documents + EXCLUDED.documents;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION statements_statement_vocabulary_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statements_searchword AS v SET documents = v.documents - counted.n
    FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM old_rows r, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted WHERE v.word = counted.word;
    DELETE FROM statements_searchword WHERE documents <= 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_statement_vocabulary_insert AFTER INSERT ON statements_statement
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_statement_vocabulary_insert();
CREATE TRIGGER statements_statement_vocabulary_update AFTER UPDATE ON statements_statement
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_statement_vocabulary_update();
CREATE TRIGGER statements_statement_vocabulary_delete AFTER DELETE ON statements_statement
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_statement_vocabulary_delete();


CREATE OR REPLACE FUNCTION statements_resolution_vocabulary_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO statements_searchword AS v (word, documents)
    SELECT word, n FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM new_rows r, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted ORDER BY word
    ON CONFLICT (word) DO UPDATE SET documents = v.documents + EXCLUDED.documents;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION statements_resolution_vocabulary_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statements_searchword AS v SET documents = v.documents - counted.n
    FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM old_rows r JOIN new_rows x ON x.id = r.id AND x.search_vector IS DISTINCT FROM r.search_vector, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted WHERE v.word = counted.word;
    DELETE FROM statements_searchword WHERE documents <= 0;
    INSERT INTO statements_searchword AS v (word, documents)
    SELECT word, n FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM new_rows r JOIN old_rows x ON x.id = r.id AND x.search_vector IS DISTINCT FROM r.search_vector, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted ORDER BY word
    ON CONFLICT (word) DO UPDATE SET documents = v.documents + EXCLUDED.documents;
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION statements_resolution_vocabulary_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statements_searchword AS v SET documents = v.documents - counted.n
    FROM (
        SELECT word, n FROM (
            SELECT w.word, count(*) AS n
            FROM old_rows r, unnest(tsvector_to_array(r.search_vector)) AS w(word)
            GROUP BY w.word
        ) per_word WHERE word ~ '^[[:alpha:]]{3,30}$') counted WHERE v.word = counted.word;
    DELETE FROM statements_searchword WHERE documents <= 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_resolution_vocabulary_insert AFTER INSERT ON statements_resolution
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_resolution_vocabulary_insert();
CREATE TRIGGER statements_resolution_vocabulary_update AFTER UPDATE ON statements_resolution
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_resolution_vocabulary_update();
CREATE TRIGGER statements_resolution_vocabulary_delete AFTER DELETE ON statements_resolution
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_resolution_vocabulary_delete();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0002_search_passages_vocabulary"),
    ]

    operations = [
        migrations.RunSQL(
            DROP_TRIGGERS_SQL
            + PASSAGE_TRIGGER_SQL
            + VOCABULARY_TRIGGER_SQL
            + BACKFILL_SQL,
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
