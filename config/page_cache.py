"""Rendered pages kept in the cache until a table they read changes.

A page's HTML is kept for the next identical request (same view, address, language
and user, or any visitor for a page seen signed out) as long as no table it read has
been written since. Nothing has to be declared or remembered per page:

- **What a page read.** While a cached view renders, every SELECT through Django's
  database connection names its tables (``FROM``/``JOIN``); the page keeps that list
  with the version each table had.
- **What changed.** Every INSERT, UPDATE and DELETE through Django's connection (the
  ORM, ``QuerySet.update()``, ``bulk_create()``, raw SQL; in any process: web, Celery
  worker, management command) gives its table a new random version once its
  transaction has committed. A page whose tables' versions all still match is served;
  any other is rendered afresh. A write made outside Django (``psql``, a restore)
  calls ``invalidate_all()``.
- **What else a page may hold.** The CSRF token is swapped for a fresh one on every
  hit (it is tied to the visitor's cookie, not to the page). Pages with a message
  waiting, htmx fragments, and responses that set a cookie are never stored.
  Only the clock is not a table: a page is kept ``PAGE_CACHE_SECONDS`` at most (60 by
  default), so a label computed from the time ("closes in 3 days", "overdue") is at
  most that much behind. Amounts, states and scores are never behind, and every
  action is checked against the database when it is taken.

Inner caches that return rows without a query (the ranking, the dashboards' figures)
call ``depends_on()`` with the models they stand for, so the page depends on those.
"""

from __future__ import annotations

import contextvars
import hashlib
import re
import threading
import time
import uuid
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.http import HttpResponse

# _unmask_cipher_token: how CsrfViewMiddleware itself reads a token (Django >= 4.1).
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.utils import translation

VERSION_PREFIX = "pagecache:v:"
GENERATION_KEY = "pagecache:generation"
ANY_WRITE_KEY = "pagecache:any-write"
ENTRY_PREFIX = "pagecache:page:"
ROW_PREFIX = "pagecache:row:"
CSRF_PLACEHOLDER = "\x00csrf-token\x00"
# Headers of the view's own response worth keeping; middleware adds the rest each time.
KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Link")

# Written on many requests and read by no page's view (the session is read by middleware).
UNTRACKED_TABLES = frozenset({"django_session"})

_WRITE = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?)\s+"([^"]+)"', re.I
)
_QUOTED = re.compile(r'"([^"]+)"')
_READ = re.compile(r'\b(?:FROM|JOIN)\s+"([^"]+)"', re.I)
_TOKEN = re.compile(r"[A-Za-z0-9]{64}")

# The tables read by the view being rendered in this thread or task (None: not tracking).
_reading: contextvars.ContextVar[set | None] = contextvars.ContextVar("page_reading", default=None)


def enabled() -> bool:
    return getattr(settings, "PAGE_CACHE_SECONDS", 0) > 0


# --- tracking reads and writes ----------------------------------------------------------


def track_queries(execute, sql, params, many, context):
    """A database execute wrapper (installed on every connection): notes the tables a
    cached view reads and bumps the version of every table written."""
    match = _WRITE.match(sql) if sql[:1] in "IUDTiudt " else None
    reading = _reading.get()
    if reading is not None and match is None:
        reading.update(_READ.findall(sql))
    result = execute(sql, params, many, context)
    if match:
        # TRUNCATE names every table it empties (Django's flush, seed_scale --reset).
        truncate = sql.lstrip()[:1] in "Tt"
        tables = _QUOTED.findall(sql) if truncate else [match.group(1)]
        if truncate and "CASCADE" in sql.upper():
            invalidate_all()  # and the tables it reached that it does not name
        for table in tables:
            if table not in UNTRACKED_TABLES:
                _written(context["connection"], table)
    return result


def _written(connection, table: str) -> None:
    if not connection.in_atomic_block:
        bump_tables({table})
        return
    pending = getattr(connection, "_page_cache_pending", None)
    # The callback of an earlier transaction (or of a savepoint rolled back) is gone
    # from the connection's on-commit list: start afresh.
    if pending is None or not any(entry[1] is pending[0] for entry in connection.run_on_commit):
        tables: set[str] = set()

        def flush():
            if getattr(connection, "_page_cache_pending", None) is pending:
                connection._page_cache_pending = None
            bump_tables(tables)

        pending = connection._page_cache_pending = (flush, tables)
        transaction.on_commit(flush, using=connection.alias)
    pending[1].add(table)


