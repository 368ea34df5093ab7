"""ArchiveVersion: every change to the archive's content, by any write path, moves it on; reading
does not. Conditional answers and the page cache rely on this to never serve a stale page."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from statements.models import ArchiveVersion, Organisation, Statement, Topic, table
from tests.browser.builders import build_archive

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive():
    return build_archive()


def moves(change):
    before = ArchiveVersion.current()
    change()
    after = ArchiveVersion.current()
    return after[0] != before[0] and (before[1] is None or after[1] >= before[1])


def test_each_write_path_moves_the_version(archive):
    statement = Statement.objects.order_by("pk").first()
    topic = Topic.objects.get(key="poverty")

    def save():
        statement.title = "A new title"
        statement.save()

    assert moves(save)
    assert moves(lambda: statement.topics.add(topic))  # a many-to-many row alone
    assert moves(lambda: Statement.objects.filter(pk=statement.pk).update(status="draft"))
    assert moves(lambda: Organisation.objects.get(key="tuc").affiliations.all().delete())

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table(Topic)} SET description = 'x' WHERE key = 'poverty'")

    assert moves(raw_sql)


def test_an_import_moves_it_and_reading_does_not(client, archive, tmp_path):
    before = ArchiveVersion.current()
    for url in ("/", "/positions/?topic=trafficking", "/search/?q=trafficking", "/topics/"):
        assert client.get(url).status_code == 200
    assert ArchiveVersion.current() == before
    new = tmp_path / "new.jsonl"
    new.write_text('{"type": "organisation", "key": "ilo", "name": "ILO", "kind": "other"}\n')
    assert moves(lambda: call_command("import_archive", str(new), verbosity=0))


def test_an_import_that_fails_leaves_it_as_it_was(archive, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "organisation", "key": "x", "name": "X", "kind": "nonsense"}\n')
    before = ArchiveVersion.current()
    with pytest.raises(CommandError):
        call_command("import_archive", str(bad), verbosity=0)
    assert ArchiveVersion.current() == before
