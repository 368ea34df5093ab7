# Names (organisations' names, short names and names in their own language; topics' names and
# aliases) are compared the way readers type them: lower case, accents off, punctuation as
# spaces. An IMMUTABLE function does that, so that expression indexes make the comparisons
# index lookups instead of a scan that normalises every name on every search.

from django.db import migrations


# The SQL as it stood when this migration was written: statements/search.py may change,
# a migration must not.
DROP_NAME_FUNCTION_SQL = r"""DROP INDEX IF EXISTS organisation_name_search;
DROP INDEX IF EXISTS organisation_short_name_search;
DROP INDEX IF EXISTS organisation_native_name_search;
DROP INDEX IF EXISTS topic_name_search;
DROP INDEX IF EXISTS alias_name_search;
DROP INDEX IF EXISTS organisation_name_trgm;
DROP INDEX IF EXISTS organisation_short_name_trgm;
DROP INDEX IF EXISTS topic_name_trgm;
DROP INDEX IF EXISTS alias_name_trgm;
DROP FUNCTION IF EXISTS archive_name(text);"""

NAME_FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION archive_name(name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT btrim(regexp_replace(lower(public.unaccent('public.unaccent'::regdictionary, name)),
                                '[^[:alnum:]]+', ' ', 'g'))
$$;
CREATE INDEX organisation_name_search ON statements_organisation (archive_name(name));
CREATE INDEX organisation_short_name_search ON statements_organisation (archive_name(short_name));
CREATE INDEX organisation_native_name_search ON statements_organisation (archive_name(native_name));
CREATE INDEX topic_name_search ON statements_topic (archive_name(name));
CREATE INDEX alias_name_search ON statements_alias (archive_name(name));
CREATE INDEX organisation_name_trgm ON statements_organisation USING gin (archive_name(name) gin_trgm_ops);
CREATE INDEX organisation_short_name_trgm ON statements_organisation USING gin (archive_name(short_name) gin_trgm_ops);
CREATE INDEX topic_name_trgm ON statements_topic USING gin (archive_name(name) gin_trgm_ops);
CREATE INDEX alias_name_trgm ON statements_alias USING gin (archive_name(name) gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0003_search_vocabulary_from_lexemes"),
    ]

    operations = [
        migrations.RunSQL(
            NAME_FUNCTION_SQL,
            reverse_sql=DROP_NAME_FUNCTION_SQL,
        ),
    ]
