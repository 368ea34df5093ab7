"""Known-item search on the UN General Debate speeches: does a passage or a few words taken
from one speech bring that speech back, and how high?

    createdb -h 127.0.0.1 -U postgres phrases_ungd
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/phrases_ungd DJANGO_DEV=1
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py import_archive ../shared/corpora/ungd-speeches.jsonl.gz
    .venv/bin/python bench/known_item_bench.py [--queries 100] [--seed 3] [--code ../main]

Queries are drawn (from a seed) from the corpus file itself, read directly:

- passage: six consecutive words of one paragraph, quoted, as a reader pastes a quotation;
- stop-word passage: the same where four or more of the six words are English stop words
  ("that we have not made progress");
- keywords: four distinctive words of the speech (each in 2 to 50 speeches), unquoted;
- keywords, one typo: the same with one letter dropped from one word.

Each query goes through the app's search service, as the search page runs it (first page,
with its automatic correction), and the source's rank is read from that ranking (past the
first page from the same ranked list the downloads use, up to the count cap). Beside it, the
same queries in a plain BM25 engine, SQLite FTS5's bm25() from Python's standard library, over
the same tokens: PostgreSQL's own English lexemes of every paragraph (its parser, stemmer and
stop words), stop words kept as a placeholder so that a phrase keeps its gaps; passages are
FTS5 phrase queries, keywords ORed as BM25 is meant to be used. Printed: MRR, success at 1
and 10, the median rank (a miss ranks last), per query type.
"""

import argparse
import gzip
import json
import os
import random
import re
import sqlite3
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--corpus", type=Path, help="the speeches file (default: ../shared/corpora)")
parser.add_argument("--queries", type=int, default=100, help="queries per type")
parser.add_argument("--seed", type=int, default=3)
parser.add_argument("--code", type=Path, help="the checkout whose search is measured")
parser.add_argument("--bm25", type=Path, default=Path("/tmp/known_item_bm25.sqlite"),
                    help="the BM25 engine's index file, built once and reused")  # fmt: skip
parser.add_argument("--json", type=Path, help="also write the figures and queries here")
args = parser.parse_args()

