"""Public pages benchmark: response times of each page type, served by a real server process
over 127.0.0.1, as a reader gets them (every count, facet and timeline the page shows).

    .venv/bin/python bench/pages_bench.py --repeat 20                    # demo + UPR (42k)
    .venv/bin/python bench/pages_bench.py --database archive_bench_1m    # an archive as it is

Without --database it creates a scratch database beside the one DATABASE_URL names, migrates
it, imports demo/archive.jsonl and ../shared/corpora/upr-recommendations.jsonl.gz, and drops it
at the end. With --database it serves that database as it is (say, a synthetic archive written
by bench/synthetic.py and analyzed), and reads from it which pages to ask for: the largest
topic, the root topic with the most below it, the largest organisation and its commonest topic,
and search words in the bands of bench/search_bench.py. Either way the compare pages are chosen
from the database served: the two organisations with the most statements on the largest topic
(also under years), and the four with the most on that root topic.

`--only compare` measures the compare pages alone. Set DJANGO_PAGE_CACHE_SECONDS=0 to time
renders: with the page cache on, every timed request after the warm-up is a cache hit.

It starts `manage.py runserver --noreload` on a free port of 127.0.0.1 (DEBUG off, static files
collected), and requests each page `--repeat` times, one request at a time, after one warm-up.
It prints the median and 95th percentile milliseconds per page, and the ratio of the median to
a baseline measured in the same run: /health/, a bare Django view through the same server and
middleware (one SELECT 1): what any request costs without the archive's work.
"""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from import_bench import (
    create_database,
    drop_database,
    manage,
    percentile,
    server_url,
    with_database,
)

ROOT = Path(__file__).resolve().parent.parent
UPR = ROOT.parent / "shared" / "corpora" / "upr-recommendations.jsonl.gz"

BASELINE = "/health/"
DEMO_PAGES = {
    "home": "/",
    "topics index": "/topics/",
    "topic page (THB, demo)": "/topics/trafficking-in-human-beings/",
    "topic page (UPR root, 42k)": "/topics/upr-issues/",
    "organisations index": "/organisations/",
    "organisation page (Norway)": "/organisations/government-of-norway/",
    "permalink LO + THB": "/organisations/lo/topics/trafficking-in-human-beings/",
    "positions, everything": "/positions/",
    "positions, topic + country": "/positions/?country=NO&topic=upr-issues",
    "positions, years, page 20": "/positions/?page=20&year_from=2009&year_to=2011",
    "statement page": "/statements/lo-answer-bspc-thb/",
    "resolution page": "/resolutions/lo-2009-action-plan-poverty/",
    "search THB": "/search/?q=THB",
    "search trafficking": "/search/?q=trafficking",
}


def one(conn, sql, params=()):
    row = conn.execute(sql, params).fetchone()
    return row[0] if row else None


def band(conn, low, high, offset=0):
    """A word of the vocabulary used by between low and high texts, read as itself."""
    return one(
        conn,
        "SELECT word FROM statements_searchword WHERE documents BETWEEN %s AND %s"
        " AND plainto_tsquery('english', word)::text = quote_literal(word)"
        " ORDER BY md5(word) LIMIT 1 OFFSET %s",
        [low, high, offset],
    )


