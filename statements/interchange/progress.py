"""How a long import shows its progress: a tqdm bar on a terminal, plain lines otherwise
(log files, CI), at most one every few seconds."""

import time

from tqdm import tqdm

from .importer import NullProgress


class BarProgress(NullProgress):
    """A tqdm progress bar over the bytes of the file, then one line per writing phase."""

    def __init__(self, stream, label):
        self.stream = stream
        self.label = label
        self.bar = None

    def reading(self, total_bytes):

        self.bar = tqdm(
            total=total_bytes,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            desc=f"reading {self.label}",
            file=self.stream,
            leave=False,
        )

    def read(self, position, lines):
        if self.bar is not None:
            self.bar.update(position - self.bar.n)
            self.bar.set_postfix_str(f"{lines:,} lines", refresh=False)

    def phase(self, text):
        self._close_bar()
        self.stream.write(f"{self.label}: {text}…\n")
        self.stream.flush()

    def _close_bar(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def close(self):
        self._close_bar()


class LineProgress(NullProgress):
    """Plain progress lines, no more often than every `interval` seconds while reading."""

    def __init__(self, stream, label, interval=5.0):
        self.stream = stream
        self.label = label
        self.interval = interval
        self.total = None
        self.started = self.last = time.monotonic()

    def reading(self, total_bytes):
        self.total = total_bytes

    def read(self, position, lines):
        now = time.monotonic()
        if now - self.last < self.interval:
            return
        self.last = now
        share = f"{100 * position / self.total:.0f}% of the file, " if self.total else ""
        self.stream.write(f"{self.label}: read {share}{lines:,} lines\n")
        self.stream.flush()

    def phase(self, text):
        elapsed = time.monotonic() - self.started
        if elapsed >= self.interval:
            self.stream.write(f"{self.label}: {text}… ({elapsed:.0f} s)\n")
            self.stream.flush()