ROOT = Path(__file__).resolve().parent.parent
CODE = (args.code or ROOT).resolve()
sys.path.insert(0, str(CODE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policy.settings")
os.environ.setdefault("DJANGO_DEV", "1")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from statements.models import Statement  # noqa: E402
from statements.search.service import search_archive, search_matches  # noqa: E402

WORD = re.compile(r"[^\W_]+")
TYPES = ("passage", "stop-word passage", "keywords", "keywords, one typo")
STOP = "s0"  # the BM25 index's placeholder for a stop word


def corpus_path():
    if args.corpus:
        return args.corpus
    folder = os.environ.get("ARCHIVE_CORPORA") or ROOT.parent / "shared" / "corpora"
    return Path(folder) / "ungd-speeches.jsonl.gz"


def speeches():
    with gzip.open(corpus_path(), "rt", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["type"] == "statement":
                yield item["key"], item["text"]


def stop_words(words):
    """Those of the words that PostgreSQL's English configuration leaves out."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT w FROM unnest(%s::text[]) w WHERE to_tsvector('english', w) = ''::tsvector",
            [sorted(words)],
        )
        return {row[0] for row in cursor.fetchall()}


def draw(texts, n, rng):
    """{type: [(query, source key)]}."""
    frequency = Counter()
    for text in texts.values():
        frequency.update({w.lower() for w in WORD.findall(text)})
    stops = stop_words(frequency)
    keys = sorted(texts)
    drawn = {kind: [] for kind in TYPES}
    while any(len(v) < n for v in drawn.values()):
        key = rng.choice(keys)
        text = texts[key]
        paragraphs = [p for p in text.split("\n\n") if len(WORD.findall(p)) >= 12]
        if not paragraphs:
            continue
        paragraph = rng.choice(paragraphs)
        found = list(WORD.finditer(paragraph))
        windows = [found[i : i + 6] for i in range(len(found) - 5)]
        stopped = [w for w in windows if sum(m.group().lower() in stops for m in w) >= 4]
        for kind, choices in (("passage", windows), ("stop-word passage", stopped)):
            if choices and len(drawn[kind]) < n:
                window = rng.choice(choices)
                passage = paragraph[window[0].start() : window[-1].end()].replace('"', " ")
                drawn[kind].append((f'"{passage}"', key))
        distinctive = sorted(
            {
                w.lower()
                for w in WORD.findall(text)
                if len(w) >= 5 and w.isalpha() and 2 <= frequency[w.lower()] <= 50
            }
        )
        if len(distinctive) >= 4 and len(drawn["keywords"]) < n:
            words = rng.sample(distinctive, 4)
            drawn["keywords"].append((" ".join(words), key))
            at = rng.randrange(4)
            cut = rng.randrange(1, len(words[at]))
            words[at] = words[at][:cut] + words[at][cut + 1 :]
            drawn["keywords, one typo"].append((" ".join(words), key))
    return drawn


# --- The app ------------------------------------------------------------------------------------


def app_rank(query, key, ids):
    """The source's 1-based rank in the app's ranking, or None when it is not found."""
    results = search_archive(query)
    page = [p.object.key for p in results.positions]
    if key in page:
        return page.index(key) + 1
    if not results.count:
        return None
    with search_matches(results.text, None) as (_positions, rows):
        ranked = [ids.get(pk) for kind, pk in rows if kind == "statement"]
    return ranked.index(key) + 1 if key in ranked else None


# --- The BM25 engine ----------------------------------------------------------------------------


def tokens(vectors, name):
    """A text's tokens from its paragraphs' tsvectors: lexemes in order (each written as
    name(lexeme)), each stop word (a gap in the positions) a placeholder."""
    out = []
    for vector in vectors:
        at = {}
        for lexeme, positions in re.findall(r"'((?:[^']|'')+)':([\d,A-D]+)", vector):
            for position in positions.split(","):
                at[int(position.rstrip("ABCD"))] = lexeme
        last = max(at, default=0)
        out += [name(at[i]) if i in at else STOP for i in range(1, last + 1)]
    return out


# {lexeme: its token in the index, t<number>, which FTS5's tokenizer keeps whole}
lexicon = {}


def indexed(lexeme):
    return lexicon.setdefault(lexeme, f"t{len(lexicon)}")


def bm25_index():
    """The FTS5 index of every speech (title and text), built from PostgreSQL's tokens."""
    fresh = not args.bm25.exists()
    db = sqlite3.connect(args.bm25)
    db.execute("CREATE TABLE IF NOT EXISTS lexicon (lexeme TEXT PRIMARY KEY, token TEXT)")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS speech USING fts5(key UNINDEXED, body)")
    if not fresh:
        lexicon.update(db.execute("SELECT lexeme, token FROM lexicon"))
        return db
    started = time.perf_counter()
    ids = sorted(Statement.objects.values_list("id", flat=True))
    with connection.cursor() as cursor:
        for at in range(0, len(ids), 200):
            cursor.execute(
                "SELECT s.key, array_agg(to_tsvector('english', p.part)::text ORDER BY p.n)"
                " FROM statements_statement s, LATERAL regexp_split_to_table("
                " s.title || E'\\n\\n' || s.text, E'\\n\\n') WITH ORDINALITY p(part, n)"
                " WHERE s.id = ANY(%s) GROUP BY s.key",
                [ids[at : at + 200]],
            )
            for key, vectors in cursor.fetchall():
                body = " ".join(tokens(vectors, indexed))
                db.execute("INSERT INTO speech VALUES (?, ?)", (key, body))
    db.executemany("INSERT INTO lexicon VALUES (?, ?)", lexicon.items())
    db.commit()
    print(f"BM25 index built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return db


def bm25_query(query):
    """The FTS5 query: a passage a phrase of its tokens (leading and trailing stop words
    dropped, as PostgreSQL drops them), keywords their tokens ORed."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('english', %s)::text", [query.strip('"')])
        # A lexeme the index never saw is a token it does not hold.
        found = tokens([cursor.fetchone()[0]], lambda lexeme: lexicon.get(lexeme, "tnone"))
    while found and found[0] == STOP:
        found.pop(0)
    if not found:
        return None
    if query.startswith('"'):
        return '"' + " ".join(found) + '"'
    return " OR ".join(t for t in found if t != STOP)


def bm25_rank(db, query, key):
    match = bm25_query(query)
    if match is None:
        return None
    rows = db.execute(
        "SELECT key FROM speech WHERE speech MATCH ? ORDER BY bm25(speech) LIMIT 1000", [match]
    ).fetchall()
    ranked = [row[0] for row in rows]
    return ranked.index(key) + 1 if key in ranked else None


# --- Scores -------------------------------------------------------------------------------------


def scores(ranks, total):
    found = [r for r in ranks if r is not None]
    last = [r if r is not None else total for r in ranks]
    return {
        "queries": len(ranks),
        "MRR": round(sum(1 / r for r in found) / len(ranks), 3),
        "success@1": round(sum(r == 1 for r in found) / len(ranks), 3),
        "success@10": round(sum(r <= 10 for r in found) / len(ranks), 3),
        "median rank": statistics.median(last),
        "not found": len(ranks) - len(found),
    }


def main():
    texts = dict(speeches())
    rng = random.Random(args.seed)
    drawn = draw(texts, args.queries, rng)
    ids = dict(Statement.objects.values_list("id", "key"))
    assert len(ids) == len(texts), "import the speeches into the database first"
    db = bm25_index()
    figures, misses = {}, {}
    for kind in TYPES:
        ours, theirs, times = [], [], []
        for query, key in drawn[kind]:
            started = time.perf_counter()
            ours.append(app_rank(query, key, ids))
            times.append((time.perf_counter() - started) * 1000)
            theirs.append(bm25_rank(db, query, key))
        figures[kind] = {
            "app": scores(ours, len(texts)),
            "bm25": scores(theirs, len(texts)),
            "app median ms": round(statistics.median(times), 1),
        }
        misses[kind] = [(q, k, r) for (q, k), r in zip(drawn[kind], ours, strict=True) if r != 1]
    print(f"\n{len(texts):,} speeches, {args.queries} queries per type, seed {args.seed}\n")
    print("| query type | engine | MRR | success@1 | success@10 | median rank | not found |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for kind in TYPES:
        for engine, label in (("app", "the archive's search"), ("bm25", "BM25 (FTS5)")):
            s = figures[kind][engine]
            print(
                f"| {kind} | {label} | {s['MRR']:.3f} | {s['success@1']:.0%} |"
                f" {s['success@10']:.0%} | {s['median rank']} | {s['not found']} |"
            )
    print("\nThe app's median time per query (ms):",
          {k: v["app median ms"] for k, v in figures.items()})  # fmt: skip
    for kind in TYPES:
        print(f"\nNot first, {kind}:", misses[kind][:5])
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "queries": drawn}, indent=1))


if __name__ == "__main__":
    main()
