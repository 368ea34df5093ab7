"""Would a RUM index do better? The operations our search needs, timed on a RUM index against
the way the search does them without one (GIN indexes, the title index, word pairs).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/archive_bench_1m DJANGO_DEV=1 \\
        .venv/bin/python bench/rum_probe.py [--keep]

RUM (Debian: postgresql-15-rum) keeps word positions in the index, so it can order matches by
rank inside the index and check phrases without reading the texts. The probe creates
`CREATE EXTENSION rum` and a RUM index on the statements' whole-text vector (minutes at 1M;
--keep keeps it for another run), then times, for common words (10-30% of texts) and phrases
of two common words taken from the texts, over --queries of each, each run once to warm and
then timed:

- the top 20 by rank: RUM's `ORDER BY search_vector <=> query LIMIT 20` against ours, the
  best of the title matches ranked on the whole text (the title path of the search's ranking
  before it ranked every match);
- the first 1,001 matches (what the count "1,000+" needs): a RUM index scan against the GIN
  bitmap scan of the small title index;
- the first 1,001 texts holding a phrase: RUM against the word-pairs index.

It prints medians and 95th percentiles. It needs the extension installed on the server; it
says so and stops when it is not.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policy.settings")
os.environ.setdefault("DJANGO_DEV", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from statements.search.compile import phrase_pairs  # noqa: E402

INDEX = "statement_search_rum_probe"


def timed(cursor, sql, params):
    started = time.perf_counter()
    cursor.execute(sql, params)
    rows = cursor.fetchall()
    return (time.perf_counter() - started) * 1000, len(rows)


def figures(times):
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"median {statistics.median(times):8.1f} ms   p95 {p95:8.1f} ms"


def common_words(cursor, n, seed):
    cursor.execute("SELECT count(*) FROM statements_statement")
    total = cursor.fetchone()[0]
    cursor.execute(
        "SELECT word FROM statements_searchword WHERE documents BETWEEN %s AND %s"
        " AND plainto_tsquery('english', word)::text = quote_literal(word)"
        " ORDER BY md5(word || %s) LIMIT %s",
        [int(total * 0.10), int(total * 0.30), str(seed), n],
    )
    return [row[0] for row in cursor.fetchall()]


def common_phrases(cursor, words, n, seed):
    """Two adjacent words of a text, both common: the case GIN cannot answer cheaply."""
    rng = random.Random(seed)
    common = set(words)
    found = []
    cursor.execute("SELECT min(id), max(id) FROM statements_statement")
    low, high = cursor.fetchone()
    for _ in range(2000):
        if len(found) >= n:
            break
        cursor.execute(
            "SELECT string_to_array(pair, ' ') FROM statements_statement s,"
            " unnest(tsvector_to_array(s.search_pairs)) AS pair"
            " WHERE s.id = (SELECT min(id) FROM statements_statement WHERE id >= %s)",
            [rng.randint(low, high)],
        )
        for (parts,) in cursor.fetchall():
            first, gap, second = parts
            if gap == "1" and first in common and second in common and first != second:
                found.append(f"'{first}' <-> '{second}'")
                break
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the RUM index afterwards")
    args = parser.parse_args()

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if not cursor.fetchone():
            sys.exit("The rum extension is not installed on this server (postgresql-15-rum).")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        cursor.execute("SELECT to_regclass(%s)", [INDEX])
        if cursor.fetchone()[0] is None:
            print("building the RUM index ...", flush=True)
            started = time.perf_counter()
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(
                f"CREATE INDEX {INDEX} ON statements_statement"
                " USING rum (search_vector rum_tsvector_ops)"
            )
            print(f"  built in {time.perf_counter() - started:.0f} s")
        cursor.execute(
            "SELECT pg_size_pretty(pg_relation_size(%s)),"
            " pg_size_pretty(pg_relation_size('statement_search')),"
            " pg_size_pretty(pg_relation_size('statement_search_pairs'))",
            [INDEX],
        )
        rum, gin, pairs = cursor.fetchone()
        print(f"index sizes: RUM {rum}; GIN whole text {gin}; GIN word pairs {pairs}")

        words = common_words(cursor, args.queries, args.seed)
        phrases = common_phrases(cursor, common_words(cursor, 300, args.seed), args.queries, 1)
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET jit = off")
        published = "status = 'published'"
        cases = {
            "top 20 by rank, common word": (
                words,
                (
                    "SELECT id FROM statements_statement WHERE search_vector @@ %(q)s::tsquery"
                    f" AND {published} ORDER BY search_vector <=> %(q)s::tsquery LIMIT 20"
                ),
                (
                    "SELECT t.id FROM (SELECT h.id FROM statements_statement h"
                    " WHERE h.id = ANY(ARRAY(SELECT id FROM statements_statement"
                    f" WHERE search_head @@ %(q)s::tsquery AND {published} LIMIT 300))"
                    " ORDER BY ts_rank(h.search_head, %(q)s::tsquery, 1) DESC LIMIT 40) c"
                    " JOIN statements_statement t ON t.id = c.id"
                    " ORDER BY ts_rank(t.search_vector, %(q)s::tsquery, 1) DESC LIMIT 20"
                ),
            ),
            "first 1,001 matches, common word": (
                words,
                (
                    "SELECT id FROM statements_statement WHERE search_vector @@ %(q)s::tsquery"
                    f" AND {published} LIMIT 1001"
                ),
                (
                    "SELECT id FROM statements_statement WHERE search_head @@ %(q)s::tsquery"
                    f" AND {published} LIMIT 1001"
                ),
            ),
            "first 1,001 texts with a phrase of two common words": (
                phrases,
                (
                    "SELECT id FROM statements_statement WHERE search_vector @@ %(q)s::tsquery"
                    f" AND {published} LIMIT 1001"
                ),
                (
                    "SELECT id FROM statements_statement WHERE search_pairs @@ %(pairs)s::tsquery"
                    f" AND {published} LIMIT 1001"
                ),
            ),
        }
        print(f"{len(words)} common words, {len(phrases)} phrases of two common words\n")
        for name, (queries, rum_sql, ours_sql) in cases.items():
            results = {}
            for label, sql, bitmap in (("RUM", rum_sql, "off"), ("ours", ours_sql, "on")):
                cursor.execute(f"SET enable_bitmapscan = {bitmap}")  # RUM: an index scan
                cursor.execute(
                    f"SET enable_indexscan = {'on' if label == 'RUM' else 'off'}"
                )  # ours: the bitmap scans the search uses (no RUM index scan)
                times = []
                for q in queries:
                    params = {"q": q if "<" in q else f"'{q}'", "pairs": phrase_pairs(q)}
                    timed(cursor, sql, params)
                    times.append(timed(cursor, sql, params)[0])
                results[label] = times
            print(f"{name}:")
            for label, times in results.items():
                print(f"  {label:5} {figures(times)}")
        cursor.execute("RESET ALL")
        if not args.keep:
            cursor.execute(f"DROP INDEX {INDEX}")


if __name__ == "__main__":
    main()
