"""The editors' workplace: every object of the archive, with search, filters, autocomplete and
inlines, so that a whole document (a statement, the congress texts it quotes, the organisations
it names, its topics) can be entered by hand.

The admin validates with the importer's rules (models' `clean()`, `codes` validators and the
forms in `forms.py`), and changelists run a fixed number of queries however many rows a page
shows."""

from . import congresses, intake, organisations, statements, topics

__all__ = ["congresses", "intake", "organisations", "statements", "topics"]