def archive_pages(url):
    """The page types of issue 8, chosen from the archive itself."""
    with psycopg.connect(url) as conn:
        total = one(conn, "SELECT count(*) FROM statements_statement WHERE status = 'published'")
        largest_topic = one(
            conn,
            "SELECT t.key FROM statements_statement_topics x JOIN statements_topic t"
            " ON t.id = x.topic_id GROUP BY t.key ORDER BY count(*) DESC, t.key LIMIT 1",
        )
        root = one(
            conn,
            "SELECT p.key FROM statements_topic p JOIN statements_topic c ON c.parent_id = p.id"
            " JOIN statements_statement_topics x ON x.topic_id = c.id"
            " WHERE p.parent_id IS NULL GROUP BY p.key ORDER BY count(*) DESC, p.key LIMIT 1",
        )
        organisation, organisation_id, organisation_label = conn.execute(
            "SELECT o.key, o.id, coalesce(nullif(o.short_name, ''), o.name)"
            " FROM statements_statement s JOIN statements_organisation o"
            " ON o.id = s.organisation_id WHERE s.status = 'published'"
            " GROUP BY o.key, o.id ORDER BY count(*) DESC, o.key LIMIT 1"
        ).fetchone()
        organisation_topic = one(
            conn,
            "SELECT t.key FROM statements_statement s JOIN statements_statement_topics x"
            " ON x.statement_id = s.id JOIN statements_topic t ON t.id = x.topic_id"
            " WHERE s.organisation_id = %s GROUP BY t.key ORDER BY count(*) DESC, t.key LIMIT 1",
            [organisation_id],
        )
        country = one(
            conn,
            "SELECT o.country FROM statements_statement s JOIN statements_organisation o"
            " ON o.id = s.organisation_id WHERE o.country <> '' AND s.status = 'published'"
            " GROUP BY o.country ORDER BY count(*) DESC LIMIT 1",
        )
        statement = one(
            conn,
            "SELECT key FROM statements_statement WHERE status = 'published'"
            " ORDER BY md5(key) LIMIT 1",
        )
        rare = band(conn, 2, max(2, int(total * 0.001)))
        medium = band(conn, int(total * 0.007), int(total * 0.015))
        other = band(conn, int(total * 0.007), int(total * 0.015), offset=1)
        common = band(conn, int(total * 0.15), int(total * 0.30))
        text = one(
            conn,
            "SELECT text FROM statements_statement WHERE status = 'published'"
            " ORDER BY md5(key) LIMIT 1 OFFSET 1",
        )
    words = [w for w in text.lower().split() if w.isalpha() and len(w) > 3]
    phrase = f'"{words[1]} {words[2]}"' if len(words) > 2 else f'"{medium} {other}"'
    return {
        "home": "/",
        "topics index": "/topics/",
        f"topic page (largest: {largest_topic})": f"/topics/{largest_topic}/",
        f"topic page (root: {root})": f"/topics/{root}/",
        "organisations index": "/organisations/",
        f"organisation page ({organisation})": f"/organisations/{organisation}/",
        "permalink organisation x topic": (
            f"/organisations/{organisation}/topics/{organisation_topic}/"
        ),
        "positions, everything": "/positions/",
        "positions, one topic": f"/positions/?topic={largest_topic}",
        "positions, topic+country+years": (
            f"/positions/?topic={largest_topic}&country={country}&year_from=2010&year_to=2015"
        ),
        "positions, page 200 by oldest": "/positions/?sort=oldest&page=200",
        "statement page": f"/statements/{statement}/",
        f"search rare ({rare})": f"/search/?q={rare}",
        f"search medium ({medium})": f"/search/?q={medium}",
        f"search common ({common})": f"/search/?q={common}",
        "search two words": f"/search/?q={common}+{medium}",
        "search OR": f"/search/?q={medium}+OR+{other}",
        f"search phrase ({phrase})": "/search/?q=" + urllib.parse.quote(phrase),
        # A name beside a word (its chips, its own statements first), and a word with one
        # letter dropped beside a correct one (the spelling help's vocabulary look-ups).
        f"search name + word ({organisation_label} {medium})": "/search/?q="
        + urllib.parse.quote(f"{organisation_label} {medium}"),
        f"search typo + word ({medium[:2] + medium[3:]} {common})": "/search/?q="
        + urllib.parse.quote(f"{medium[:2] + medium[3:]} {common}"),
    }


