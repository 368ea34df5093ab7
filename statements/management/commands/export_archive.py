"""manage.py export_archive — write the archive, or part of it, as one canonical interchange
file (docs/interchange.md)."""

import gzip
import io
import os
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from statements.interchange.exporter import closure, iter_lines, whole_archive
from statements.interchange.selection import FILTERS, InvalidSelection, select_positions


class Command(BaseCommand):
    help = (
        "Export the archive as one canonical interchange file (JSON Lines, version 1) to "
        "standard output or to -o FILE (.gz compresses). Filters choose part of it, as the "
        "positions view does (a filter may repeat: its values are ORed); a partial export "
        "also holds every object the chosen ones refer to, so it imports into an empty archive."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", metavar="FILE", help="Write here, not to stdout.")
        parser.add_argument(
            "--published-only",
            action="store_true",
            help="Leave out drafts and their quotations (included by default).",
        )
        group = parser.add_argument_group("partial export (the positions view's filters)")
        for name, help_text in FILTERS.items():
            group.add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                action="append",
                metavar=name.upper(),
                help=help_text,
            )

    def handle(self, *args, output=None, published_only=False, **options):
        filters = {name: options[name] for name in FILTERS if options.get(name)}
        # One snapshot of the archive for the whole file, whatever is written meanwhile.
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if filters:
                try:
                    statements, resolutions = select_positions(
                        filters, published_only=published_only
                    )
                except InvalidSelection as error:
                    raise CommandError(str(error)) from None
                selection = closure(statements, resolutions, published_only=published_only)
            else:
                selection = whole_archive(published_only=published_only)
            lines = iter_lines(selection)
            if output is None:
                self.write_stdout(lines)
                return
            try:
                if output.endswith(".gz"):
                    # mtime=0: the same archive gives the same bytes.
                    raw = gzip.GzipFile(output, "wb", mtime=0)
                    out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
                else:
                    out = open(output, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
            except OSError as error:
                raise CommandError(f"cannot write {output}: {error.strerror}") from None
            with out:
                for line in lines:
                    out.write(line)

    def write_stdout(self, lines):
        if self.stdout._out is not sys.stdout:  # called with stdout=… (tests, call_command)
            for line in lines:
                self.stdout._out.write(line)
            return
        # UTF-8 and \n whatever the locale says.
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n")
        try:
            for line in lines:
                out.write(line)
            out.flush()
        except BrokenPipeError:
            # The reader stopped early (| head): stop quietly, as command-line tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        finally:
            out.detach()
