"""Importing an interchange file: read and validate every line, then write the whole file in
one transaction, or nothing.

Writing is set-based. Each type's rows are copied (psycopg 3 COPY) into a temporary staging
table, then merged with one INSERT … ON CONFLICT … DO UPDATE … WHERE (row IS DISTINCT FROM
the new one) RETURNING (xmax = 0), which tells created rows from updated ones; rows equal to the
archive's are filtered out before the insert, so they stay untouched (their `updated`
timestamp and search vectors included). New statements, the bulk of large files, skip the
staging table: they are copied straight into theirs, and their topics and mentions into their
tables. Lists (topics, mentions, aliases, related topics) are replaced by set differences.
PostgreSQL computes the stored search vectors as it inserts."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from statements.models import (
    Affiliation,
    Alias,
    Congress,
    Organisation,
    Quotation,
    Resolution,
    Statement,
    Topic,
)
from statements.search.maintenance import flush_search_indexes

from . import schema
from .reader import LineError, open_lines, parse_line, type_and_key
from .validate import Problems, RejectedLines, check_file, check_object, last_of_each


class NullProgress:
    """What the importer tells about its progress; the command shows it as it likes."""

    def reading(self, total_bytes):
        pass

    def read(self, position, lines):
        pass

    def phase(self, text):
        pass

    def close(self):
        pass


@dataclass
class TypeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The ids written (created or updated): what the import's revision keeps (history.py).
    written: set = field(default_factory=set, repr=False)

    @property
    def total(self):
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    path: str
    dry_run: bool = False
    lines: int = 0
    problems: Problems = field(default_factory=Problems)
    counts: dict = field(default_factory=lambda: {t: TypeCounts() for t in schema.TYPE_ORDER})
    read: Counter = field(default_factory=Counter)  # valid objects per type
    rejected: RejectedLines = field(default_factory=RejectedLines)

    @property
    def ok(self):
        return not self.problems


def read_records(path, result, progress):
    """Parse and check every line of the file; return the valid Records by type."""
    records = {type_: [] for type_ in schema.TYPE_ORDER}
    problems = result.problems
    try:
        size = path.stat().st_size
    except OSError:
        size = None
    lines_read = 0
    with open_lines(path) as (lines, position):
        progress.reading(size)
        for lines_read, raw in enumerate(lines, 1):
            try:
                record = check_object(parse_line(raw), lines_read, problems)
            except LineError as error:
                problems.add(lines_read, error.field, error.message)
                record = None
            if record is not None:
                records[record.type].append(record)
            elif raw.strip():  # a blank line means nothing that others could refer to
                result.rejected.add(lines_read, *type_and_key(raw))
            if not lines_read % 1000:
                progress.read(position(), lines_read)
        progress.read(position(), lines_read)
    result.lines = lines_read
    return records


def import_file(path, *, dry_run=False, rehearse=False, progress=None):
    """Import one file (all of it or, on any problem, nothing). Returns an ImportResult;
    raises FileError when the file cannot be read at all.

    `dry_run` checks and writes nothing. `rehearse` checks and writes as a real import does,
    for a caller that rolls its own transaction back afterwards: a dry run of several files,
    whose later files may refer to the earlier ones."""
    path = Path(path)
    progress = progress or NullProgress()
    result = ImportResult(str(path), dry_run=dry_run or rehearse)
    try:
        records = read_records(path, result, progress)
        with transaction.atomic():
            progress.phase("checking references against the archive")
            check_file(records, result.problems, result.rejected)
            for type_, items in records.items():
                result.read[type_] = len(items)
            if result.problems or dry_run:
                return result
            last_of_each(records)
            try:
                Writer(records, result.counts, progress).write()
            except RefusedLine as refusal:
                result.problems.add(refusal.line, refusal.field, refusal.message)
                transaction.set_rollback(True)
                return result
        if rehearse:
            return result
        # Until their pending lists are cleaned, the GIN indexes make the first searches slow.
        progress.phase("updating the search indexes")
        with connection.cursor() as cursor:
            flush_search_indexes(cursor)
            # The public pages filter and count through the tag tables: without statistics
            # the planner takes a topic's 40,000 tags for 200 texts and loops over them.
            for model in (Statement, Resolution):
                cursor.execute(f"ANALYZE {model.topics.through._meta.db_table}")
        return result
    finally:
        progress.close()


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


ORG, AFF, TOPIC, ALIAS = (_table(m) for m in (Organisation, Affiliation, Topic, Alias))
CONGRESS, RESOLUTION, STATEMENT, QUOTATION = (
    _table(m) for m in (Congress, Resolution, Statement, Quotation)
)


def _through(field):
    through = field.through._meta
    owner, other = (f.column for f in through.local_fields if f.is_relation)
    return connection.ops.quote_name(through.db_table), owner, other


MODEL_OF = {
    "organisation": Organisation,
    "affiliation": Affiliation,
    "topic": Topic,
    "congress": Congress,
    "resolution": Resolution,
    "statement": Statement,
    "quotation": Quotation,
}

# PostgreSQL's errors that refuse the data itself, by SQLSTATE class: a data exception (22), a
# constraint (23), a limit such as an index row's size (54), a trigger's own (P0). Any other
# (the database gone, a query of ours wrong) is no line's fault.
REFUSAL_CLASSES = ("22", "23", "54", "P0")


def refused(error):
    return (getattr(error.__cause__, "sqlstate", None) or "")[:2] in REFUSAL_CLASSES


class RefusedLine(Exception):
    """The database refused a line's object that the validator let through."""

    def __init__(self, line, field, message):
        super().__init__(message)
        self.line, self.field, self.message = line, field, message


