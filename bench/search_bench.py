"""Search latency, through the code the search view runs, against a plain GIN + ts_rank
baseline measured in the same run.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/archive_bench_1m DJANGO_DEV=1 \\
        .venv/bin/python bench/search_bench.py --label "1M synthetic"

Query types, about 20 queries each, drawn (from a seed) from the archive's own vocabulary by
document frequency: rare words (in under 0.1% of texts), medium (about 1%), common (10-30%),
two words ANDed (a common and a medium one), a two-word phrase taken from a real text, and an
OR of two medium words. Each query is run once to warm the cache, then timed, one at a time:
`search.service.search_archive()` does all the view does but render the template (parse, expand,
match, rank, the page's headlines, capped counts, facets through the positions FilterSet,
organisations and topics). The baseline is what a plain design does on the same index: rank
every match with ts_rank for the top 20, count every match, group every match by
organisation, and headline the page.
"""

import argparse
import json
import os
import random
import re
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

from django.db import connection, transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402

from statements.search.service import search_archive  # noqa: E402

TYPES = ("rare", "medium", "common", "two-word AND", "phrase", "OR of two medium")


def texts_count():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM statements_statement WHERE status = 'published')"
            " + (SELECT count(*) FROM statements_resolution)"
        )
        return cursor.fetchone()[0]


def band(low, high, n, seed):
    """n words used by between low and high texts. The vocabulary holds lexemes: keep those
    that English reads as themselves, so that the word searched is the word counted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM statements_searchword WHERE documents BETWEEN %s AND %s"
            " AND plainto_tsquery('english', word)::text = quote_literal(word)"
            " ORDER BY md5(word || %s) LIMIT %s",
            [low, high, str(seed), n],
        )
        return [row[0] for row in cursor.fetchall()]


def phrases(n, seed):
    """Two-word phrases taken from random texts (so each occurs at least once)."""
    rng = random.Random(seed)
    found = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id), max(id) FROM statements_statement")
        low, high = cursor.fetchone()
        while len(found) < n:
            cursor.execute(
                "SELECT text FROM statements_statement WHERE id >= %s ORDER BY id LIMIT 1",
                [rng.randint(low, high)],
            )
            row = cursor.fetchone()
            if not row:
                continue
            words = re.findall(r"[^\W\d_]{4,}", row[0].lower())
            if len(words) < 3:
                continue
            at = rng.randrange(len(words) - 1)
            pair = f"{words[at]} {words[at + 1]}"
            if pair in row[0].lower():
                found.append(f'"{pair}"')
    return found


def queries(n, seed):
    total = texts_count()
    rare = band(2, max(2, int(total * 0.001) - 1), n, seed)
    medium = band(int(total * 0.007), int(total * 0.015), 2 * n, seed)
    common = band(int(total * 0.10), int(total * 0.30), 2 * n, seed)
    return total, {
        "rare": rare,
        "medium": medium[:n],
        "common": common[:n],
        "two-word AND": [f"{c} {m}" for c, m in zip(common[n:], medium[n:], strict=False)],
        "phrase": phrases(n, seed),
        "OR of two medium": [f"{a} OR {b}" for a, b in zip(medium[:n], medium[n:], strict=False)],
    }


def designed(q):
    results = search_archive(q, QueryDict(""), base_url="/search/")
    return results.count


def baseline(q):
    """Plain GIN + ts_rank: every match ranked, counted and grouped; the page headlined.
    Told to prefer the index, as the search is (a fair comparison on long, TOASTed texts)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SELECT websearch_to_tsquery('english', %s)::text", [q])
        tsq = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id, text, language FROM statements_statement"
            " WHERE search_vector @@ %s::tsquery AND status = 'published'"
            " ORDER BY ts_rank(search_vector, %s::tsquery) DESC, id LIMIT 20",
            [tsq, tsq],
        )
        page = cursor.fetchall()
        cursor.execute(
            "SELECT count(*) FROM statements_statement"
            " WHERE search_vector @@ %s::tsquery AND status = 'published'",
            [tsq],
        )
        count = cursor.fetchone()[0]
        cursor.execute(
            "SELECT organisation_id, count(*) FROM statements_statement"
            " WHERE search_vector @@ %s::tsquery AND status = 'published'"
            " GROUP BY organisation_id",
            [tsq],
        )
        cursor.fetchall()
        if page:
            cursor.execute(
                "SELECT ts_headline(archive_search_config(language), text, %s::tsquery)"
                " FROM statements_statement WHERE id = ANY(%s)",
                [tsq, [row[0] for row in page]],
            )
            cursor.fetchall()
        return count


def timed(function, q):
    started = time.perf_counter()
    found = function(q)
    return (time.perf_counter() - started) * 1000, found


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(function, by_type):
    figures = {}
    for kind, qs in by_type.items():
        for q in qs:  # warm the cache
            function(q)
        times, counts = [], []
        for q in qs:
            ms, found = timed(function, q)
            times.append(ms)
            counts.append(found)
        figures[kind] = {
            "queries": len(qs),
            "median_ms": round(statistics.median(times), 1) if times else None,
            "p95_ms": round(p95(times), 1) if times else None,
            "max_ms": round(max(times), 1) if times else None,
            "median_matches": statistics.median(counts) if counts else None,
        }
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default=os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1])
    parser.add_argument("--queries", type=int, default=20, help="queries per type")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    total, by_type = queries(args.queries, args.seed)
    ours = measure(designed, by_type)
    theirs = None if args.no_baseline else measure(baseline, by_type)

    print(f"\n{args.label}: {total:,} texts, {args.queries} queries per type\n")
    head = (
        "| query type | matches (median; ours capped at 1,000+ per type) | search: median | p95 |"
    )
    rule = "|---|---:|---:|---:|"
    if theirs:
        head += " plain GIN + ts_rank: median | p95 |"
        rule += "---:|---:|"
    print(head)
    print(rule)

    def ms(value):
        return "n/a" if value is None else f"{value} ms"

    for kind in TYPES:
        mine = ours[kind]
        matches = "n/a" if mine["median_matches"] is None else f"{mine['median_matches']:,}"
        line = f"| {kind} | {matches} | {ms(mine['median_ms'])} | {ms(mine['p95_ms'])} |"
        if theirs:
            line += f" {ms(theirs[kind]['median_ms'])} | {ms(theirs[kind]['p95_ms'])} |"
        print(line)
    print("\nExample queries:", {k: v[:2] for k, v in by_type.items()})
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "label": args.label,
                    "texts": total,
                    "search": ours,
                    "baseline": theirs,
                    "queries": by_type,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
