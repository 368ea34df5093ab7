"""Quotations find their source: a quoted phrase matches the texts that hold its words in that
order, stop words included, and no others; the page says when a phrase is too common to be
checked word for word.

What each phrase should find is worked out here by a plain scan of the texts (each field cut
into its words, the phrase looked for as a run of them), never by the search code."""

import gzip
import itertools
import json
import os
import random
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from statements.models import Organisation, Resolution, Statement
from statements.search import compile, retrieve, service

pytestmark = pytest.mark.django_db

WORD = re.compile(r"[^\W_]+")


@pytest.fixture(autouse=True)
def _fresh_search_configs():
    compile.forget_configs()
    yield
    compile.forget_configs()


def words(text):
    return [w.lower() for w in WORD.findall(text)]


def holds(text, phrase):
    """Whether the text has the phrase's words as a run of its own words."""
    wanted, have = words(phrase), words(text)
    return any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def scanned(phrase):
    """The keys of the public texts whose title, summary (or section) or text holds it."""
    found = set()
    for s in Statement.objects.filter(status="published"):
        if any(holds(field, phrase) for field in (s.title, s.summary, s.text)):
            found.add(s.key)
    for r in Resolution.objects.all():
        if any(holds(field, phrase) for field in (r.title, r.section, r.text)):
            found.add(r.key)
    return found


def keys(results):
    return [p.object.key for p in results.positions]


# Each text differs from the others by a stop word or its order: the index, which leaves the
# stop words out, reads every one of them as 'made' <-> 'progress'.
TEXTS = {
    "source": "We regret that we have not made progress on the question of debt.",
    "had": "It is true that we had not made progress, whatever was said.",
    "they": "Some say that they have not made progress in the talks.",
    "reordered": "We have made progress, and that is not all we have done.",
    "capitals": "THAT WE HAVE NOT MADE PROGRESS IS PLAIN TO SEE.",
    "across-a-comma": "We know that, we have not made progress; others have.",
    "often": "We have made progress. Made progress again. Made progress on debt and made "
    "progress on trade: we have made progress everywhere.",
    "people": "Government of the people, by the people, for the people shall not perish.",
    "people-reordered": "For the people and by the people: government of people.",
    "question": "To be or not to be, that is the question of our age.",
    "question-apart": "To be or to not be: the question is ours.",
}
TITLES = {"titled": "That we have not made progress"}


@pytest.fixture
def texts():
    un = Organisation.objects.create(key="un", name="United Nations", kind="other")
    made = {}
    for key, text in TEXTS.items():
        made[key] = Statement.objects.create(
            key=key, title=f"Speech {key}", text=text, organisation=un, status="published"
        )
    for key, title in TITLES.items():
        made[key] = Statement.objects.create(
            key=key,
            title=title,
            text="A short speech on debt.",
            organisation=un,
            status="published",
        )
    Statement.objects.create(
        key="draft",
        title="Draft",
        text="We say that we have not made progress.",
        organisation=un,
        status="draft",
    )
    return made


PHRASES = [
    "that we have not made progress",
    "we have not made progress",
    "have made progress",
    "by the people for the people",
    "of the people",
]


@pytest.mark.parametrize("phrase", PHRASES)
def test_a_phrase_of_stop_words_finds_exactly_the_texts_that_hold_it(texts, phrase):
    expected = scanned(phrase)
    assert expected  # each phrase is in some text, and not in every one that has its words
    results = service.search_archive(f'"{phrase}"')
    assert set(keys(results)) == expected
    assert results.count == len(expected)
    assert not results.phrases_unchecked


def test_the_expectations_tell_the_texts_apart(texts):
    # The scan itself, on the fixture as written: stop words and their order count.
    assert scanned("that we have not made progress") == {
        "source",
        "capitals",
        "across-a-comma",
        "titled",
    }
    assert "reordered" not in scanned("have not made progress")


def test_a_phrase_only_of_stop_words_is_checked_beside_a_word(texts):
    # Only "question" reaches the index; the phrase is then read in its two texts.
    assert scanned("to be or not to be") == {"question"}
    assert keys(service.search_archive('"to be or not to be" question')) == ["question"]


