"""The test's writes so far, as if committed.

A test's transaction never commits, so the table versions that the page cache and the
inner caches (figures, ranking) key on never change inside it, and those caches step
aside (config/page_cache.py). Tests that measure a cached path call this once their data
is in place, as production would have committed it.
"""

from django.db import connection

from config import page_cache


def as_if_committed() -> None:
    page_cache.bump_pending(connection)
