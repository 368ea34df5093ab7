# A position's sort date now always lies in its year: a resolution's is its congress's start
# date when that falls in the congress's year, else the first of the year (a start date in
# another year, which the format allows, no longer sorts it outside its year). So a year
# filter on the facts is a range of sort dates, which the date-order indexes
# (positionfact_newest, positionfact_oldest) read in order, instead of filtering every row
# of the newer years; a check constraint holds the two columns together.
#
# The SQL as it stood when this migration was written; a migration must not change.

import django.db.models.functions.datetime
from django.db import migrations, models

RESOLUTION_DATE = (
    "CASE WHEN extract(year FROM c.start_date) = c.year THEN c.start_date"
    " ELSE make_date(c.year, 1, 1) END"
)

REFRESH_RESOLUTION_SQL = r"""
CREATE OR REPLACE FUNCTION archive_refresh_resolution_facts(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM statements_positionfact
    WHERE type = 'resolution' AND item_id IN (SELECT unnest(ids));
    WITH tags AS (
        SELECT x.resolution_id AS item, x.topic_id FROM statements_resolution_topics x
        WHERE x.resolution_id IN (SELECT unnest(ids))
    ), lineage AS (
        SELECT topic_id, archive_topic_lineage(topic_id) AS up
        FROM (SELECT DISTINCT topic_id FROM tags) distinct_topics
    ), closure AS (
        SELECT tags.item, array_agg(DISTINCT l ORDER BY l) AS topics
        FROM tags JOIN lineage USING (topic_id), unnest(lineage.up) l GROUP BY tags.item
    )
    INSERT INTO statements_positionfact
        (type, item_id, organisation_id, country, organisation_kind, kind, language, year,
         sort_date, topics)
    SELECT 'resolution', t.id, o.id, o.country, o.kind, '', t.language, c.year, {date},
           coalesce(closure.topics, '{{}}')
    FROM statements_resolution t JOIN statements_congress c ON c.id = t.congress_id
    JOIN statements_organisation o ON o.id = c.organisation_id
    LEFT JOIN closure ON closure.item = t.id
    WHERE t.id IN (SELECT unnest(ids))
    ORDER BY t.id;
$$;
UPDATE statements_positionfact f SET sort_date = {date}
FROM statements_resolution r JOIN statements_congress c ON c.id = r.congress_id
WHERE f.type = 'resolution' AND r.id = f.item_id AND f.sort_date IS DISTINCT FROM {date};
""".format(date=RESOLUTION_DATE)


class Migration(migrations.Migration):

    dependencies = [
        ("statements", "0017_names_within_index_limit"),
    ]

    operations = [
        migrations.RunSQL(REFRESH_RESOLUTION_SQL, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="positionfact",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("sort_date__isnull", True), ("year__isnull", True), _connector="AND"
                )
                | models.Q(
                    year=django.db.models.functions.datetime.ExtractYear("sort_date")
                ),
                name="positionfact_date_in_year",
            ),
        ),
    ]
