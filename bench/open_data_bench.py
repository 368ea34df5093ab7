"""Open data benchmark: the API's lists first and deep, a cursor walk, and a full CSV download
(throughput, and the server worker's peak memory during it), through HTTP from the
production server (gunicorn, policy/gunicorn.py, one worker) on 127.0.0.1.

    .venv/bin/python bench/open_data_bench.py --database archive_bench_1m --repeat 10

The database is an archive as it is (bench/synthetic.py writes one; analyze it first). Deep
positions are reached two ways: page numbers stop at the first 10,000 positions (page 500 at
20 a page is the deepest), and beyond them a cursor, which is what a client following `next`
holds there: the bench signs the cursor of the row at each offset with the app's own function
(the same key as the server), so it measures the request at depth without walking to it. It
also walks `next` from the first page for --walk pages, as a client does. Baseline: /health/,
a bare Django view through the same server and middleware, in the same run.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg
from import_bench import percentile, server_url, with_database
from pages_bench import free_port, wait_for

ROOT = Path(__file__).resolve().parent.parent
SIGN = (
    "import json, sys, datetime; from statements.api.pagination import encode_cursor; "
    "rows = json.loads(sys.stdin.read()); "
    "print(json.dumps([encode_cursor('newest', (t, i, d and datetime.date.fromisoformat(d)))"
    " for t, i, d in rows]))"
)


def sign_cursors(env, rows):
    """The cursors a client following `next` holds after these rows, signed by the app."""
    given = json.dumps([(t, i, d.isoformat() if d else None) for t, i, d in rows])
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SIGN],
        cwd=ROOT, env=env, input=given, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def timed(url):
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=600) as response:
        body = response.read()
        status = response.status
    assert status == 200, (url, status)
    return (time.perf_counter() - started) * 1000, body


def figures(label, samples, baseline=None):
    median = statistics.median(samples)
    ratio = f"  {median / baseline:6.1f}x baseline" if baseline else ""
    return f"  {label:<44} median {median:8.1f} ms   p95 {percentile(samples, 0.95):8.1f} ms{ratio}"


def memory_kb(pid, field):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def worker_pid(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--walk", type=int, default=100)
    parser.add_argument("--no-download", action="store_true")
    args = parser.parse_args()

    url = with_database(server_url(), args.database)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEV": "1"}
    with psycopg.connect(url) as conn:
        total = conn.execute("SELECT count(*) FROM statements_positionfact").fetchone()[0]
        topic = conn.execute(
            "SELECT key FROM statements_topic t JOIN statements_positiontotal p"
            " ON p.scope = '' AND p.facet = 'topic' AND p.value = t.id::text"
            " ORDER BY p.count DESC LIMIT 1"
        ).fetchone()[0]

        def row_at(offset):
            return conn.execute(
                "SELECT type, item_id, sort_date FROM statements_positionfact"
                " ORDER BY sort_date DESC NULLS LAST, type, item_id OFFSET %s LIMIT 1",
                [offset],
            ).fetchone()

        depths = [d for d in (100_000, total // 2, total - 100) if 0 < d < total]
        rows = {d: row_at(d) for d in depths}
    cursors = dict(zip(depths, sign_cursors(env, [rows[d] for d in depths]), strict=True))

    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                   cwd=ROOT, env=env, check=True)  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "policy/gunicorn.py", "policy.wsgi"],
        cwd=ROOT,
        env={**env, "WEB_CONCURRENCY": "1", "BIND": f"127.0.0.1:{port}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/health/")
        print(f"{total:,} positions in {args.database}; one gunicorn worker; "
              f"{args.repeat} requests each after a warm-up")  # fmt: skip

        def measure(path):
            timed(base + path)
            return [timed(base + path)[0] for _ in range(args.repeat)]

        baseline = statistics.median(measure("/health/"))
        print(figures("baseline /health/", [baseline]))
        cases = {
            "API positions, first page": "/api/positions/",
            f"API positions, topic {topic}": f"/api/positions/?topic={topic}",
            "API positions, page 500 (deepest by number)": "/api/positions/?page=500",
            "API positions, oldest, page 500": "/api/positions/?sort=oldest&page=500",
            "API statements, first page": "/api/statements/",
            "API search, trafficking": "/api/search/?q=trafficking",
            **{
                f"API positions, cursor at {depth:,}": f"/api/positions/?cursor={cursor}"
                for depth, cursor in cursors.items()
            },
        }
        for label, path in cases.items():
            print(figures(label, measure(path), baseline), flush=True)

        walk, following = [], base + "/api/positions/?page_size=100"
        for _ in range(args.walk):
            if not following:
                break
            ms, body = timed(following)
            walk.append(ms)
            following = json.loads(body)["next"]
        print(figures(f"API walk by next, {args.walk} pages of 100", walk, baseline))

        if not args.no_download:
            worker = worker_pid(server.pid)
            before = memory_kb(worker, "VmRSS")
            started = time.perf_counter()
            size = rows = 0
            with urllib.request.urlopen(base + "/downloads/positions.csv", timeout=3600) as r:
                while chunk := r.read(1 << 20):
                    size += len(chunk)
                    rows += chunk.count(b"\n")
            seconds = time.perf_counter() - started
            peak = memory_kb(worker, "VmHWM")
            print(
                f"  full CSV download: {size / 1e6:,.0f} MB in {seconds:,.1f} s "
                f"({size / 1e6 / seconds:,.1f} MB/s, {total / seconds:,.0f} positions/s; "
                f"{rows:,} lines); worker memory {before / 1024:,.0f} MB before, "
                f"peak {peak / 1024:,.0f} MB"
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
