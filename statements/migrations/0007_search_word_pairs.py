# Word pairs (search_pairs): phrases answered from an index instead of by reading texts to
# check positions. See statements/search.py, PAIRS_FUNCTION_SQL.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import statements.search.config
from django.db import migrations, models

# The SQL as it stood when this migration was written: statements/search.py may change,
# a migration must not.
PAIRS_FUNCTION_SQL = r"""
CREATE OR REPLACE FUNCTION archive_word_pairs(vector tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector) FROM (
        SELECT CASE WHEN weight = lead(weight) OVER w AND position < 16383
                    THEN lexeme || ' ' || (lead(position) OVER w - position) || ' '
                         || lead(lexeme) OVER w
               END AS pair
        FROM unnest(vector) u, unnest(u.positions, u.weights) AS p(position, weight)
        WINDOW w AS (ORDER BY position)
    ) pairs
    WHERE pair IS NOT NULL AND octet_length(pair) < 2047
$$;
"""


class Migration(migrations.Migration):

    dependencies = [
        ('statements', '0006_statement_addressed_newest_index'),
    ]

    operations = [
        migrations.RunSQL(
            PAIRS_FUNCTION_SQL, "DROP FUNCTION IF EXISTS archive_word_pairs(tsvector);"
        ),
        migrations.AddField(
            model_name='resolution',
            name='search_pairs',
            field=models.GeneratedField(db_persist=True, expression=statements.search.config.WordPairs(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector(models.F('title'), config=statements.search.config.SearchConfigFor(models.F('language')), weight='A'), '||', django.contrib.postgres.search.SearchVector(models.F('section'), config=statements.search.config.SearchConfigFor(models.F('language')), weight='B'), django.contrib.postgres.search.SearchConfig(statements.search.config.SearchConfigFor(models.F('language')))), '||', django.contrib.postgres.search.SearchVector(models.F('text'), config=statements.search.config.SearchConfigFor(models.F('language')), weight='C'), django.contrib.postgres.search.SearchConfig(statements.search.config.SearchConfigFor(models.F('language'))))), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddField(
            model_name='statement',
            name='search_pairs',
            field=models.GeneratedField(db_persist=True, expression=statements.search.config.WordPairs(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.CombinedSearchVector(django.contrib.postgres.search.SearchVector(models.F('title'), config=statements.search.config.SearchConfigFor(models.F('language')), weight='A'), '||', django.contrib.postgres.search.SearchVector(models.F('summary'), config=statements.search.config.SearchConfigFor(models.F('language')), weight='B'), django.contrib.postgres.search.SearchConfig(statements.search.config.SearchConfigFor(models.F('language')))), '||', django.contrib.postgres.search.SearchVector(models.F('text'), config=statements.search.config.SearchConfigFor(models.F('language')), weight='C'), django.contrib.postgres.search.SearchConfig(statements.search.config.SearchConfigFor(models.F('language'))))), output_field=django.contrib.postgres.search.SearchVectorField()),
        ),
        migrations.AddIndex(
            model_name='resolution',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_pairs'], name='resolution_search_pairs'),
        ),
        migrations.AddIndex(
            model_name='statement',
            index=django.contrib.postgres.indexes.GinIndex(fields=['search_pairs'], name='statement_search_pairs'),
        ),
    ]
