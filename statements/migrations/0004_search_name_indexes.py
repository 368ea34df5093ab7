# Names (organisations' names, short names and names in their own language; topics' names and
# aliases) are compared the way readers type them: lower case, accents off, punctuation as
# spaces. An IMMUTABLE function does that, so that expression indexes make the comparisons
# index lookups instead of a scan that normalises every name on every search.

from django.db import migrations

import statements.search


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0003_search_vocabulary_from_lexemes"),
    ]

    operations = [
        migrations.RunSQL(
            statements.search.name_function_sql(),
            reverse_sql=statements.search.drop_name_function_sql(),
        ),
    ]
