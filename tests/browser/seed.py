"""What the browser tests load, through the importer, as a reader of the site would see it:

- load_demo(): the demo archive (demo/archive.jsonl: the LO answer on trafficking and the two
  2009 LO Congress texts it quotes);
- load_compared(): the demo archive with ITUC's positions beside it
  (tests/compare_files/ituc.jsonl, the compare page's server tests' own file: a resolution and
  a statement on trafficking that reuse LO's wording and quote an LO resolution, a draft, and a
  statement on poverty only);
- load_upr_slice(path): a small slice shaped like the UPR corpus (governments' one-paragraph
  recommendations to other states, on issues under one root topic, over three review cycles),
  written to `path` as interchange JSON Lines and imported. Returns its rows, so that a test
  computes what a page should show from them, not from the app."""

import json
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "archive.jsonl"
ITUC = ROOT / "tests" / "compare_files" / "ituc.jsonl"


def load_demo():
    call_command("import_archive", str(DEMO), verbosity=0)


def load_compared():
    for path in (DEMO, ITUC):
        call_command("import_archive", str(path), verbosity=0)


def read_rows(*paths):
    return [
        json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()
    ]


# The UPR-like slice -------------------------------------------------------------------------

# Governments that recommend, with the long names the real corpus has (no short names), and a
# few that are reviewed.
RECOMMENDING = {
    "government-of-bolivia": "Government of the Plurinational State of Bolivia",
    "government-of-norway": "Government of Norway",
    "government-of-the-philippines": "Government of the Republic of the Philippines",
    "government-of-tanzania": "Government of the United Republic of Tanzania",
}
REVIEWED = {
    "government-of-nepal": "Government of the Federal Democratic Republic of Nepal",
    "government-of-moldova": "Government of the Republic of Moldova",
    "government-of-thailand": "Government of the Kingdom of Thailand",
}
COUNTRIES = {
    "government-of-bolivia": "BO",
    "government-of-norway": "NO",
    "government-of-the-philippines": "PH",
    "government-of-tanzania": "TZ",
    "government-of-nepal": "NP",
    "government-of-moldova": "MD",
    "government-of-thailand": "TH",
}
TOPICS = {
    "upr-issues": ("UPR issues", None),
    "trafficking": ("Trafficking", "upr-issues"),
    "women-s-rights": ("Women's rights", "upr-issues"),
}
# The wording governments reuse from cycle to cycle and from one another, as they do.
SHARED = (
    "Take further measures to combat trafficking in persons, in particular women and children, "
    "and ensure that victims have access to shelters and legal aid"
)
OWN = [
    "Ratify the Protocol to Prevent, Suppress and Punish Trafficking in Persons.",
    "Strengthen the national referral mechanism for victims of human trafficking.",
    "Train border officials to identify victims of trafficking at an early stage.",
    "Allocate sufficient resources to the national action plan against trafficking.",
    "Prosecute and punish those responsible for trafficking, including public officials.",
]
CYCLES = [("2011-10", 12), ("2016-05", 25), ("2021-11", 38)]  # (date, session)


def upr_rows():
    """The slice's rows, in the interchange format: every recommending government makes a
    different number of recommendations per cycle, some in the shared wording."""
    rows = [
        {"type": "organisation", "key": key, "name": name, "kind": "government"}
        | {"country": COUNTRIES[key]}
        for key, name in {**RECOMMENDING, **REVIEWED}.items()
    ]
    for key, (name, parent) in TOPICS.items():
        rows.append(
            {"type": "topic", "key": key, "name": name} | ({"parent": parent} if parent else {})
        )
    n = 0
    for g, government in enumerate(RECOMMENDING):
        label = RECOMMENDING[government].removeprefix("Government of ").removeprefix("the ")
        for c, (date, session) in enumerate(CYCLES):
            reviewed = list(REVIEWED)[(g + c) % len(REVIEWED)]
            for r in range(1 + (g + c) % 3):
                n += 1
                if (g + r) % 2 == 0:
                    text = f"{SHARED}, as recommended in the previous cycle."
                else:
                    text = OWN[(g + c + r) % len(OWN)]
                topics = ["trafficking"] + (["women-s-rights"] if r == 1 else [])
                rows.append(
                    {
                        "type": "statement",
                        "key": f"upr-slice-{n:03d}",
                        "organisation": government,
                        "title": f"UPR recommendation by {label} (session {session})",
                        "kind": "other",
                        "addressed_to": reviewed,
                        "date": date,
                        "language": "en",
                        "text": text,
                        "topics": topics,
                        "status": "published",
                    }
                )
            # And one on women's rights only, not on trafficking.
            n += 1
            rows.append(
                {
                    "type": "statement",
                    "key": f"upr-slice-{n:03d}",
                    "organisation": government,
                    "title": f"UPR recommendation by {label} (session {session})",
                    "kind": "other",
                    "addressed_to": reviewed,
                    "date": date,
                    "language": "en",
                    "text": "Adopt a comprehensive law on equality between women and men.",
                    "topics": ["women-s-rights"],
                    "status": "published",
                }
            )
    return rows


def load_upr_slice(path):
    rows = upr_rows()
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    call_command("import_archive", str(path), verbosity=0)
    return rows
