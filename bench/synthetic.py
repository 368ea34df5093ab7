"""A reproducible synthetic archive for search benchmarks, streamed into PostgreSQL with COPY.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/archive_bench_1m DJANGO_DEV=1 \\
        .venv/bin/python bench/synthetic.py --statements 1000000 --seed 1

The database must be migrated first (`manage.py migrate`); the archive's tables must be empty
(or pass --replace to empty them). What it writes, all derived from the seed:

- a vocabulary of 50,000 words: the field's own words (labour, trafficking, decent, work …)
  placed at realistic ranks among pronounceable invented words, drawn with Zipf frequencies
  (exponent 1), so document frequencies span every band from "in a third of the texts" to
  "in a handful";
- 2,000 organisations (a Zipf share of statements each: the largest has tens of thousands),
  with acronyms, countries and kinds; 200 topics in a two-level tree, each with aliases;
- congresses and one resolution per 50 statements;
- statements of about 300 words (log-normal, a long tail up to 2,000), in paragraphs, with a
  title, half of them a summary, 0 to 3 topics, dates 1990 to 2025 at mixed precision, mostly in
  English with some Norwegian, French, German and Spanish metadata.

The search vectors, paragraph passages and vocabulary are computed by PostgreSQL itself
(generated columns and triggers), exactly as for real data. The search GIN indexes are dropped
during the load and rebuilt at the end, as a bulk loader should.
"""

import argparse
import datetime
import itertools
import math
import os
import random
import sys
import time
from pathlib import Path

import psycopg

VOCABULARY_SIZE = 50_000
ORGANISATIONS = 2_000
TOPICS = 200
STATEMENTS_PER_RESOLUTION = 50
BATCH = 25_000

# The field's words, at the rank they take in the synthetic vocabulary (1 = most frequent).
FIELD_WORDS = {
    "work": 40,
    "workers": 60,
    "rights": 70,
    "labour": 120,
    "union": 150,
    "social": 90,
    "international": 110,
    "development": 130,
    "decent": 700,
    "poverty": 900,
    "children": 400,
    "trafficking": 3_000,
    "forced": 1_500,
    "governance": 2_500,
    "dialogue": 1_800,
    "solidarity": 2_200,
    "corruption": 4_000,
    "exploitation": 5_000,
    "migrants": 6_000,
    "organisation": 350,
    "organization": 1_200,
    "labor": 2_000,
    "congress": 8_000,
    "tripartite": 15_000,
    "bonded": 30_000,
    "ratification": 12_000,
    "apprenticeship": 40_000,
}

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "te",
    "su",
    "no",
    "vi",
    "pe",
    "da",
    "ri",
    "lu",
    "ma",
    "se",
    "to",
    "ne",
    "fa",
    "gi",
    "ho",
    "be",
    "ku",
    "ja",
    "ze",
    "wo",
    "ly",
    "tra",
    "pro",
    "con",
    "ver",
    "ment",
    "tion",
    "sta",
    "gre",
    "bli",
    "ful",
    "ness",
    "cal",
    "ter",
    "der",
    "ing",
    "ous",
    "ive",
    "ary",
    "ism",
]

COUNTRIES = [
    "NO",
    "SE",
    "DK",
    "FI",
    "IS",
    "DE",
    "FR",
    "ES",
    "IT",
    "PT",
    "NL",
    "BE",
    "GB",
    "IE",
    "PL",
    "LT",
    "LV",
    "EE",
    "US",
    "CA",
    "BR",
    "AR",
    "ZA",
    "KE",
    "NG",
    "IN",
    "JP",
]
ORG_KINDS = [
    "trade_union_confederation",
    "trade_union",
    "ngo",
    "employers_organisation",
    "government",
    "parliamentary_body",
    "intergovernmental_organisation",
    "other",
]
STATEMENT_KINDS = ["answer", "position_paper", "press_release", "speech", "report", "other"]
RESOLUTION_KINDS = ["action_plan_chapter", "statement", "resolution", "other"]
LANGUAGES = ["en"] * 85 + ["no"] * 8 + ["fr"] * 3 + ["de"] * 2 + ["es"] * 2


def invented_words(rng, count, taken):
    words = []
    while len(words) < count:
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if word not in taken and 4 <= len(word) <= 14:
            taken.add(word)
            words.append(word)
    return words


