# A single word that opens exactly one topic's name or alias ("trafficking" for "Trafficking in
# human beings") stands for that topic in a search (search.expand_names). Indexing the first
# word of each normalised name makes that an index lookup instead of normalising every topic
# name and alias on every search.

from django.db import migrations

FIRST_WORD_INDEXES_SQL = r"""
CREATE INDEX topic_name_first_word ON statements_topic (split_part(archive_name(name), ' ', 1));
CREATE INDEX alias_name_first_word ON statements_alias (split_part(archive_name(name), ' ', 1));
"""

DROP_FIRST_WORD_INDEXES_SQL = r"""
DROP INDEX IF EXISTS topic_name_first_word;
DROP INDEX IF EXISTS alias_name_first_word;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0007_search_word_pairs"),
    ]

    operations = [
        migrations.RunSQL(FIRST_WORD_INDEXES_SQL, DROP_FIRST_WORD_INDEXES_SQL),
    ]
