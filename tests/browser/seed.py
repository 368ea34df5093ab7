"""The demo archive (demo/archive.jsonl: the LO answer on trafficking and the two 2009 LO
Congress texts it quotes), loaded through the importer, as a reader of the site would see it."""

from pathlib import Path

from django.core.management import call_command

DEMO = Path(__file__).resolve().parents[2] / "demo" / "archive.jsonl"


def load_demo():
    call_command("import_archive", str(DEMO), verbosity=0)
