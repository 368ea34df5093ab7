# The vocabulary is now derived from the stored search vectors' lexemes (no second parsing
# pass over every text), and only texts over 40,000 characters are indexed paragraph by
# paragraph (the position limits are not reached below that). Triggers are replaced and the
# derived tables rebuilt.

from django.db import migrations

import statements.search


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0002_search_passages_vocabulary"),
    ]

    operations = [
        migrations.RunSQL(
            statements.search.drop_triggers_sql()
            + statements.search.passage_trigger_sql()
            + statements.search.vocabulary_trigger_sql()
            + statements.search.backfill_sql(),
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