def bump_pending(connection) -> None:
    """Give the tables written so far in this transaction their new versions now, as
    its commit would: for tests, whose transaction never commits."""
    pending = getattr(connection, "_page_cache_pending", None)
    if pending is not None:
        pending[0]()


def _has_pending_writes(connection) -> bool:
    pending = getattr(connection, "_page_cache_pending", None)
    return bool(
        connection.in_atomic_block
        and pending is not None
        and any(entry[1] is pending[0] for entry in connection.run_on_commit)
    )


def install(connection, **kwargs) -> None:
    """``connection_created`` receiver: put the wrapper on each new connection."""
    if track_queries not in connection.execute_wrappers:
        connection.execute_wrappers.append(track_queries)


def bump_tables(tables) -> None:
    """New versions for these tables, and for "any table" (see ``_render_and_store``)."""
    if not tables:
        return
    versions = {VERSION_PREFIX + table: uuid.uuid4().hex for table in tables}
    versions[ANY_WRITE_KEY] = uuid.uuid4().hex
    cache.set_many(versions, None)


def invalidate_all() -> None:
    """No stored page is used again: for writes Django did not see."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def tables_of(models) -> set[str]:
    """The models' tables with their many-to-many tables."""
    tables = set()
    for model in models:
        tables.add(model._meta.db_table)
        tables.update(
            field.remote_field.through._meta.db_table for field in model._meta.many_to_many
        )
    return tables


def depends_on(*models) -> None:
    """The page being rendered depends on these models' tables, though it may not
    have queried them (an inner cache answered instead)."""
    reading = _reading.get()
    if reading is not None:
        reading.update(tables_of(models))


def tables_version(*models) -> str:
    """A version of the data in these models' tables for an inner cache's key: it
    changes with every committed write to any of them (``bump_tables``). Inside a
    transaction that has written, a new random one each time, so that the transaction
    reads its own writes and never a cached result."""
    depends_on(*models)
    if _has_pending_writes(connections[DEFAULT_DB_ALIAS]):
        return uuid.uuid4().hex
    versions = _versions(tables_of(models))
    return hashlib.sha256(repr(sorted(versions.items())).encode()).hexdigest()[:32]


def cached_row(model, pk, load):
    """``load()`` (one row of ``model``, or None), kept in the cache while its table
    keeps its version: a committed write to any row of the table reads it afresh."""
    if not enabled() or _has_pending_writes(connections[DEFAULT_DB_ALIAS]):
        return load()
    table_key = VERSION_PREFIX + model._meta.db_table
    row_key = f"{ROW_PREFIX}{model._meta.label_lower}:{pk}"
    found = cache.get_many([GENERATION_KEY, table_key, row_key])
    version = (found.get(GENERATION_KEY), found.get(table_key))
    stored = found.get(row_key)
    if stored is not None and None not in version and stored[0] == version:
        return stored[1]
    row = load()
    if None not in version:
        # Read before the row: a write committing meanwhile leaves this copy unused.
        cache.set(row_key, (version, row), settings.PAGE_CACHE_SECONDS)
    else:
        _current([GENERATION_KEY, table_key])
    return row


def _versions(tables) -> dict:
    """The generation and each table's version, in one round trip to the cache."""
    return _current([GENERATION_KEY, *(VERSION_PREFIX + table for table in sorted(tables))])


def _current(keys: list[str]) -> dict:
    """The values of these version keys; a fresh random one for any the cache lacks."""
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        for key, value in missing.items():
            cache.add(key, value, None)
        found.update(cache.get_many(list(missing)))
    return {key: found.get(key) for key in keys}


# --- the pages this process served last --------------------------------------------------


