"""The page cache as the test suite runs it: it serves nothing (the tests read what each page
was rendered from, which a cached answer does not carry) and checks everything. Each page kept
is compared with what is already kept under its key; any difference is a page that the real
cache would have served wrongly (stale after a change, or another reader's), and fails the
test. tests/test_page_cache.py runs the real cache."""

from django.core.cache.backends.locmem import LocMemCache


class VerifyingCache(LocMemCache):
    differences = []

    def get(self, key, default=None, version=None):
        return default

    def set(self, key, value, timeout=None, version=None):
        kept = super().get(key, version=version)
        if kept is not None and kept != value:
            self.differences.append((kept, value))
        super().set(key, value, timeout, version)
