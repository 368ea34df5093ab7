# The triggers that keep statements_positionfact (one narrow row per public position) and
# statements_positiontotal (counts per facet value over the whole archive) current on every
# write path, and their first filling. Statement-level triggers with transition tables, so a
# bulk COPY refreshes its rows in one set-based step, as the vocabulary triggers do (0003).
#
# The SQL as it stood when this migration was written; a migration must not change.

from django.db import migrations

REFRESH_SQL = r"""
-- A topic and every topic above it (a cycle written behind the rules' back stops the walk).
CREATE FUNCTION archive_topic_lineage(topic bigint) RETURNS bigint[] LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, path) AS (
        SELECT topic, ARRAY[topic]
        UNION ALL
        SELECT t.parent_id, up.path || t.parent_id
        FROM up JOIN statements_topic t ON t.id = up.id
        WHERE t.parent_id IS NOT NULL AND NOT t.parent_id = ANY(up.path)
    )
    SELECT array_agg(id) FROM up
$$;
"""

# One refresh function per type: the facts of these items computed again from their rows.
REFRESH_TEMPLATE = r"""
CREATE FUNCTION archive_refresh_{type}_facts(ids bigint[]) RETURNS void LANGUAGE sql AS $$
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
        (type, item_id, organisation_id, country, organisation_kind, kind, language, year, topics)
    SELECT '{type}', t.id, o.id, o.country, o.kind, {kind}, t.language, {year},
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
        "join": "JOIN statements_organisation o ON o.id = t.organisation_id",
        "published": " AND t.status = 'published'",
        # Columns whose change changes the facts.
        "columns": ("status", "organisation_id", "kind", "language", "date"),
    },
    "resolution": {
        "kind": "''",
        "year": "c.year",
        "join": "JOIN statements_congress c ON c.id = t.congress_id"
        " JOIN statements_organisation o ON o.id = c.organisation_id",
        "published": "",
        "columns": ("congress_id", "language"),
    },
}

# The totals follow the facts: + for the rows inserted, - for the rows deleted, in three kinds
# of scope: the whole archive (""), each topic the row is on ("topic:<id>", its topics holding
# every topic above a tag) and its organisation ("organisation:<id>"). Facts are only ever
# updated for an organisation's country and kind, which the totals do not hold.
TOTALS_TEMPLATE = r"""
CREATE FUNCTION statements_positionfact_totals_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    WITH scoped AS MATERIALIZED (
        SELECT '' AS scope, r.* FROM {rows} r
        UNION ALL SELECT 'topic:' || s, r.* FROM {rows} r, unnest(r.topics) s
        UNION ALL SELECT 'organisation:' || r.organisation_id, r.* FROM {rows} r
    )
    INSERT INTO statements_positiontotal AS t (scope, facet, value, type, count)
    SELECT scope, facet, value, type, {sign} * sum(n) FROM (
        SELECT scope, 'type' AS facet, '' AS value, type, count(*) AS n
            FROM scoped GROUP BY scope, type
        UNION ALL SELECT scope, 'organisation', organisation_id::text, type, count(*)
            FROM scoped GROUP BY scope, organisation_id, type
        UNION ALL SELECT scope, 'kind', kind, type, count(*)
            FROM scoped WHERE type = 'statement' GROUP BY scope, kind, type
        UNION ALL SELECT scope, 'language', language, type, count(*)
            FROM scoped GROUP BY scope, language, type
        UNION ALL SELECT scope, 'year', coalesce(year::text, ''), type, count(*)
            FROM scoped GROUP BY scope, year, type
        UNION ALL SELECT scope, 'topic', topic::text, type, count(*)
            FROM scoped, unnest(scoped.topics) topic GROUP BY scope, topic, type
    ) changed
    GROUP BY scope, facet, value, type
    ORDER BY scope, facet, value, type  -- one order for every writer: no deadlock between them
    ON CONFLICT (scope, facet, value, type) DO UPDATE SET count = t.count + EXCLUDED.count;
    DELETE FROM statements_positiontotal WHERE count = 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_positionfact_totals_{event} AFTER {event} ON statements_positionfact
    REFERENCING {table} TABLE AS {rows} FOR EACH STATEMENT
    EXECUTE FUNCTION statements_positionfact_totals_{event}();
"""

# What changes a type's facts: its own rows, and its tags.
SOURCE_TEMPLATE = r"""
CREATE FUNCTION statements_{type}_facts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_refresh_{type}_facts(ARRAY(SELECT id FROM new_rows));
    RETURN NULL;
END
$$;
CREATE FUNCTION statements_{type}_facts_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_refresh_{type}_facts(ARRAY(
        SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE {changed}
    ));
    RETURN NULL;
END
$$;
CREATE FUNCTION statements_{type}_facts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM statements_positionfact
    WHERE type = '{type}' AND item_id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_{type}_facts_insert AFTER INSERT ON statements_{type}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_{type}_facts_insert();
CREATE TRIGGER statements_{type}_facts_update AFTER UPDATE ON statements_{type}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_{type}_facts_update();
CREATE TRIGGER statements_{type}_facts_delete AFTER DELETE ON statements_{type}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_{type}_facts_delete();