def build_vocabulary(rng):
    taken = set(FIELD_WORDS)
    words = invented_words(rng, VOCABULARY_SIZE - len(FIELD_WORDS), taken)
    for word, rank in sorted(FIELD_WORDS.items(), key=lambda item: item[1]):
        words.insert(rank - 1, word)
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    return words, cumulative


class Writer:
    """Draws texts from the vocabulary."""

    def __init__(self, rng, words, cumulative):
        self.rng, self.words, self.cumulative = rng, words, cumulative
        self.rank = {word: rank for rank, word in enumerate(words)}

    def draw(self, count):
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def length(self):
        # Log-normal around 300 words, a long tail to 2,000.
        return max(40, min(2_000, int(self.rng.lognormvariate(math.log(260), 0.55))))

    def sentence_text(self, words):
        out, i = [], 0
        while i < len(words):
            n = self.rng.randint(8, 22)
            sentence = words[i : i + n]
            out.append(sentence[0].capitalize() + " " + " ".join(sentence[1:]) + ".")
            i += n
        return " ".join(out)

    def text(self):
        words = self.draw(self.length())
        paragraphs, i = [], 0
        while i < len(words):
            n = self.rng.randint(40, 120)
            paragraphs.append(self.sentence_text(words[i : i + n]))
            i += n
        return "\n\n".join(paragraphs)

    def title(self):
        # Titles lean on the middle of the vocabulary: skip the very commonest words.
        words = [w for w in self.draw(14) if self.rank[w] > 30][: self.rng.randint(3, 8)]
        return " ".join(words or self.draw(3)).capitalize()


def copy_rows(cursor, table, columns, rows):
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def acronym(name):
    return "".join(part[0] for part in name.split()).upper()


SEARCH_INDEXES = {
    "statement_search": "statements_statement USING gin (search_vector)",
    "statement_search_head": "statements_statement USING gin (search_head)",
    "statement_search_pairs": "statements_statement USING gin (search_pairs)",
    "resolution_search": "statements_resolution USING gin (search_vector)",
    "resolution_search_head": "statements_resolution USING gin (search_head)",
    "resolution_search_pairs": "statements_resolution USING gin (search_pairs)",
}


