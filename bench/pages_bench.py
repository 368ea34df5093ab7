"""Public pages benchmark: response times of each page type, served by a real server process
over 127.0.0.1, on the demo data plus the UPR corpus (42,005 statements, 55 topics).

    .venv/bin/python bench/pages_bench.py --repeat 20

It creates a scratch database beside the one DATABASE_URL names, migrates it, imports
demo/archive.jsonl and ../shared/corpora/upr-recommendations.jsonl.gz, starts
`manage.py runserver --noreload` on a free port of 127.0.0.1 (DEBUG off, static files collected),
and requests each page `--repeat` times, one request at a time, after one warm-up request.
It prints the median and 95th percentile milliseconds per page, and the ratio of the median to
a baseline measured in the same run: the stylesheet, served by the same process through
WhiteNoise (what any request costs without the archive's work). The database is dropped.
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
import urllib.request
from pathlib import Path

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

BASELINE = "/static/archive.css"
PAGES = {
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
    args = parser.parse_args()

    url = server_url()
    name = "archive_bench_pages"
    database = with_database(url, name)
    create_database(url, name)
    server = None
    try:
        manage(database, "migrate", "--noinput")
        manage(database, "import_archive", str(ROOT / "demo" / "archive.jsonl"), str(UPR))
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
        print(f"{args.repeat} requests per page after one warm-up, one at a time, 127.0.0.1")
        print(f"{'page':<30} {'median ms':>10} {'p95 ms':>8} {'x baseline':>11}")
        label = f"baseline: {BASELINE}"
        print(f"{label:<30} {baseline_median:>10.1f} {baseline_p95:>8.1f} {1:>11.1f}")
        for label, path in PAGES.items():
            median, p95 = measure(path)
            print(f"{label:<30} {median:>10.1f} {p95:>8.1f} {median / baseline_median:>11.1f}")
    finally:
        if server:
            server.terminate()
            server.wait()
        if not args.keep:
            drop_database(url, name)


if __name__ == "__main__":
    main()