def compare_pages(url):
    """The compare page (issue 12), on organisations chosen from the archive itself so that
    they exist at any size: the two with the most statements on the largest topic (and the
    same under years), and the four with the most on the root topic with the most below it
    (its sub-topics included, as the page counts them)."""
    with psycopg.connect(url) as conn:
        largest_topic, largest_id = conn.execute(
            "SELECT t.key, t.id FROM statements_statement_topics x JOIN statements_topic t"
            " ON t.id = x.topic_id GROUP BY t.key, t.id ORDER BY count(*) DESC, t.key LIMIT 1"
        ).fetchone()
        root, root_id = conn.execute(
            "SELECT p.key, p.id FROM statements_topic p JOIN statements_topic c"
            " ON c.parent_id = p.id JOIN statements_statement_topics x ON x.topic_id = c.id"
            " WHERE p.parent_id IS NULL GROUP BY p.key, p.id ORDER BY count(*) DESC, p.key"
            " LIMIT 1"
        ).fetchone()

        def most(topic_ids, n):
            return [
                key
                for (key,) in conn.execute(
                    "SELECT o.key FROM statements_statement s JOIN statements_organisation o"
                    " ON o.id = s.organisation_id WHERE s.status = 'published' AND EXISTS"
                    " (SELECT 1 FROM statements_statement_topics x WHERE x.statement_id = s.id"
                    " AND x.topic_id = ANY(%s)) GROUP BY o.key ORDER BY count(*) DESC, o.key"
                    " LIMIT %s",
                    [topic_ids, n],
                )
            ]

        below_root = [root_id] + [
            pk
            for (pk,) in conn.execute(
                "SELECT id FROM statements_topic WHERE parent_id = %s", [root_id]
            )
        ]
        two = most([largest_id], 2)
        four = most(below_root, 4)
    if len(two) < 2 or len(four) < 4:
        # Fewer would be the form, not a comparison: timed, but not what the name says.
        raise SystemExit(f"too few organisations to compare: {two} on {largest_topic}, {four}")

    def url_of(topic, organisations, extra=""):
        chosen = "".join(f"&organisation={key}" for key in organisations)
        return f"/compare/?topic={topic}{chosen}{extra}"

    return {
        f"compare two largest on {largest_topic}": url_of(largest_topic, two),
        f"compare two largest on {largest_topic}, 2010-2015": url_of(
            largest_topic, two, "&year_from=2010&year_to=2015"
        ),
        f"compare four on root {root}": url_of(root, four),
    }


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as response:
        response.read()
        status = response.status
    return (time.perf_counter() - started) * 1000, status


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            fetch(url)
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer at {url}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--database", help="serve this database (on DATABASE_URL's server) as it is"
    )
    parser.add_argument("--only", help="measure only the pages whose names contain this")
    args = parser.parse_args()

    url = server_url()
    name = args.database or "archive_bench_pages"
    database = with_database(url, name)
    server = None
    try:
        if args.database:
            pages = archive_pages(database)
        else:
            create_database(url, name)
            manage(database, "migrate", "--noinput")
            manage(database, "import_archive", str(ROOT / "demo" / "archive.jsonl"), str(UPR))
            pages = dict(DEMO_PAGES)
        pages.update(compare_pages(database))
        if args.only:
            pages = {name: path for name, path in pages.items() if args.only in name}
        static_root = tempfile.mkdtemp(prefix="archive-static-")
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "DJANGO_DEV": "1",
            "DJANGO_DEBUG": "0",
            "DJANGO_STATIC_ROOT": static_root,
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base + BASELINE)

        def measure(path):
            fetch(base + path)  # warm-up
            times = []
            for _ in range(args.repeat):
                ms, status = fetch(base + path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}")
                times.append(ms)
            return statistics.median(times), percentile(times, 0.95)

        baseline_median, baseline_p95 = measure(BASELINE)
        print(f"{name}: {args.repeat} requests per page after one warm-up, one at a time")
        print(f"{'page':<44} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
        label = f"baseline: {BASELINE} (bare view)"
        print(f"{label:<44} {baseline_median:>10.1f} {baseline_p95:>8.1f} {1:>11.1f}")
        for label, path in pages.items():
            median, p95 = measure(path)
            print(
                f"{label[:44]:<44} {median:>10.1f} {p95:>8.1f} {median / baseline_median:>11.1f}",
                flush=True,
            )
    finally:
        if server:
            server.terminate()
            server.wait()
        if not args.database and not args.keep:
            drop_database(url, name)


if __name__ == "__main__":
    main()