def generate(conninfo, statements, seed, replace=False, log=print):
    rng = random.Random(seed)
    words, cumulative = build_vocabulary(rng)
    writer = Writer(rng, words, cumulative)
    now = datetime.datetime.now(datetime.UTC)
    started = time.monotonic()
    with psycopg.connect(conninfo, autocommit=False) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("SELECT count(*) FROM statements_statement")
        if cur.fetchone()[0]:
            if not replace:
                sys.exit("The database already holds statements: pass --replace to empty it.")
            cur.execute(
                "TRUNCATE statements_quotation, statements_statement_topics, "
                "statements_statement_mentions, statements_statement, "
                "statements_resolution_topics, statements_resolution, statements_congress, "
                "statements_alias, statements_topic_related, statements_topic, "
                "statements_affiliation, statements_organisation, statements_searchpassage, "
                "statements_searchword RESTART IDENTITY CASCADE"
            )
        for name in SEARCH_INDEXES:
            cur.execute(f"DROP INDEX IF EXISTS {name}")

        # Organisations: invented names of two to four words, their acronyms.
        organisations = []
        for i in range(1, ORGANISATIONS + 1):
            name = " ".join(w.capitalize() for w in writer.draw(rng.randint(2, 4)))
            organisations.append(
                (
                    i,
                    f"org-{i}",
                    f"{name} {i}",
                    acronym(name),
                    "",
                    rng.choice(COUNTRIES),
                    rng.choice(ORG_KINDS),
                    "",
                    "",
                )
            )
        copy_rows(
            cur,
            "statements_organisation",
            [
                "id",
                "key",
                "name",
                "short_name",
                "native_name",
                "country",
                "kind",
                "description",
                "website",
            ],
            organisations,
        )
        org_weights = list(itertools.accumulate(1 / r for r in range(1, ORGANISATIONS + 1)))

        # Topics: 20 roots, 180 children; one to three aliases each.
        topics, aliases = [], []
        for i in range(1, TOPICS + 1):
            parent = None if i <= 20 else rng.randint(1, 20)
            name = " ".join(writer.draw(rng.randint(1, 3)))
            topics.append((i, f"topic-{i}", f"{name} {i}".capitalize(), "", parent))
            for position in range(rng.randint(1, 3)):
                aliases.append((topics[-1][2].split()[0].upper() + f"{i}{position}", i, position))
        copy_rows(
            cur, "statements_topic", ["id", "key", "name", "description", "parent_id"], topics
        )
        copy_rows(cur, "statements_alias", ["name", "topic_id", "position"], aliases)

        # Congresses: one per year for the 200 largest organisations.
        congresses = []
        for org in range(1, 201):
            for year in range(1995, 2025, 4):
                congresses.append(
                    (
                        len(congresses) + 1,
                        f"congress-{org}-{year}",
                        org,
                        f"{year} {organisations[org - 1][3]} Congress",
                        year,
                        "",
                    )
                )
        copy_rows(
            cur,
            "statements_congress",
            ["id", "key", "organisation_id", "name", "year", "place"],
            congresses,
        )
        conn.commit()
        log(f"metadata written in {time.monotonic() - started:.1f}s")

        statement_columns = [
            "id",
            "key",
            "title",
            "text",
            "language",
            "source_url",
            "kind",
            "occasion",
            "date",
            "date_precision",
            "summary",
            "status",
            "created",
            "updated",
            "organisation_id",
        ]
        resolution_columns = [
            "id",
            "key",
            "title",
            "text",
            "language",
            "source_url",
            "kind",
            "section",
            "congress_id",
        ]
        resolution_id = 0
        for start in range(0, statements, BATCH):
            rows, tags, resolutions = [], [], []
            for i in range(start + 1, min(start + BATCH, statements) + 1):
                org = rng.choices(range(1, ORGANISATIONS + 1), cum_weights=org_weights)[0]
                roll = rng.random()
                if roll < 0.05:
                    date, precision = None, ""
                else:
                    day = datetime.date(1990, 1, 1) + datetime.timedelta(rng.randrange(36 * 365))
                    if roll < 0.25:
                        date, precision = day.replace(month=1, day=1), "year"
                    elif roll < 0.5:
                        date, precision = day.replace(day=1), "month"
                    else:
                        date, precision = day, "day"
                summary = (
                    writer.sentence_text(writer.draw(rng.randint(20, 40)))
                    if rng.random() < 0.5
                    else ""
                )
                rows.append(
                    (
                        i,
                        f"s-{i}",
                        writer.title(),
                        writer.text(),
                        rng.choice(LANGUAGES),
                        "",
                        rng.choice(STATEMENT_KINDS),
                        "",
                        date,
                        precision,
                        summary,
                        "published" if rng.random() < 0.98 else "draft",
                        now,
                        now,
                        org,
                    )
                )
                for topic in rng.sample(range(1, TOPICS + 1), rng.choice((0, 1, 1, 2, 2, 3))):
                    tags.append((i, topic))
                if i % STATEMENTS_PER_RESOLUTION == 0:
                    resolution_id += 1
                    resolutions.append(
                        (
                            resolution_id,
                            f"r-{resolution_id}",
                            writer.title(),
                            writer.text(),
                            "en",
                            "",
                            rng.choice(RESOLUTION_KINDS),
                            writer.title(),
                            rng.randint(1, len(congresses)),
                        )
                    )
            copy_rows(cur, "statements_statement", statement_columns, rows)
            copy_rows(cur, "statements_statement_topics", ["statement_id", "topic_id"], tags)
            copy_rows(cur, "statements_resolution", resolution_columns, resolutions)
            conn.commit()
            done = min(start + BATCH, statements)
            rate = done / (time.monotonic() - started)
            log(f"{done:,} statements ({rate:,.0f}/s)")

        for table in ("organisation", "topic", "congress", "statement", "resolution", "alias"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('statements_{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM statements_{table}))"
            )
        for name, definition in SEARCH_INDEXES.items():
            index_started = time.monotonic()
            cur.execute(f"CREATE INDEX {name} ON {definition}")
            conn.commit()
            log(f"index {name} built in {time.monotonic() - index_started:.0f}s")
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
    log(f"done: {statements:,} statements in {time.monotonic() - started:.0f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--replace", action="store_true", help="empty the archive first")
    args = parser.parse_args()
    conninfo = os.environ.get("DATABASE_URL")
    if not conninfo:
        sys.exit("Set DATABASE_URL to the (migrated) benchmark database.")

    def log(message):
        print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)

    generate(conninfo, args.statements, args.seed, replace=args.replace, log=log)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