class _RolledBack(Exception):
    pass


def refusal_reason(error):
    """What the database said, as the reason of a problem."""
    diag = error.__cause__.diag
    said = diag.message_primary or str(error)
    if error.__cause__.sqlstate.startswith("23") and diag.message_detail:
        said += f" ({diag.message_detail.rstrip('.')})"
    if error.__cause__.sqlstate.startswith("54"):
        return f"is too long for the database, which refused it: {said}"
    return f"the database refused it: {said}"


def field_at_fault(type_, error):
    """The format's field whose table or column the refusing constraint or index covers, or
    None when that is not one field."""
    diag = error.__cause__.diag
    model = MODEL_OF[type_]
    tables, columns = {}, {}  # a list's own table, or a column of the type's table -> field
    for f in schema.TYPES[type_]:
        model_field = model._meta.get_field(f.name)
        if model_field.many_to_many:
            tables[model_field.remote_field.through._meta.db_table] = f.name
        elif model_field.one_to_many:
            tables[model_field.related_model._meta.db_table] = f.name
        else:
            columns[model_field.column] = f.name
    if diag.table_name in tables:
        return tables[diag.table_name]
    named = {diag.column_name} if diag.column_name else set()
    if diag.constraint_name and diag.table_name:
        with connection.cursor() as cursor:
            # The columns an index or constraint depends on, its expressions' included.
            cursor.execute(
                "SELECT a.attname FROM pg_depend d JOIN pg_attribute a"
                " ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid"
                " WHERE d.refobjid = to_regclass(quote_ident(%s)) AND d.refobjsubid > 0"
                " AND (d.classid, d.objid) IN ("
                "  SELECT 'pg_class'::regclass, c.oid FROM pg_class c WHERE c.relname = %s"
                "  UNION ALL SELECT 'pg_constraint'::regclass, k.oid FROM pg_constraint k"
                "  WHERE k.conname = %s AND k.conrelid = to_regclass(quote_ident(%s)))",
                [diag.table_name, diag.constraint_name, diag.constraint_name, diag.table_name],
            )
            named.update(row[0] for row in cursor.fetchall())
    fields = {columns[c] for c in named if c in columns}
    return fields.pop() if len(fields) == 1 else None