class RecentPages:
    """The pages this process stored or served last, up to ``limit`` characters in all:
    a page asked for again skips fetching (and unpickling) it from the cache. The cache's
    versions are still checked on every request, so a page here is served exactly when
    the cache's copy would be; it is dropped after ``PAGE_CACHE_SECONDS`` like that one.
    """

    def __init__(self, limit: int = 32 * 1024 * 1024):
        self.limit = limit
        self.size = 0
        self.pages: OrderedDict[str, dict] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> dict | None:
        with self.lock:
            entry = self.pages.get(key)
            if entry is None:
                return None
            if time.time() - entry["stored_at"] > settings.PAGE_CACHE_SECONDS:
                self._drop(key)
                return None
            self.pages.move_to_end(key)
            return entry

    def put(self, key: str, entry: dict) -> None:
        with self.lock:
            if key in self.pages:
                self._drop(key)
            self.pages[key] = entry
            self.size += len(entry["content"])
            while self.size > self.limit and self.pages:
                self._drop(next(iter(self.pages)))

    def _drop(self, key: str) -> None:
        self.size -= len(self.pages.pop(key)["content"])


_recent = RecentPages()


# --- the view decorator -----------------------------------------------------------------


def _cacheable_request(request) -> bool:
    if request.method not in ("GET", "HEAD") or not enabled():
        return False
    if request.headers.get("HX-Request"):
        return False
    if _has_pending_writes(connections[DEFAULT_DB_ALIAS]):
        return False  # this transaction has written: read what it sees
    # A message waiting to be shown belongs to this request alone (len() does not
    # mark the messages as shown).
    return not len(messages.get_messages(request))


def _entry_key(view_name: str, request) -> str:
    user = request.user
    audience = f"user:{user.pk}" if user.is_authenticated else "anonymous"
    raw = "\n".join(
        [view_name, request.get_full_path(), translation.get_language() or "", audience]
    )
    return ENTRY_PREFIX + hashlib.sha256(raw.encode()).hexdigest()


def _with_placeholder(content: str, request) -> str | None:
    """The page with every copy of this request's CSRF token replaced by a placeholder;
    None when the page holds a token that cannot be told apart."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret:
        return content
    return _TOKEN.sub(
        lambda match: (
            CSRF_PLACEHOLDER if _unmask_cipher_token(match.group(0)) == secret else match.group(0)
        ),
        content,
    )


def cached_page(view):
    """Serve the view's page from the cache while nothing it read has changed."""
    view_name = f"{view.__module__}.{view.__qualname__}"

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            return view(request, *args, **kwargs)
        key = _entry_key(view_name, request)
        entry = _recent.get(key)
        if entry is not None and _versions(entry["tables"]) == entry["versions"]:
            return _response_from(entry, request)
        entry = cache.get(key)
        if entry is not None and _versions(entry["tables"]) == entry["versions"]:
            _recent.put(key, entry)
            return _response_from(entry, request)
        return _render_and_store(view, key, request, args, kwargs)

    wrapper.page_cached = True
    return wrapper


def _response_from(entry: dict, request) -> HttpResponse:
    content = entry["content"]
    if CSRF_PLACEHOLDER in content:
        content = content.replace(CSRF_PLACEHOLDER, get_token(request))
    response = HttpResponse(content)
    for name, value in entry["headers"]:
        response[name] = value
    response["X-Page-Cache"] = "hit"
    return response


def _render_and_store(view, key, request, args, kwargs):
    # Any write that commits while the page renders changes this version; such a page
    # may hold the data from before the write, so it is served but not stored.
    before = _current([ANY_WRITE_KEY, GENERATION_KEY])
    tables: set[str] = set()
    token = _reading.set(tables)
    try:
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
    finally:
        _reading.reset(token)
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or "text/html" not in response.get("Content-Type", "")
        or "no-store" in response.get("Cache-Control", "")
    ):
        return response
    if request.user.is_authenticated:
        # Read by the middleware before the view: the user's name, role and language.
        tables.add(request.user._meta.db_table)
    versions = _versions(tables)
    if cache.get_many([ANY_WRITE_KEY, GENERATION_KEY]) != before:
        return response
    charset = response.charset or "utf-8"
    entry = {
        "tables": sorted(tables),
        "versions": versions,
        "content": _with_placeholder(response.content.decode(charset), request),
        "headers": [(name, response[name]) for name in KEPT_HEADERS if response.has_header(name)],
        "stored_at": time.time(),
    }
    cache.set(key, entry, settings.PAGE_CACHE_SECONDS)
    _recent.put(key, entry)
    response["X-Page-Cache"] = "miss"
    return response
