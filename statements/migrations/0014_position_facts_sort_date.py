# The facts carry each position's date too (a resolution's: its congress's start date, or the
# first of its year), so that the lists' date orders are read from the facts' own indexes
# (positionfact_newest, positionfact_oldest) under any filter, instead of sorting the texts.
# The refresh functions of migration 0012 now fill it, and a congress's new start date
# refreshes its resolutions.
#
# The SQL as it stood when this migration was written; a migration must not change.

from django.db import migrations, models

REFRESH_TEMPLATE = r"""
CREATE OR REPLACE FUNCTION archive_refresh_{type}_facts(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM statements_positionfact
    WHERE type = '{type}' AND item_id IN (SELECT unnest(ids));
    WITH tags AS (
        SELECT x.{type}_id AS item, x.topic_id FROM statements_{type}_topics x
        WHERE x.{type}_id IN (SELECT unnest(ids))
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
    SELECT '{type}', t.id, o.id, o.country, o.kind, {kind}, t.language, {year}, {date},
           coalesce(closure.topics, '{{}}')
    FROM statements_{type} t {join}
    LEFT JOIN closure ON closure.item = t.id
    WHERE t.id IN (SELECT unnest(ids)){published}
    ORDER BY t.id;
$$;
"""
TYPES = {
    "statement": {
        "kind": "t.kind",
        "year": "extract(year FROM t.date)::smallint",
        "date": "t.date",
        "join": "JOIN statements_organisation o ON o.id = t.organisation_id",
        "published": " AND t.status = 'published'",
    },
    "resolution": {
        "kind": "''",
        "year": "c.year",
        "date": "coalesce(c.start_date, make_date(c.year, 1, 1))",
        "join": "JOIN statements_congress c ON c.id = t.congress_id"
        " JOIN statements_organisation o ON o.id = c.organisation_id",
        "published": "",
    },
}

CONGRESS_SQL = r"""
CREATE OR REPLACE FUNCTION statements_congress_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_refresh_resolution_facts(ARRAY(
        SELECT r.id FROM statements_resolution r
        JOIN new_rows n ON n.id = r.congress_id JOIN old_rows o ON o.id = n.id
        WHERE n.organisation_id IS DISTINCT FROM o.organisation_id
           OR n.year IS DISTINCT FROM o.year
           OR n.start_date IS DISTINCT FROM o.start_date
    ));
    RETURN NULL;
END
$$;
"""

BACKFILL_SQL = r"""
UPDATE statements_positionfact f SET sort_date = s.date
FROM statements_statement s WHERE f.type = 'statement' AND s.id = f.item_id;
UPDATE statements_positionfact f SET sort_date = coalesce(c.start_date, make_date(c.year, 1, 1))
FROM statements_resolution r JOIN statements_congress c ON c.id = r.congress_id
WHERE f.type = 'resolution' AND r.id = f.item_id;
ANALYZE statements_positionfact;
"""


def forward_sql():
    parts = [REFRESH_TEMPLATE.format(type=type_, **spec) for type_, spec in TYPES.items()]
    return "\n".join([*parts, CONGRESS_SQL, BACKFILL_SQL])



class Migration(migrations.Migration):

    dependencies = [
        ('statements', '0013_search_vectors_within_limits'),
    ]

    operations = [
        migrations.AddField(
            model_name='positionfact',
            name='sort_date',
            field=models.DateField(null=True),
        ),
        migrations.AddIndex(
            model_name='positionfact',
            index=models.Index(models.OrderBy(models.F('sort_date'), descending=True, nulls_last=True), models.F('type'), models.F('item_id'), name='positionfact_newest'),
        ),
        migrations.AddIndex(
            model_name='positionfact',
            index=models.Index(models.OrderBy(models.F('sort_date'), nulls_last=True), models.F('type'), models.F('item_id'), name='positionfact_oldest'),
        ),
        migrations.RunSQL(forward_sql(), migrations.RunSQL.noop),
    ]
