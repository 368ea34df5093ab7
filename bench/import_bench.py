"""Import benchmark: how long `manage.py import_archive` takes on the real corpora, against
what PostgreSQL alone needs to store the same statements.

    .venv/bin/python bench/import_bench.py --repeat 3

For each corpus and each run it creates a scratch database, migrates it, and times (wall
clock, end to end, as a user runs it) `manage.py import_archive CORPUS` into it, then the same
import again (every object unchanged). In the same run it measures a baseline: a bare COPY of the
same statements, already parsed, into a plain table shaped like the statements table (same
columns, same search vectors computed by the same trigger, same indexes; no foreign keys, no
other triggers, no validation). It prints the median and 95th percentile (nearest rank)
seconds, statements per second, and the ratio of the import to the baseline. The scratch
databases are dropped.

DATABASE_URL names the server (any database on it; the scratch ones are created beside it).
Corpora are read from ../shared/corpora/ (see its README); they are never copied here."""

import argparse
import gzip
import json
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"
CORPUS_FILES = {
    "upr": "upr-recommendations.jsonl.gz",
    "ungd": "ungd-speeches.jsonl.gz",
}
STATEMENT_COLUMNS = ("key", "title", "text", "summary", "language", "date", "date_precision")


def server_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        sys.exit("Set DATABASE_URL to a PostgreSQL server (any database on it).")
    return url


def with_database(url, name):
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_connection(url):
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def create_database(url, name):
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url, name):
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(url, *args, capture=True):
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEV": "1"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=capture,
        text=True,
    )


def timed_import(url, path):
    started = time.perf_counter()
    result = manage(url, "import_archive", str(path))
    return time.perf_counter() - started, result.stdout


def statement_rows(path):
    """The corpus's statements as plain rows, parsed once (not timed)."""
    rows = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            obj = json.loads(line)
            if obj["type"] != "statement":
                continue
            date, precision = obj.get("date"), ""
            if date:
                precision = {4: "year", 7: "month", 10: "day"}[len(date)]
                date = (date + "-01-01")[:10]
            rows.append(
                (
                    obj["key"],
                    obj["title"],
                    obj["text"],
                    obj.get("summary") or "",
                    obj.get("language") or "en",
                    date,
                    precision,
                )
            )
    return rows


def baseline(url, rows):
    """Seconds for PostgreSQL alone: COPY the rows into a table with the statements table's
    columns, search vectors (computed by the same trigger function) and indexes, but no
    foreign keys and none of the other triggers (passages, vocabulary)."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE bench_baseline (LIKE statements_statement INCLUDING DEFAULTS "
            "INCLUDING GENERATED INCLUDING IDENTITY INCLUDING INDEXES INCLUDING STORAGE)"
        )
        conn.execute(
            "CREATE TRIGGER bench_baseline_search BEFORE INSERT OR UPDATE ON bench_baseline"
            " FOR EACH ROW EXECUTE FUNCTION statements_statement_search()"
        )
        conn.commit()
        columns = ", ".join(STATEMENT_COLUMNS)
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(
                f"COPY bench_baseline ({columns}, organisation_id, kind, occasion, source_url, "
                "status, created, updated) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row((*row, 1, "other", "", "", "published", "now", "now"))
        conn.commit()
        return time.perf_counter() - started


def percentile(values, share):
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(label, seconds, statements):
    median = statistics.median(seconds)
    return (
        f"  {label:<22} median {median:7.2f} s   p95 {percentile(seconds, 0.95):7.2f} s   "
        f"{statements / median:9,.0f} statements/s   runs: "
        + ", ".join(f"{s:.2f}" for s in seconds)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per corpus (default 3)")
    parser.add_argument(
        "--corpus", choices=sorted(CORPUS_FILES), action="append", help="default: both"
    )
    parser.add_argument(
        "--prefix", default="archive_import_bench", help="name prefix of the scratch databases"
    )
    parser.add_argument(
        "--corpora", type=Path, default=CORPORA, help=f"folder of the corpora (default {CORPORA})"
    )
    parser.add_argument(
        "--without-triggers",
        action="store_true",
        help="diagnostic: disable the statements table's own triggers (the search vocabulary "
        "and paragraph vectors) in the scratch databases, to see what they cost",
    )
    parser.add_argument(
        "--no-reimport", action="store_true", help="skip timing the second (unchanged) import"
    )
    options = parser.parse_args()
    url = server_url()
    corpora = options.corpus or ["upr", "ungd"]

    print(f"import benchmark: {options.repeat} run(s) per corpus, {os.cpu_count()} CPUs")
    if options.without_triggers:
        print("DIAGNOSTIC: the statements table's triggers are disabled")
    with psycopg.connect(url) as conn:
        print("PostgreSQL", conn.execute("SHOW server_version").fetchone()[0])
    for name in corpora:
        path = options.corpora / CORPUS_FILES[name]
        if not path.exists():
            sys.exit(f"{path} not found (see ../shared/corpora/README.md)")
        rows = statement_rows(path)
        size = sum(len(r[1]) + len(r[2]) + len(r[3]) for r in rows)
        print(f"\n{path.name}: {len(rows):,} statements, {size / 1e6:,.0f} million characters")
        imports, reimports, baselines = [], [], []
        for run in range(1, options.repeat + 1):
            database = f"{options.prefix}_{name}_{run}"
            scratch = with_database(url, database)
            create_database(url, database)
            try:
                manage(scratch, "migrate", "-v0")
                if options.without_triggers:
                    with psycopg.connect(scratch) as conn:
                        conn.execute("ALTER TABLE statements_statement DISABLE TRIGGER USER")
                seconds, report = timed_import(scratch, path)
                imports.append(seconds)
                if run == 1:
                    print("\n".join("  | " + line for line in report.splitlines()))
                if not options.no_reimport:
                    reimports.append(timed_import(scratch, path)[0])
                baselines.append(baseline(scratch, rows))
            finally:
                drop_database(url, database)
            print(
                f"  run {run}: import {imports[-1]:.2f} s"
                + (f", re-import {reimports[-1]:.2f} s" if reimports else "")
                + f", baseline {baselines[-1]:.2f} s",
                flush=True,
            )
        print(summary("import (empty archive)", imports, len(rows)))
        if reimports:
            print(summary("re-import (unchanged)", reimports, len(rows)))
        print(summary("baseline (bare COPY)", baselines, len(rows)))
        print(
            f"  import / baseline: {statistics.median(imports) / statistics.median(baselines):.2f}"
        )


if __name__ == "__main__":
    main()