class Writer:
    """Writes valid records, in the format's type order, inside the caller's transaction.

    Should the database refuse what the validator let through, the line at fault is found by
    writing halves of that type's objects (each rolled back) until one line alone is refused,
    and raised as a RefusedLine naming its field where the refusing constraint or index says."""

    def __init__(self, records, counts, progress):
        self.records = records
        self.counts = counts
        self.progress = progress

    def write(self):
        with connection.cursor() as cursor:
            self.cursor = cursor
            # Long texts are stored compressed (TOAST); lz4 compresses several times faster
            # than PostgreSQL's default pglz, and reads back faster too. For this
            # transaction only; the columns keep accepting either.
            cursor.execute(
                "SELECT set_config('default_toast_compression', 'lz4', true) FROM pg_settings "
                "WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals)"
            )
            for type_ in schema.TYPE_ORDER:
                records = self.records[type_]
                if not records:
                    continue
                self.progress.phase(f"writing {len(records):,} {type_} objects")
                try:
                    with transaction.atomic():
                        self.write_type(type_, records)
                except DatabaseError as error:
                    if not refused(error):
                        raise
                    raise self.refusal(type_, records, error) from error

    def refusal(self, type_, records, error):
        """The RefusedLine for `error`, which writing `records` met."""
        self.progress.phase(f"finding the {type_} line that the database refuses")
        suspects = records
        while len(suspects) > 1:
            half = len(suspects) // 2
            for part in (suspects[:half], suspects[half:]):
                part_error = self.refuses(type_, part)
                if part_error is not None:
                    suspects, error = part, part_error
                    break
            else:
                # Neither half alone: a line refused with an earlier one (two equal values
                # under a unique index, say). The shortest refused run from the first line
                # ends at it.
                shortest = len(suspects)
                low = 1
                while low < shortest:
                    middle = (low + shortest) // 2
                    part_error = self.refuses(type_, suspects[:middle])
                    if part_error is None:
                        low = middle + 1
                    else:
                        shortest, error = middle, part_error
                return RefusedLine(
                    suspects[shortest - 1].line,
                    field_at_fault(type_, error),
                    f"{refusal_reason(error)}, with an earlier {type_} line of this file",
                )
        return RefusedLine(suspects[0].line, field_at_fault(type_, error), refusal_reason(error))

    def write_type(self, type_, records):
        # COPY is psycopg's own, past Django's cursor: its errors become Django's here, as
        # every other query's do.
        with connection.wrap_database_errors:
            getattr(self, f"write_{type_}")(records)

    def refuses(self, type_, records):
        """The refusal that writing these records alone meets, or None; written or not, they
        are rolled back."""
        try:
            with transaction.atomic():
                self.write_type(type_, records)
                raise _RolledBack
        except _RolledBack:
            return None
        except DatabaseError as error:
            if not refused(error):
                raise
            return error

    # Helpers -------------------------------------------------------------------------------

    def stage(self, name, columns, rows):
        """A temporary table `name` filled with `rows` by COPY. `columns`: (name, sql type)."""
        cursor = self.cursor
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        spec = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
        cursor.execute(f"CREATE TEMPORARY TABLE {name} ({spec}) ON COMMIT DROP")
        names = ", ".join(column for column, _ in columns)
        with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        # Statistics on the key columns only: sampling long texts would cost seconds.
        cursor.execute(f"ANALYZE {name} ({columns[0][0]})")

    def upsert(self, table, columns, select_sql, match, compare):
        """Merge the rows of `select_sql` (whose columns are `columns`) into `table`: insert new
        ones and, on a conflict over `match`, update those that differ. Rows equal to the
        archive's are filtered out first, so they are neither locked nor rewritten and their
        generated search vectors are not recomputed. Returns (created ids, updated ids)."""
        update = ", ".join(f"{c} = EXCLUDED.{c}" for c in compare)
        old = ", ".join(f"t.{c}" for c in compare)
        new = ", ".join(f"EXCLUDED.{c}" for c in compare)
        staged = ", ".join(f"n.{c}" for c in compare)
        same_row = " AND ".join(
            [*(f"t.{c} = n.{c}" for c in match), f"ROW({old}) IS NOT DISTINCT FROM ROW({staged})"]
        )
        extra = ", updated = EXCLUDED.updated" if table == STATEMENT else ""
        self.cursor.execute(
            f"INSERT INTO {table} AS t ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM ({select_sql}) n "
            f"WHERE NOT EXISTS (SELECT FROM {table} t WHERE {same_row}) "
            f"ON CONFLICT ({', '.join(match)}) DO UPDATE SET {update}{extra} "
            f"WHERE ROW({old}) IS DISTINCT FROM ROW({new}) "
            "RETURNING t.id, (t.xmax = 0)"
        )
        created, updated = set(), set()
        for pk, inserted in self.cursor.fetchall():
            (created if inserted else updated).add(pk)
        return created, updated

    def count(self, type_, created, updated):
        counts = self.counts[type_]
        counts.created = len(created)
        counts.updated = len(updated - created)
        counts.unchanged = len(self.records[type_]) - counts.created - counts.updated
        counts.written = created | updated

    def replace_links(self, field, owner_table, owner_stage, other_table, links_stage):
        """Make the many-to-many rows of the staged owners exactly the staged links.
        Returns the ids of owners whose links changed."""
        through, owner, other = _through(field)
        cursor = self.cursor
        cursor.execute(
            f"DELETE FROM {through} m USING {owner_table} o, {owner_stage} s "
            f"WHERE m.{owner} = o.id AND o.key = s.key AND NOT EXISTS ("
            f" SELECT 1 FROM {links_stage} l JOIN {other_table} x ON x.key = l.other"
            f" WHERE l.owner = s.key AND x.id = m.{other}) "
            f"RETURNING m.{owner}"
        )
        changed = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            f"INSERT INTO {through} ({owner}, {other}) "
            f"SELECT o.id, x.id FROM {links_stage} l JOIN {owner_table} o ON o.key = l.owner "
            f"JOIN {other_table} x ON x.key = l.other "
            f"ON CONFLICT DO NOTHING RETURNING {owner}"
        )
        changed.update(row[0] for row in cursor.fetchall())
        return changed

    def stage_links(self, name, records, field_name):
        self.stage(
            name,
            [("owner", "text"), ("other", "text")],
            ((r.values["key"], other) for r in records for other in r.values[field_name]),
        )

    def set_parents(self, table, stage_name):
        self.cursor.execute(
            f"UPDATE {table} t SET parent_id = p.id "
            f"FROM {stage_name} s LEFT JOIN {table} p ON p.key = s.parent "
            "WHERE t.key = s.key AND t.parent_id IS DISTINCT FROM p.id RETURNING t.id"
        )
        return {row[0] for row in self.cursor.fetchall()}

    # Types ---------------------------------------------------------------------------------

    def write_organisation(self, records):
        plain = ["name", "short_name", "native_name", "country", "kind", "description", "website"]
        self.stage(
            "import_organisation",
            [("key", "text"), *((c, "text") for c in plain), ("parent", "text")],
            ([r.values["key"], *(r.values[c] for c in plain), r.values["parent"]] for r in records),
        )
        created, updated = self.upsert(
            ORG,
            ["key", *plain],
            f"SELECT key, {', '.join(plain)} FROM import_organisation",
            ["key"],
            plain,
        )
        updated |= self.set_parents(ORG, "import_organisation")
        self.count("organisation", created, updated)

    def write_affiliation(self, records):
        self.stage(
            "import_affiliation",
            [
                ("organisation", "text"),
                ("relation", "text"),
                ("target", "text"),
                ("since", "integer"),
                ("until", "integer"),
                ("note", "text"),
            ],
            (
                [
                    r.values[f]
                    for f in ("organisation", "relation", "target", "since", "until", "note")
                ]
                for r in records
            ),
        )
        created, updated = self.upsert(
            AFF,
            ["organisation_id", "relation", "target_id", "since", "until", "note"],
            "SELECT o.id AS organisation_id, s.relation, g.id AS target_id, s.since, s.until, "
            "s.note FROM import_affiliation s "
            f"JOIN {ORG} o ON o.key = s.organisation JOIN {ORG} g ON g.key = s.target",
            ["organisation_id", "relation", "target_id"],
            ["since", "until", "note"],
        )
        self.count("affiliation", created, updated)

    def write_topic(self, records):
        self.stage(
            "import_topic",
            [("key", "text"), ("name", "text"), ("description", "text"), ("parent", "text")],
            ([r.values[f] for f in ("key", "name", "description", "parent")] for r in records),
        )
        created, updated = self.upsert(
            TOPIC,
            ["key", "name", "description"],
            "SELECT key, name, description FROM import_topic",
            ["key"],
            ["name", "description"],
        )
        updated |= self.set_parents(TOPIC, "import_topic")
        updated |= self.write_aliases(records)
        updated |= self.write_related(records)
        self.count("topic", created, updated)

    def write_aliases(self, records):
        """Replace the aliases of topics whose list (in order) changed; return their ids."""
        self.stage(
            "import_alias",
            [("topic", "text"), ("position", "integer"), ("name", "text")],
            (
                (r.values["key"], position, name)
                for r in records
                for position, name in enumerate(r.values["aliases"])
            ),
        )
        cursor = self.cursor
        cursor.execute(
            "WITH wanted AS ("
            " SELECT t.id, coalesce(array_agg(a.name ORDER BY a.position)"
            "  FILTER (WHERE a.name IS NOT NULL), '{}') AS names"
            f" FROM import_topic s JOIN {TOPIC} t ON t.key = s.key"
            " LEFT JOIN import_alias a ON a.topic = s.key GROUP BY t.id),"
            " present AS ("
            f" SELECT topic_id, array_agg(name::text ORDER BY position, id) AS names FROM {ALIAS}"
            " WHERE topic_id IN (SELECT id FROM wanted) GROUP BY topic_id)"
            " SELECT w.id FROM wanted w LEFT JOIN present p ON p.topic_id = w.id"
            " WHERE w.names IS DISTINCT FROM coalesce(p.names, '{}')"
        )
        changed = [row[0] for row in cursor.fetchall()]
        if changed:
            cursor.execute(f"DELETE FROM {ALIAS} WHERE topic_id = ANY(%s)", [changed])
            cursor.execute(
                f"INSERT INTO {ALIAS} (topic_id, position, name) "
                f"SELECT t.id, a.position, a.name FROM import_alias a JOIN {TOPIC} t "
                "ON t.key = a.topic WHERE t.id = ANY(%s)",
                [changed],
            )
        return set(changed)

    def write_related(self, records):
        """Related topics are symmetric pairs, each written once in a file, on the topic whose
        key sorts first. A pair {T, U} belongs to the lines that declare it; so a topic T of
        this file ends up with the pairs the file declares, plus the archive's pairs {T, U}
        whose U sorts before T and is not in this file (U's line, elsewhere, owns them)."""
        in_file = {r.values["key"] for r in records}
        declared = {frozenset((r.values["key"], u)) for r in records for u in r.values["related"]}
        through, from_col, to_col = _through(Topic.related)
        cursor = self.cursor
        cursor.execute(
            f"SELECT a.key, b.key FROM {through} m JOIN {TOPIC} a ON a.id = m.{from_col} "
            f"JOIN {TOPIC} b ON b.id = m.{to_col} WHERE a.key = ANY(%s)",
            [sorted(in_file)],
        )
        present = {frozenset(pair) for pair in cursor.fetchall()}
        kept = set()
        for pair in present:
            t, u = sorted(pair)  # u sorts after t
            if u in in_file and t not in in_file:
                kept.add(pair)
        wanted = declared | kept
        removed, added = present - wanted, wanted - present
        if not (removed or added):
            return set()
        keys = {key for pair in removed | added for key in pair}
        ids = dict(Topic.objects.filter(key__in=keys).values_list("key", "id"))
        if removed:
            rows = [(ids[a], ids[b]) for a, b in map(tuple, removed)]
            rows += [(b, a) for a, b in rows]
            cursor.execute(
                f"DELETE FROM {through} WHERE ({from_col}, {to_col}) IN "
                f"(SELECT * FROM unnest(%s::bigint[], %s::bigint[]))",
                [[a for a, _ in rows], [b for _, b in rows]],
            )
        if added:
            rows = [(ids[a], ids[b]) for a, b in map(tuple, added)]
            rows += [(b, a) for a, b in rows]
            cursor.execute(
                f"INSERT INTO {through} ({from_col}, {to_col}) "
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[]) ON CONFLICT DO NOTHING",
                [[a for a, _ in rows], [b for _, b in rows]],
            )
        touched = {key for pair in removed | added for key in pair} & in_file
        return {ids[key] for key in touched}

    def write_congress(self, records):
        fields = ["key", "organisation", "name", "year", "place", "start_date", "end_date"]
        self.stage(
            "import_congress",
            [
                ("key", "text"),
                ("organisation", "text"),
                ("name", "text"),
                ("year", "integer"),
                ("place", "text"),
                ("start_date", "date"),
                ("end_date", "date"),
            ],
            ([r.values[f] for f in fields] for r in records),
        )
        compare = ["organisation_id", "name", "year", "place", "start_date", "end_date"]
        created, updated = self.upsert(
            CONGRESS,
            ["key", *compare],
            "SELECT s.key, o.id AS organisation_id, s.name, s.year, s.place, s.start_date, "
            f"s.end_date FROM import_congress s JOIN {ORG} o ON o.key = s.organisation",
            ["key"],
            compare,
        )
        self.count("congress", created, updated)

    def write_resolution(self, records):
        fields = ["key", "congress", "title", "text", "kind", "section", "language", "source_url"]
        self.stage(
            "import_resolution",
            [(f, "text") for f in fields],
            ([r.values[f] for f in fields] for r in records),
        )
        compare = ["congress_id", "title", "text", "kind", "section", "language", "source_url"]
        created, updated = self.upsert(
            RESOLUTION,
            ["key", *compare],
            "SELECT s.key, c.id AS congress_id, s.title, s.text, s.kind, s.section, s.language, "
            f"s.source_url FROM import_resolution s JOIN {CONGRESS} c ON c.key = s.congress",
            ["key"],
            compare,
        )
        self.stage_links("import_resolution_topic", records, "topics")
        updated |= self.replace_links(
            Resolution.topics, RESOLUTION, "import_resolution", TOPIC, "import_resolution_topic"
        )
        self.count("resolution", created, updated)

    STATEMENT_FIELDS = (
        "key",
        "organisation",
        "title",
        "text",
        "kind",
        "addressed_to",
        "occasion",
        "language",
        "summary",
        "source_url",
        "status",
    )

    STATEMENT_COLUMNS = (
        "organisation_id",
        "title",
        "text",
        "kind",
        "addressed_to_id",
        "occasion",
        "language",
        "summary",
        "source_url",
        "status",
        "date",
        "date_precision",
    )

    def write_statement(self, records):
        """Statements are the bulk of large files. New ones are copied straight into the
        table (COPY batches its inserts; PostgreSQL computes their search vectors as it
        goes); those already in the archive go through the staging table and the upsert, which
        rewrites only the ones that differ."""
        cursor = self.cursor
        cursor.execute(
            f"SELECT key FROM {STATEMENT} WHERE key = ANY(%s)", [[r.values["key"] for r in records]]
        )
        present = {row[0] for row in cursor.fetchall()}
        new = [r for r in records if r.values["key"] not in present]
        old = [r for r in records if r.values["key"] in present]

        created = set()
        if new:
            cursor.execute("SELECT statement_timestamp()")
            now = cursor.fetchone()[0]
            organisations = {r.values["organisation"] for r in new} | {
                r.values["addressed_to"] for r in new if r.values["addressed_to"]
            }
            ids = dict(Organisation.objects.filter(key__in=organisations).values_list("key", "id"))
            columns = ", ".join(["key", *self.STATEMENT_COLUMNS, "created", "updated"])
            with cursor.copy(f"COPY {STATEMENT} ({columns}) FROM STDIN") as copy:
                for r in new:
                    v = r.values
                    date, precision = v["date"] or (None, "")
                    copy.write_row(
                        (
                            v["key"],
                            ids[v["organisation"]],
                            v["title"],
                            v["text"],
                            v["kind"],
                            ids[v["addressed_to"]] if v["addressed_to"] else None,
                            v["occasion"],
                            v["language"],
                            v["summary"],
                            v["source_url"],
                            v["status"],
                            date,
                            precision,
                            now,
                            now,
                        )
                    )
            cursor.execute(
                f"SELECT key, id FROM {STATEMENT} WHERE key = ANY(%s)",
                [[r.values["key"] for r in new]],
            )
            new_ids = dict(cursor.fetchall())
            created = set(new_ids.values())
            # Their lists are new too: copy them in, nothing to compare.
            topics = {key for r in new for key in r.values["topics"]}
            topic_ids = dict(Topic.objects.filter(key__in=topics).values_list("key", "id"))
            mentioned = {key for r in new for key in r.values["mentions"]} - ids.keys()
            ids.update(Organisation.objects.filter(key__in=mentioned).values_list("key", "id"))
            for field, other_ids, name in (
                (Statement.topics, topic_ids, "topics"),
                (Statement.mentions, ids, "mentions"),
            ):
                through, owner, other = _through(field)
                with cursor.copy(f"COPY {through} ({owner}, {other}) FROM STDIN") as copy:
                    for r in new:
                        statement_id = new_ids[r.values["key"]]
                        for key in sorted(r.values[name]):
                            copy.write_row((statement_id, other_ids[key]))

        updated = set()
        if old:
            fields = self.STATEMENT_FIELDS

            def rows():
                for r in old:
                    values = r.values
                    date, precision = values["date"] or (None, "")
                    yield [*(values[f] for f in fields), date, precision]

            self.stage(
                "import_statement",
                [*((f, "text") for f in fields), ("date", "date"), ("date_precision", "text")],
                rows(),
            )
            compare = list(self.STATEMENT_COLUMNS)
            _, updated = self.upsert(
                STATEMENT,
                ["key", *compare, "created", "updated"],
                "SELECT s.key, o.id AS organisation_id, s.title, s.text, s.kind, "
                "a.id AS addressed_to_id, s.occasion, s.language, s.summary, s.source_url, "
                "s.status, s.date, s.date_precision, statement_timestamp() AS created, "
                "statement_timestamp() AS updated "
                f"FROM import_statement s JOIN {ORG} o ON o.key = s.organisation "
                f"LEFT JOIN {ORG} a ON a.key = s.addressed_to",
                ["key"],
                compare,
            )

        linked = set()
        if old:
            self.stage_links("import_statement_topic", old, "topics")
            linked = self.replace_links(
                Statement.topics, STATEMENT, "import_statement", TOPIC, "import_statement_topic"
            )
            self.stage_links("import_statement_mention", old, "mentions")
            linked |= self.replace_links(
                Statement.mentions, STATEMENT, "import_statement", ORG, "import_statement_mention"
            )
        # A statement whose lists alone changed was updated too: say so in its timestamp.
        touched = linked - created - updated
        if touched:
            cursor.execute(
                f"UPDATE {STATEMENT} SET updated = statement_timestamp() WHERE id = ANY(%s)",
                [sorted(touched)],
            )
        self.count("statement", created, updated | linked)

    def write_quotation(self, records):
        self.stage(
            "import_quotation",
            [("statement", "text"), ("resolution", "text"), ("excerpt", "text")],
            ([r.values["statement"], r.values["resolution"], r.values["excerpt"]] for r in records),
        )
        self.cursor.execute(
            f"INSERT INTO {QUOTATION} (statement_id, resolution_id, excerpt) "
            "SELECT st.id, r.id, s.excerpt FROM import_quotation s "
            f"JOIN {STATEMENT} st ON st.key = s.statement JOIN {RESOLUTION} r "
            "ON r.key = s.resolution "
            "ON CONFLICT (statement_id, resolution_id, md5(excerpt)) DO NOTHING RETURNING id"
        )
        created = {row[0] for row in self.cursor.fetchall()}
        self.count("quotation", created, set())
