"""Load on the production server: gunicorn (policy/gunicorn.py, workers sized to the machine)
over a real archive, driven by wrk from another process on 127.0.0.1 at several concurrencies.

Fixed pages (home, a topic, an organisation, the positions view with two filters, a statement,
a search), a bare Django view under the same server (the framework's ceiling), and a mix of
distinct positions and search URLs drawn with a seed from the archive's own keys, so that
pages no cache has seen are measured too. The page cache is Redis, as in production, emptied
before the run and before each run of the mix. Prints requests per second, p50/p95/p99 (ms)
and errors per target and concurrency, and each fixed page's throughput against the bare
view's at that concurrency.

    createdb archive_bench_100k; migrate it; bench/synthetic.py --statements 100000 --seed 7
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
      .venv/bin/python bench/load_bench.py --database archive_bench_100k
"""

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg
from pages_bench import archive_pages, free_port, one

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "load.lua"


def mix_paths(url, size, seed):
    """`size` distinct positions and search URLs: random filter combinations of real values."""
    with psycopg.connect(url) as conn:
        topics = [r[0] for r in conn.execute("SELECT key FROM statements_topic ORDER BY key")]
        organisations = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT o.key FROM statements_organisation o JOIN statements_statement s"
                " ON s.organisation_id = o.id ORDER BY o.key LIMIT 2000"
            )
        ]
        countries = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT country FROM statements_organisation WHERE country <> ''"
                " ORDER BY country"
            )
        ]
        words = [
            r[0]
            for r in conn.execute(
                "SELECT word FROM statements_searchword WHERE documents >= 20"
                " AND plainto_tsquery('english', word)::text = quote_literal(word)"
                " ORDER BY md5(word) LIMIT 500"
            )
        ]
    draw = random.Random(seed)
    paths = set()
    while len(paths) < size:
        params = []
        for name, values, chance in (
            ("topic", topics, 0.6),
            ("organisation", organisations, 0.3),
            ("country", countries, 0.3),
        ):
            if values and draw.random() < chance:
                params.append((name, draw.choice(values)))
        if draw.random() < 0.3:
            start = draw.randint(1990, 2020)
            params += [("year_from", start), ("year_to", start + draw.randint(0, 10))]
        if draw.random() < 0.3:
            params.append(("sort", draw.choice(["newest", "oldest", "title"])))
        # Canonical query strings (the pages redirect any other form): the filters in their
        # order, and no sort that is the page's default (newest for lists).
        if draw.random() < 0.4 and words:
            query = " ".join(draw.sample(words, draw.choice([1, 1, 2])))
            # A search sorts by relevance, newest or oldest: no title order.
            params = [(k, v) for k, v in params if (k, v) != ("sort", "title")]
            path = "/search/?" + urllib.parse.urlencode([("q", query), *params])
        else:
            params = [(k, v) for k, v in params if (k, v) != ("sort", "newest")]
            path = "/positions/?" + urllib.parse.urlencode(params)
        paths.add(path)
    return sorted(paths)


def wait_for(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {seconds} s")


def flush(redis_url):
    subprocess.run(["redis-cli", "-u", redis_url, "FLUSHDB"], check=True, capture_output=True)


def run_wrk(base, path, concurrency, duration, paths_file=None):
    env = dict(os.environ)
    if paths_file:
        env["LOAD_PATHS"] = str(paths_file)
    command = [
        "wrk", f"-t{min(concurrency, 2)}", f"-c{concurrency}", f"-d{duration}s",
        "--timeout", "10s", "-s", str(LUA), base + path,
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    figures = json.loads(next(line for line in output.splitlines() if line.startswith("{")))
    figures["rps"] = figures["requests"] / figures["seconds"]
    figures["errors"] = sum(
        figures[k] for k in ("bad_status", "connect", "read", "write", "timeout")
    )
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="archive_bench_100k")
    parser.add_argument("--min-statements", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=30, help="seconds per run")
    parser.add_argument("--concurrency", default="1,4,16")
    parser.add_argument("--mix", type=int, default=1000, help="distinct URLs in the mix")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk)")
    base_url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    url = base_url.rsplit("/", 1)[0] + "/" + args.database
    with psycopg.connect(url) as conn:
        total = one(conn, "SELECT count(*) FROM statements_statement")
    if total < args.min_statements:
        raise SystemExit(
            f"{args.database} holds {total:,} statements, fewer than "
            f"--min-statements {args.min_statements:,}: build it with bench/synthetic.py"
        )
    pages = archive_pages(url)
    organisation = next(p for n, p in pages.items() if n.startswith("organisation page"))
    topic = next(p for n, p in pages.items() if n.startswith("topic page (largest"))
    medium = next(p for n, p in pages.items() if n.startswith("search medium"))
    two_filters = pages["positions, topic+country+years"].split("&year_from")[0]
    targets = {
        "bare view (no database)": "/bench/bare/",
        "home": "/",
        "topic page": topic,
        "organisation page": organisation,
        "positions, two filters": two_filters,
        "statement page": pages["statement page"],
        "search": medium,
    }
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="archive-load-"))
    paths_file = folder / "mix.txt"
    paths_file.write_text("\n".join(mix_paths(url, args.mix, args.seed)) + "\n")
    flush(args.redis)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SECRET_KEY": "load-bench-" + os.urandom(16).hex(),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(folder / "static"),
        "DJANGO_BENCH_VIEWS": "1",
        "REDIS_URL": args.redis,
        "PORT": str(port),
    }
    env.pop("DJANGO_DEV", None)
    env.pop("DJANGO_DEBUG", None)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "policy/gunicorn.py", "policy.wsgi"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        wait_for(base + "/health/")
        for path in targets.values():
            wait_for(base + path)  # every target answers 200 before it is measured
        print(
            f"{total:,} statements in {args.database}; gunicorn with "
            f"{os.environ.get('WEB_CONCURRENCY', os.cpu_count() * 2 + 1)} workers on "
            f"{os.cpu_count()} cores; wrk {args.duration} s per run; mix of "
            f"{args.mix:,} URLs (seed {args.seed}); page cache in Redis, emptied before each mix",
            flush=True,
        )
        for concurrency in concurrencies:
            for name, path in [*targets.items(), ("mix of distinct URLs", None)]:
                if path is None:
                    # Every mix run starts from an empty cache: the runs before it walked the
                    # same list from the same places.
                    flush(args.redis)
                    figures = run_wrk(base, "/", concurrency, args.duration, paths_file)
                else:
                    figures = run_wrk(base, path, concurrency, args.duration)
                rows.append((name, concurrency, figures))
                print(
                    f"  c={concurrency:<3} {name:<26} {figures['rps']:8.1f} req/s  "
                    f"p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  "
                    f"p99 {figures['p99']:7.1f} ms  errors {figures['errors']}",
                    flush=True,
                )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    print()
    print("| target | concurrency | req/s | of bare view | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    bare = {c: f["rps"] for n, c, f in rows if n.startswith("bare")}
    for name, concurrency, f in rows:
        ratio = f"{f['rps'] / bare[concurrency]:.0%}" if not name.startswith("bare") else ""
        print(
            f"| {name} | {concurrency} | {f['rps']:.1f} | {ratio} | {f['p50']:.1f} | "
            f"{f['p95']:.1f} | {f['p99']:.1f} | {f['errors']} |"
        )
    print(f"\nTargets: {', '.join(f'{n} {p}' for n, p in targets.items())}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