def test_the_source_ranks_first(texts):
    # On the index's reading ('made' <-> 'progress') texts that say it more often, or in their
    # titles, come before the source.
    assert keys(service.search_archive("made progress")).index("source") > 0
    assert keys(service.search_archive('"we regret that we have not made"')) == ["source"]
    assert keys(service.search_archive('"that we have not made progress on"')) == ["source"]


def test_drafts_are_not_found_by_a_phrase(texts):
    assert "draft" not in keys(service.search_archive('"we have not made progress"'))


def test_a_phrase_too_common_to_check_says_so(client, texts, monkeypatch):
    # Eleven candidates (every text with 'made' <-> 'progress') against a limit of three.
    monkeypatch.setattr(retrieve, "PHRASE_CHECK_LIMIT", 3)
    results = service.search_archive('"that we have not made progress"')
    assert results.phrases_unchecked
    assert set(keys(results)) > scanned("that we have not made progress")
    html = client.get("/search/", {"q": '"that we have not made progress"'}).content.decode()
    assert "too common to be matched exactly" in html


def test_a_phrase_within_the_limit_has_no_notice(client, texts):
    html = client.get("/search/", {"q": '"that we have not made progress"'}).content.decode()
    assert "too common to be matched exactly" not in html
    assert 'href="/statements/source/"' in html and 'href="/statements/had/"' not in html


def test_an_excluded_phrase_and_words_combine(texts):
    found = set(keys(service.search_archive('progress "we have not made progress" -debt')))
    assert found == scanned("we have not made progress") - {"source", "titled"}


# --- On the real speeches ---------------------------------------------------------------------

CORPUS_SPEECHES = 300


@pytest.mark.corpus
def test_phrases_are_exact_on_the_first_speeches(tmp_path):
    """The first speeches of the UN General Debate corpus; 6-word passages drawn (with a seed)
    from them, half led by stop words; each finds exactly the speeches that hold it."""
    source = Path(os.environ["ARCHIVE_CORPORA"]) / "ungd-speeches.jsonl.gz"
    part = tmp_path / "speeches.jsonl"
    with gzip.open(source, "rt", encoding="utf-8") as lines, part.open("w") as out:
        speeches = 0
        for line in lines:
            if json.loads(line)["type"] == "statement":
                speeches += 1
                if speeches > CORPUS_SPEECHES:
                    break
            out.write(line)
    call_command("import_archive", str(part), verbosity=0)
    compile.forget_configs()
    speeches = {s.key: s for s in Statement.objects.all()}
    texts = {key: words(s.text) for key, s in speeches.items()}
    titles = {key: words(s.title) for key, s in speeches.items()}
    rng = random.Random(12)
    checked = 0
    for key in itertools.islice(itertools.cycle(sorted(texts)), 0, 10_000):
        if checked == 30:
            break
        found = list(WORD.finditer(speeches[key].text))
        if rng.random() > 0.1 or len(found) < 50:
            continue
        starts = range(len(found) - 6)
        if checked % 2:  # a passage led by "of the", "and the", "that we" …
            starts = [i for i in starts if found[i].group().lower() in ("of", "and", "that")]
        at = rng.choice(starts)
        # As a reader copies it: the text itself, punctuation and all.
        passage = speeches[key].text[found[at].start() : found[at + 5].end()]
        wanted = [m.group().lower() for m in found[at : at + 6]]
        expected = {
            k
            for k in texts
            if any(w[i : i + 6] == wanted for w in (texts[k], titles[k])
                   for i in range(len(w) - 5))
        }  # fmt: skip
        results = service.search_archive('"' + passage.replace('"', " ") + '"')
        if results.phrases_unchecked:
            continue  # too common to check: said so on the page (tested above)
        assert results.count == len(expected), passage
        if results.count <= 20:  # one page
            assert set(keys(results)) == expected, passage
        checked += 1
    assert checked == 30