CREATE FUNCTION statements_{type}_topics_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM archive_refresh_{type}_facts(ARRAY(SELECT DISTINCT {type}_id FROM new_rows));
    ELSE
        PERFORM archive_refresh_{type}_facts(ARRAY(SELECT DISTINCT {type}_id FROM old_rows));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_{type}_topics_facts_insert AFTER INSERT ON statements_{type}_topics
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_{type}_topics_facts();
CREATE TRIGGER statements_{type}_topics_facts_delete AFTER DELETE ON statements_{type}_topics
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_{type}_topics_facts();
"""

# What the facts copy from elsewhere: a congress's organisation and year, an organisation's
# country and kind, and the topic tree (a topic moved takes its tagged items with it).
RELATED_SQL = r"""
CREATE FUNCTION statements_congress_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM archive_refresh_resolution_facts(ARRAY(
        SELECT r.id FROM statements_resolution r
        JOIN new_rows n ON n.id = r.congress_id JOIN old_rows o ON o.id = n.id
        WHERE n.organisation_id IS DISTINCT FROM o.organisation_id
           OR n.year IS DISTINCT FROM o.year
    ));
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_congress_facts AFTER UPDATE ON statements_congress
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_congress_facts();

CREATE FUNCTION statements_organisation_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE statements_positionfact f SET country = n.country, organisation_kind = n.kind
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE f.organisation_id = n.id
      AND (n.country IS DISTINCT FROM o.country OR n.kind IS DISTINCT FROM o.kind);
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_organisation_facts AFTER UPDATE ON statements_organisation
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_organisation_facts();

CREATE FUNCTION statements_topic_facts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TEMP TABLE archive_moved_topics ON COMMIT DROP AS
    WITH RECURSIVE below(id, path) AS (
        SELECT n.id, ARRAY[n.id] FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE n.parent_id IS DISTINCT FROM o.parent_id
        UNION ALL
        SELECT t.id, below.path || t.id FROM statements_topic t JOIN below ON t.parent_id = below.id
        WHERE NOT t.id = ANY(below.path)
    ) SELECT DISTINCT id FROM below;
    PERFORM archive_refresh_statement_facts(ARRAY(
        SELECT DISTINCT statement_id FROM statements_statement_topics
        WHERE topic_id IN (SELECT id FROM archive_moved_topics)));
    PERFORM archive_refresh_resolution_facts(ARRAY(
        SELECT DISTINCT resolution_id FROM statements_resolution_topics
        WHERE topic_id IN (SELECT id FROM archive_moved_topics)));
    DROP TABLE archive_moved_topics;
    RETURN NULL;
END
$$;
CREATE TRIGGER statements_topic_facts AFTER UPDATE ON statements_topic
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION statements_topic_facts();
"""

BACKFILL_SQL = r"""
SELECT archive_refresh_statement_facts(ARRAY(SELECT id FROM statements_statement));
SELECT archive_refresh_resolution_facts(ARRAY(SELECT id FROM statements_resolution));
ANALYZE statements_positionfact;
ANALYZE statements_positiontotal;
"""


def forward_sql():
    parts = [REFRESH_SQL]
    for type_, spec in TYPES.items():
        parts.append(REFRESH_TEMPLATE.format(type=type_, **spec))
    for event, table, rows, sign in (
        ("insert", "NEW", "new_rows", 1),
        ("delete", "OLD", "old_rows", -1),
    ):
        parts.append(TOTALS_TEMPLATE.format(event=event, table=table, rows=rows, sign=sign))
    for type_, spec in TYPES.items():
        changed = " OR ".join(f"n.{c} IS DISTINCT FROM o.{c}" for c in spec["columns"])
        parts.append(SOURCE_TEMPLATE.format(type=type_, changed=changed))
    parts.append(RELATED_SQL)
    parts.append(BACKFILL_SQL)
    return "\n".join(parts)


def reverse_sql():
    drops = []
    for type_ in TYPES:
        for event in ("insert", "update", "delete"):
            drops.append(f"DROP TRIGGER statements_{type_}_facts_{event} ON statements_{type_};")
            drops.append(f"DROP FUNCTION statements_{type_}_facts_{event}();")
        for event in ("insert", "delete"):
            drops.append(
                f"DROP TRIGGER statements_{type_}_topics_facts_{event}"
                f" ON statements_{type_}_topics;"
            )
        drops.append(f"DROP FUNCTION statements_{type_}_topics_facts();")
        drops.append(f"DROP FUNCTION archive_refresh_{type_}_facts(bigint[]);")
    for event in ("insert", "delete"):
        drops.append(
            f"DROP TRIGGER statements_positionfact_totals_{event} ON statements_positionfact;"
        )
        drops.append(f"DROP FUNCTION statements_positionfact_totals_{event}();")
    for table in ("congress", "organisation", "topic"):
        drops.append(f"DROP TRIGGER statements_{table}_facts ON statements_{table};")
        drops.append(f"DROP FUNCTION statements_{table}_facts();")
    drops.append("DROP FUNCTION archive_topic_lineage(bigint);")
    drops.append("TRUNCATE statements_positionfact, statements_positiontotal;")
    return "\n".join(drops)


class Migration(migrations.Migration):
    dependencies = [
        ("statements", "0011_position_facts"),
    ]

    operations = [
        migrations.RunSQL(forward_sql(), reverse_sql()),
    ]
