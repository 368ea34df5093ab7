"""British and American spellings: every pair the archive knows, so that "child labour" and
"child labor", "organisation" and "organization" find exactly the same texts.

The list is breame's (https://github.com/cdpierse/breame, Apache-2.0: 1,700 pairs from
-ise/-ize, -our/-or, -re/-er, -ce/-se, -ogue/-og, doubled consonants, ae/oe), with the forms
derived below for the field's own words that it lacks. The pairs are joined into classes of
spellings (a word may have more than two: "drafts", "draughts"); a query word is read in
every spelling of its class and the readings ORed (compile.compile_terms), and a name is
looked up in every spelling (compile.expand_names). Query expansion rather than a thesaurus
in the text search configuration: the stored vectors stay as they are (no rebuild of a large
archive's index), each spelling is one more lexeme in the same `@@`, and either spelling
typed gives the same readings, so the same results."""

import itertools
import re

from breame.data.spelling_constants import (
    AMERICAN_ENGLISH_SPELLINGS,
    BRITISH_ENGLISH_SPELLINGS,
)

WORD_RE = re.compile(r"[^\W_]+")
MAX_VARIANTS = 8  # respellings of a text of several words: every combination, up to this


def _derived_pairs():
    """{British form: American form} for the field's own words and their inflections, which
    breame's list leaves out (criminalisation, labourite, harmonisations...)."""
    pairs = {}
    our = [
        "labour",
        "behaviour",
        "favour",
        "honour",
        "neighbour",
        "colour",
        "harbour",
        "rumour",
        "endeavour",
        "vigour",
        "saviour",
        "valour",
    ]
    for root in our:
        for suffix in ("", "s", "ed", "ing", "er", "ers", "ite", "ites", "able", "ful", "less"):
            pairs[root + suffix] = root[:-2] + "r" + suffix
    ise = [
        "organ",
        "recogn",
        "mobil",
        "priorit",
        "criminal",
        "decriminal",
        "legal",
        "penal",
        "harmon",
        "standard",
        "privat",
        "global",
        "industrial",
        "marginal",
        "minim",
        "maxim",
        "util",
        "stabil",
        "character",
        "categor",
        "author",
        "apolog",
        "summar",
        "capital",
        "civil",
        "democrat",
        "liberal",
        "normal",
        "central",
        "decentral",
        "union",
        "institutional",
        "international",
        "national",
        "rational",
        "special",
        "urban",
        "victim",
        "sensit",
        "optim",
        "modern",
        "neutral",
        "real",
        "emphas",
        "critic",
        "symbol",
        "subsid",
        "memor",
        "visual",
        "commercial",
        "local",
        "immun",
        "formal",
        "final",
        "monet",
        "synchron",
        "agon",
        "fertil",
        "steril",
        "hospital",
        "jeopard",
    ]
    for root in ise:
        for suffix in ("e", "ed", "es", "ing", "ation", "ations", "er", "ers", "ational"):
            pairs[f"{root}is{suffix}"] = f"{root}iz{suffix}"
    for root in ("analy", "paraly", "cataly"):
        for suffix in ("se", "sed", "ses", "sing"):
            pairs[root + suffix] = root + "z" + suffix[1:]
    for british, american in (
        ("centre", "center"), ("fibre", "fiber"), ("theatre", "theater"), ("litre", "liter"),
        ("defence", "defense"), ("offence", "offense"), ("licence", "license"),
        ("pretence", "pretense"), ("programme", "program"), ("catalogue", "catalog"),
        ("judgement", "judgment"), ("ageing", "aging"), ("fulfil", "fulfill"),
        ("fulfilment", "fulfillment"), ("enrol", "enroll"), ("enrolment", "enrollment"),
        ("instalment", "installment"), ("travelled", "traveled"), ("travelling", "traveling"),
        ("counselling", "counseling"), ("labelled", "labeled"), ("labelling", "labeling"),
        ("modelling", "modeling"), ("cancelled", "canceled"), ("signalling", "signaling"),
        ("channelled", "channeled"), ("grey", "gray"), ("cheque", "check"),
        ("manoeuvre", "maneuver"), ("paediatric", "pediatric"), ("foetus", "fetus"),
        ("oestrogen", "estrogen"), ("diarrhoea", "diarrhea"), ("anaemia", "anemia"),
    ):  # fmt: skip
        pairs[british] = american
        if not british.endswith(("ed", "ing", "ment")):
            pairs[british + "s"] = american + "s"
    return pairs


def _classes(*mappings):
    """{word: every spelling of it, in a stable order} from pairs of spellings."""
    classes = {}
    for mapping in mappings:
        for one, other in mapping.items():
            joined = {one, other} | set(classes.get(one, ())) | set(classes.get(other, ()))
            spelt = tuple(sorted(joined))
            for word in spelt:
                classes[word] = spelt
    return classes


SPELLINGS = _classes(_derived_pairs(), BRITISH_ENGLISH_SPELLINGS, AMERICAN_ENGLISH_SPELLINGS)


def spellings(word):
    """Every spelling of a word (lower case), itself included: ("labor", "labour")."""
    lower = word.lower()
    return SPELLINGS.get(lower, (lower,))


def spelling_variants(text):
    """The text with its words in their other spellings, every combination up to
    MAX_VARIANTS ("child labor" for "child labour"); [] when no word has another."""
    parts = WORD_RE.split(text)
    words = WORD_RE.findall(text)
    choices = [list(spellings(word)) if word.lower() in SPELLINGS else [word] for word in words]
    if all(len(c) == 1 for c in choices):
        return []
    variants = []
    for combination in itertools.islice(itertools.product(*choices), MAX_VARIANTS + 1):
        spelt = "".join(
            part + (combination[i] if i < len(combination) else "") for i, part in enumerate(parts)
        )
        if spelt.lower() != text.lower() and spelt not in variants:
            variants.append(spelt)
    return variants[:MAX_VARIANTS]
