"""manage.py import_archive FILE… — import interchange files (docs/interchange.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, transaction

from statements import history
from statements.interchange import schema
from statements.interchange.importer import import_file
from statements.interchange.progress import BarProgress, LineProgress
from statements.interchange.reader import FileError


class Command(BaseCommand):
    help = (
        "Import archive interchange files (JSON Lines, version 1; .gz names are decompressed). "
        "Each file is imported whole or, if any line is invalid, not at all: every problem is "
        "reported with its line number and field. Objects are matched by key (affiliations and "
        "quotations by their fields) and replaced, so importing a file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE", help="Files to import, in order.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every line, references against the archive included, and write nothing.",
        )

    def handle(self, *args, files, dry_run=False, **options):
        if not dry_run:
            return self.import_each(files, options)
        # A dry run writes every file as the import would, so that a later file sees the
        # earlier ones, then rolls all of it back.
        with transaction.atomic():
            try:
                return self.import_each(files, options, rehearse=True)
            finally:
                transaction.set_rollback(True)

    def import_each(self, files, options, rehearse=False):
        failed, imported = [], []
        for path in files:
            progress = (
                BarProgress(self.stderr._out, path)
                if self.stderr.isatty()
                else LineProgress(self.stderr, path)
            )
            try:
                result = import_file(path, rehearse=rehearse, progress=progress)
            except FileError as error:
                self.stderr.write(f"{path}: {error}")
                failed.append(path)
                continue
            except DatabaseError as error:
                # What the database refuses is a problem of its line (import_file); this is
                # the database failing (gone, say): the file's transaction was rolled back.
                self.stderr.write(f"{path}: the database failed, nothing written: {error}")
                failed.append(path)
                continue
            if not result.ok:
                count = result.problems.count
                self.stderr.write(
                    f"{path}: {count:,} problem{'s' if count != 1 else ''} found; "
                    "nothing from this file was written."
                )
                for line in result.problems.lines():
                    self.stderr.write(f"{path}: {line}")
                failed.append(path)
                continue
            imported.append(result)
            self.report(result, verbosity=options["verbosity"])
        if not rehearse:
            # One revision for the run: the versions of everything its files wrote.
            history.record_import(imported)
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(files)} file{'s' if len(files) != 1 else ''} not imported: "
                + ", ".join(failed)
            )

    def report(self, result, verbosity):
        if verbosity < 1:
            return
        objects = sum(result.read.values())
        if not objects:
            self.stdout.write(f"{result.path}: no objects; nothing to import.")
            return
        if result.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{result.path}: {objects:,} object{'s' if objects != 1 else ''} checked,"
                    " all valid"
                )
                + " (dry run: nothing written)."
            )
            for type_ in schema.TYPE_ORDER:
                if result.read[type_]:
                    self.stdout.write(f"  {type_:<13} {result.read[type_]:>9,}")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.path}: {objects:,} object{'s' if objects != 1 else ''} imported."
            )
        )
        self.stdout.write(f"  {'':<13} {'created':>9} {'updated':>9} {'unchanged':>9}")
        for type_ in schema.TYPE_ORDER:
            counts = result.counts[type_]
            if counts.total:
                self.stdout.write(
                    f"  {type_:<13} {counts.created:>9,} {counts.updated:>9,}"
                    f" {counts.unchanged:>9,}"
                )
