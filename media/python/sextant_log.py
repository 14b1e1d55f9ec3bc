"""Log parameters, metrics, tags and artifacts to Sextant from a training script.

Standard library only (Python 3.8 or newer): copy this file next to your script (or put its folder on
PYTHONPATH) and

    import sextant_log as sx
    sx.log_params({"lr": 0.01, "epochs": 20})
    for step in range(100):
        sx.log_metric("loss", loss, step=step)
    sx.log_metrics({"accuracy": 0.91, "f1": 0.88})
    sx.set_tag("model", "mlp")
    sx.log_artifact("models/model.onnx")
    sx.flush()          # optional: everything logged so far is in the store when it returns True

Where the values go:
  * SEXTANT_STORE and SEXTANT_RUN_ID set (a Sextant pipeline stage sets both): that run in the SQLite store.
  * only SEXTANT_STORE set: a new run is created (experiment SEXTANT_EXPERIMENT or "Default", name
    SEXTANT_RUN_NAME or the script's name) and finished when the script exits (failed on an exception,
    killed on Ctrl-C), or by end_run().
  * an http(s):// tracking URI (set_tracking_uri, SEXTANT_TRACKING_URI, or MLFLOW_TRACKING_URI when it is
    http(s)): that server (`sextant server`, or MLflow's) through MLflow's REST API, with urllib.
  * neither, or a store that cannot be written (missing, damaged, not a Sextant store, too old or too
    new): `::sextant ...` protocol lines on stdout, which the Sextant runner reads. Said once on stderr.

Writes are buffered and committed in one transaction per batch: every 20,000 points, every 0.25 s
(a background thread), on flush(), end_run() and at exit. A script killed with kill -9 loses at most about
the last half second of what it logged. A locked store is waited for (with a message) for at most
SEXTANT_LOCK_TIMEOUT seconds (default 30); after that, and after a failed write (disk full), the
points stay in memory (up to 2 million) and are retried every second; what could not be written by
the end is reported on stderr.

MLflow's fluent API is here too (set_tracking_uri, set_experiment, start_run with nested runs, end_run,
active_run, log_artifacts, log_dict, log_text, log_figure, log_batch): `import sextant_log as mlflow` runs
an MLflow script unchanged (docs/python.md). log_artifact's artifact_path is a folder, as in MLflow.

Logging never raises: a value that cannot be stored (an empty key, a 10 MB param, a step beyond 2**53-1,
a string as a metric) is reported on stderr (one line per call, repeats rate-limited) and skipped, the
rest of the call is kept, and the script carries on. NaN and +/-inf metric values are kept. Where MLflow
raises, the MLflow-shaped calls raise MlflowException: a param logged again with another value
(ParamChangedError; the first is kept), a second top-level start_run, log_batch over MLflow's limits.
"""

import atexit
import hashlib
import itertools
import json
import math
import mimetypes
import operator
import os
import random
import re
import shutil
import socket
import sqlite3
import sys
import tempfile
import threading
import time
import unicodedata
from array import array

__all__ = [
    "log_param", "log_params", "log_metric", "log_metrics", "set_tag", "set_tags", "log_artifact", "flush",
    "end_run", "run_id",
    # MLflow's fluent API (`import sextant_log as mlflow`)
    "MlflowException", "ParamChangedError", "ActiveRun", "set_tracking_uri", "get_tracking_uri", "set_experiment",
    "start_run", "active_run", "delete_tag", "log_artifacts", "log_dict", "log_text", "log_figure", "log_batch",
]

# The rules of src/engine/tracking/validate.ts and the store's layout (src/engine/store/schema.ts).
MAX_KEY_LENGTH = 250  # UTF-16 code units, as JavaScript's String.length counts
MAX_VALUE_BYTES = 64 * 1024
MAX_SAFE_INTEGER = 2 ** 53 - 1  # steps and timestamps: JavaScript's safe integers
SCHEMA_VERSION = 13  # the store's PRAGMA user_version this helper writes (the engine's last migration)
BUCKET_SHIFT = 3  # metric_buckets: 8 steps a row (METRIC_BUCKET_SHIFT in schema.ts)
SQLITE_HEADER = b"SQLite format 3\x00"
FULL_CHECK_MAX_BYTES = 16 * 1024 * 1024  # as FULL_CHECK_MAX_BYTES in src/engine/store/open.ts
POINT_TABLES = ("metrics", "metric_buckets")

BATCH_POINTS = 20000  # a batch is written when it has this many points...
FLUSH_SECONDS = 0.25  # ...or its oldest point is this old (readers see points within about a second)
RETRY_SECONDS = 1.0  # after a failed write, the next try
MAX_BUFFERED = 2000000  # points held while the store cannot be written; later points are dropped
DEFAULT_LOCK_WAIT = 30.0  # seconds a write waits for another writer's lock (SEXTANT_LOCK_TIMEOUT)

_JS_SPACE = ("\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
             "\u2028\u2029\u202f\u205f\u3000\ufeff")  # what JavaScript's trim() removes
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_MEDIA_TYPES = {".onnx": "application/onnx", ".pkl": "application/x-pickle", ".pt": "application/x-pytorch",
                ".parquet": "application/vnd.apache.parquet", ".yaml": "application/yaml", ".yml": "application/yaml",
                ".npy": "application/x-npy", ".md": "text/markdown", ".log": "text/plain"}


# ---------------------------------------------------------------------------------------------------
# Warnings on stderr: each distinct message once, at most 10 new ones per 10 s, the rest counted.

class _Warnings(object):
    WINDOW = 10.0
    PER_WINDOW = 10

    def __init__(self):
        self.lock = threading.Lock()
        self.seen = set()
        self.window_start = -1e9
        self.in_window = 0
        self.suppressed = 0

    @staticmethod
    def write(message):
        try:
            sys.stderr.write("sextant_log: %s\n" % message)
            sys.stderr.flush()
        except Exception:
            pass

    def warn(self, message, always=False):
        with self.lock:
            now = time.monotonic()
            if now - self.window_start >= self.WINDOW:
                self.report_suppressed()
                self.window_start, self.in_window = now, 0
            if not always and (message in self.seen or self.in_window >= self.PER_WINDOW):
                self.suppressed += 1
                return
            if len(self.seen) < 10000:
                self.seen.add(message)
            self.in_window += 1
            self.write(message)

    def report_suppressed(self):
        if self.suppressed:
            self.write("%d more warning%s like the ones above %s not shown"
                       % (self.suppressed, "" if self.suppressed == 1 else "s", "was" if self.suppressed == 1 else "were"))
            self.suppressed = 0


_warnings = _Warnings()
_warn = _warnings.warn


def _report_suppressed():
    with _warnings.lock:
        _warnings.report_suppressed()


atexit.register(_report_suppressed)  # registered first, so it runs after the helper's other exit work


def _describe(value):
    """A short, safe description of a value for a message (repr can be huge, or raise)."""
    if type(value) is int and value.bit_length() > 64:
        return "an integer of %d bits" % value.bit_length()
    try:
        text = repr(value)
    except Exception:
        text = "a %s" % type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def _skipped(call, problems):
    """One warning line for the problems of one call."""
    shown = "; ".join(problems[:3])
    if len(problems) > 3:
        shown += "; and %d more" % (len(problems) - 3)
    _warn("%s: %s" % (call, shown))


# ---------------------------------------------------------------------------------------------------
# Validation, as the engine does it (src/engine/tracking/validate.ts).

def _check_key(key):
    if not isinstance(key, str):
        return None, "a key must be text, not %s" % type(key).__name__
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return None, "a key must be valid Unicode text (it contains a lone surrogate)"
    k = unicodedata.normalize("NFC", key).strip(_JS_SPACE)
    if not k:
        return None, "a key cannot be empty"
    length = len(k.encode("utf-16-le")) // 2
    if length > MAX_KEY_LENGTH:
        return None, "the key is %d characters long; the limit is %d" % (length, MAX_KEY_LENGTH)
    if _CONTROL.search(k):
        return None, "a key cannot contain control characters (newlines, tabs, NUL)"
    return k, None


def _check_text(value, what):
    try:
        if isinstance(value, str):
            text = value
        elif value is None:
            text = ""
        elif isinstance(value, (bool, int, float)):
            text = str(value)
        else:
            try:
                text = json.dumps(value, default=str)
            except (TypeError, ValueError):
                text = str(value)
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None, "the %s value must be valid Unicode text (it contains a lone surrogate)" % what
    except Exception as err:
        return None, "the %s value cannot be written as text (%s)" % (what, err)
    if size > MAX_VALUE_BYTES:
        return None, ("the %s value is %.1f MiB; %ss are limited to 64 KiB. Log it as an artifact instead (log_artifact)."
                      % (what, size / 1048576.0, what))
    return text, None


def _check_number(value):
    """A metric value as a float: any real number (NaN and +/-inf included) that fits a 64-bit float."""
    if isinstance(value, (bool, str, bytes, bytearray)) or value is None:
        return None, "a metric value must be a number (NaN and inf are allowed), not %s %s" % (type(value).__name__, _describe(value))
    try:
        return float(value), None
    except OverflowError:
        return None, "%s is too large for a 64-bit float (the largest is about 1.8e308)" % _describe(value)
    except Exception:
        return None, "a metric value must be a number (NaN and inf are allowed), not %s %s" % (type(value).__name__, _describe(value))


def _whole(value):
    """value as an int when it is a whole number (int, integral float, numpy integer), else None."""
    if isinstance(value, (bool, str, bytes, bytearray)) or value is None:
        return None
    try:
        return operator.index(value)
    except Exception:
        pass
    try:
        f = float(value)
    except Exception:
        return None
    if not math.isfinite(f) or f != int(f):
        return None
    return int(f)


def _check_step(step):
    """(step, None) for a safe integer step (or None), else (None, reason)."""
    if step is None:
        return None, None
    s = _whole(step)
    if s is None or not -MAX_SAFE_INTEGER <= s <= MAX_SAFE_INTEGER:
        return None, "the step must be a whole number from -(2**53-1) to 2**53-1, not %s" % _describe(step)
    return s, None


def _check_timestamp(timestamp):
    """(ms since 1970 as an int, None), the current time for None, else (None, reason)."""
    if timestamp is None:
        return int(time.time() * 1000), None
    t = None
    if not isinstance(timestamp, (bool, str, bytes, bytearray)):
        try:
            t = float(timestamp) if type(timestamp) is not int else timestamp
        except Exception:
            t = None
    if t is None or not (0 <= t <= MAX_SAFE_INTEGER):  # NaN compares false: refused too
        return None, ("the timestamp must be milliseconds since 1970 (a number from 0 to 2**53-1), not %s"
                      % _describe(timestamp))
    return int(t), None


def _pairs(values):
    """The (key, value) pairs of a dict (or mapping, or iterable of pairs), or None."""
    if type(values) is dict:
        return list(values.items())
    items = getattr(values, "items", None)
    try:
        if callable(items):
            return list(items())
        if values is not None and not isinstance(values, (str, bytes)):
            return list(dict(values).items())
    except Exception:
        pass
    return None


def _is_busy(err):
    text = str(err).lower()
    return "locked" in text or "busy" in text


def _lock_wait_seconds():
    try:
        return max(0.0, float(os.environ.get("SEXTANT_LOCK_TIMEOUT", DEFAULT_LOCK_WAIT)))
    except ValueError:
        return DEFAULT_LOCK_WAIT


class _Locked(Exception):
    pass


# ---------------------------------------------------------------------------------------------------
# The store: checked before anything is written, then written one transaction per batch.

class _Column(object):
    """The buffered points of one metric key (flat arrays: 24 bytes a point)."""
    __slots__ = ("key", "steps", "stamps", "values", "nan", "next_step")

    def __init__(self, key):
        self.key = key
        self.steps = array("q")
        self.stamps = array("q")
        self.values = array("d")
        self.nan = False
        self.next_step = None


class _Batch(object):
    __slots__ = ("columns", "params", "tags", "deleted_tags", "artifacts", "finish", "points", "oldest")

    def __init__(self):
        self.columns = []  # (column, steps, stamps, values, has_nan)
        self.params, self.tags, self.deleted_tags, self.artifacts, self.finish = {}, {}, set(), [], None
        self.points, self.oldest = 0, None

    def empty(self):
        return not (self.columns or self.params or self.tags or self.deleted_tags or self.artifacts or self.finish)


def _check_store_file(path):
    """None when path looks like a SQLite file, else why not (the header, as the engine's checkHeader)."""
    if not os.path.exists(path):
        return "%s does not exist (run `sextant init` or a pipeline first)" % path
    with open(path, "rb") as f:
        head = f.read(16)
    if not head:
        return "%s is empty: not a Sextant store yet (open the workspace with Sextant, or run `sextant runs list`)" % path
    if head != SQLITE_HEADER:
        return ("%s is not a SQLite database (its header is wrong), so nothing is written to it. Move it aside "
                "(`sextant doctor --move-store-aside`) and a new store is created on the next run" % path)
    if not os.access(path, os.W_OK):
        return "%s is read-only (its file mode does not let you write it)" % path
    return None


def _quick_check(conn, path):
    """PRAGMA quick_check as the engine runs it on open: the whole file when small, else all but the points."""
    if os.path.getsize(path) <= FULL_CHECK_MAX_BYTES:
        return conn.execute("PRAGMA quick_check").fetchone()[0]
    if sqlite3.sqlite_version_info < (3, 33, 0):
        return "ok"  # quick_check(TABLE) is newer: damage in a big store shows when it is written
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall():
        if table in POINT_TABLES:
            continue
        result = conn.execute('PRAGMA quick_check("%s")' % table.replace('"', '""')).fetchone()[0]
        if result != "ok":
            return result
    return "ok"


class _Store(object):
    def __init__(self, path, artifacts, conn):
        self.path = path
        self.artifacts = artifacts
        self.conn = conn
        self.key_ids = {}
        self.run = None
        self.announced_wait = False

    @classmethod
    def open(cls, path, artifacts):
        """(store, None), or (None, why the store is refused)."""
        why = _check_store_file(path)
        if why:
            return None, why
        try:
            if os.name == "posix":  # never creates the file, even if it vanished since the check
                from urllib.parse import quote
                target, uri = "file:%s?mode=rw" % quote(os.path.abspath(path)), True
            else:
                target, uri = path, False
            conn = sqlite3.connect(target, uri=uri, timeout=0.1, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as err:
            return None, "SQLite could not open %s: %s" % (path, err)
        try:
            # WAL with synchronous=NORMAL (as the Node side): a commit survives the process being killed.
            conn.execute("PRAGMA busy_timeout = 100")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
            integrity = _quick_check(conn, path)
            if integrity != "ok":
                raise sqlite3.DatabaseError("quick_check: %s" % integrity)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error as err:
            conn.close()
            if _is_busy(err):
                return None, "%s is locked by another process: %s" % (path, err)
            return None, ("SQLite reports %s is damaged (%s), so nothing is written to it. Move it aside "
                          "(`sextant doctor --move-store-aside`)" % (path, err))
        if version < SCHEMA_VERSION:
            conn.close()
            if version == 0:
                return None, "%s is a SQLite database but not a Sextant store (schema version 0)" % path
            return None, ("%s has schema version %d; open it once with Sextant (or `sextant runs list`) to upgrade it"
                          % (path, version))
        if version > SCHEMA_VERSION:
            conn.close()
            return None, ("%s has schema version %d, newer than this sextant_log.py (%d): use the copy shipped with "
                          "your Sextant (the extension's media/python folder)" % (path, version, SCHEMA_VERSION))
        return cls(path, artifacts, conn), None

    def begin(self, wait, on_wait):
        """BEGIN IMMEDIATE, waiting at most `wait` seconds for another writer; raises _Locked after that.
        A wait longer than a second (or half of `wait`) is announced once: shorter ones are ordinary
        sharing between writers."""
        start = time.monotonic()
        deadline = start + wait
        quiet_until = start + min(1.0, wait / 2)
        delay = 0.01
        while True:
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as err:
                if not _is_busy(err):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _Locked(str(err))
                if time.monotonic() >= quiet_until:
                    on_wait(wait)
                time.sleep(min(delay * (1 + random.random()), left))
                delay = min(delay * 2, 0.25)

    def rollback(self):
        # SQLite may have rolled back already (SQLITE_FULL does): then ROLLBACK itself fails with "no
        # transaction is active", which must never hide the error that caused it.
        try:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def tx(self, fn, wait, on_wait):
        self.begin(wait, on_wait)
        try:
            result = fn(self.conn)
            self.conn.execute("COMMIT")
            return result
        except BaseException:
            self.rollback()
            raise

    def find_run(self, uid):
        row = self.conn.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()
        return row[0] if row else None

    def experiment_id(self, experiment, wait, on_wait):
        """The id of the experiment named `experiment`, created when missing."""
        now = int(time.time() * 1000)

        def write(c):
            c.execute("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)", (experiment, now))
            return c.execute("SELECT id FROM experiments WHERE name = ?", (experiment,)).fetchone()[0]

        return self.tx(write, wait, on_wait)

    def create_run(self, experiment, name, wait, on_wait, parent=None):
        """A new running run in `experiment` (a name), or in its parent's experiment when `parent` (a row id)."""
        uid = "%032x" % random.getrandbits(128)
        now = int(time.time() * 1000)

        def write(c):
            if parent is None:
                c.execute("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)", (experiment, now))
                exp = c.execute("SELECT id FROM experiments WHERE name = ?", (experiment,)).fetchone()[0]
            else:
                exp = c.execute("SELECT experiment_id FROM runs WHERE id = ?", (parent,)).fetchone()[0]
            c.execute(
                "INSERT INTO runs (uid, experiment_id, parent_id, name, status, created_at, started_at, command, cwd, host, pid,"
                " python_version) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (uid, exp, parent, name, now, now, " ".join([sys.executable] + sys.argv), os.getcwd(), socket.gethostname(),
                 os.getpid(), sys.version.split()[0]))
            return c.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()[0]

        return uid, self.tx(write, wait, on_wait)

    def close(self):
        self.conn.close()

    def param_value(self, key):
        """The run's value of param `key` in the store, or None."""
        row = self.conn.execute("SELECT value FROM params WHERE run_id = ? AND key = ?", (self.run, key)).fetchone()
        return None if row is None else row[0]

    def run_info(self):
        """(experiment id, run name, start time in ms, artifact location) of the run being logged to, or None."""
        row = self.conn.execute("SELECT experiment_id, name, started_at FROM runs WHERE id = ?", (self.run,)).fetchone()
        return None if row is None else (str(row[0]), row[1], row[2], self.artifacts)

    def experiment_name(self, experiment_id):
        row = self.conn.execute("SELECT name FROM experiments WHERE id = ?", (int(experiment_id),)).fetchone()
        return row[0] if row else None

    def last_step(self, key):
        row = self.conn.execute(
            "SELECT l.step FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? AND k.name = ?",
            (self.run, key)).fetchone()
        return None if row is None else row[0]

    def write(self, batch, wait, on_wait):
        added = []
        try:
            self.tx(lambda c: self._write(c, batch, added), wait, on_wait)
        except BaseException:
            # Key ids found inside a transaction that rolled back may not exist: forget them.
            for key in added:
                self.key_ids.pop(key, None)
            raise

    def _key_id(self, c, name, added):
        kid = self.key_ids.get(name)
        if kid is None:
            c.execute("INSERT OR IGNORE INTO metric_keys (name) VALUES (?)", (name,))
            kid = c.execute("SELECT id FROM metric_keys WHERE name = ?", (name,)).fetchone()[0]
            self.key_ids[name] = kid
            added.append(name)
        return kid

    def _write(self, c, batch, added):
        run = self.run
        latest, buckets = [], []
        for col, steps, stamps, values, has_nan in batch.columns:
            kid = self._key_id(c, col.key, added)
            n = len(steps)
            stored = [None if v != v else v for v in values] if has_nan else values  # NaN is stored as NULL
            rows = zip(itertools.repeat(run, n), itertools.repeat(kid, n), steps, stamps, stored)
            whole = n - n % ROWS_PER_INSERT
            if whole:  # 100 rows a statement, as the engine: about twice as fast as a row a statement
                flat = list(itertools.chain.from_iterable(itertools.islice(rows, whole)))
                width = ROWS_PER_INSERT * 5
                c.executemany(_INSERT_POINTS, (flat[i:i + width] for i in range(0, len(flat), width)))
            c.executemany(_INSERT_POINT, rows)
            latest.append(_latest_row(run, kid, steps, stamps, values, stored, has_nan))
            buckets.extend(_bucket_rows(run, kid, steps, stored, has_nan))
        if latest:
            c.executemany(_UPSERT_LATEST, latest)
            c.executemany(_UPSERT_BUCKET, buckets)
        for table, values in (("params", batch.params), ("tags", batch.tags)):
            if values:
                c.executemany("INSERT INTO %s (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) "
                              "DO UPDATE SET value = excluded.value" % table, [(run, k, v) for k, v in values.items()])
        if batch.deleted_tags:
            c.executemany("DELETE FROM tags WHERE run_id = ? AND key = ?", [(run, k) for k in batch.deleted_tags])
        if batch.artifacts:
            c.executemany(
                "INSERT INTO artifacts (run_id, path, sha256, size, media_type, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,"
                " media_type = excluded.media_type, created_at = excluded.created_at",
                [(run,) + a for a in batch.artifacts])
        if batch.finish:
            status, code, ended = batch.finish
            c.execute("UPDATE runs SET status = ?, ended_at = ?, exit_code = ? WHERE id = ? AND status IN ('queued', 'running')",
                      (status, ended, code, run))


def _open_store(path, artifacts):
    """(store, None) or (None, why): a Sextant store file, or a tracking server for an http(s):// URL."""
    if _is_http(path):
        return _HttpStore.open(path)
    return _Store.open(path, artifacts)


class _HttpDown(sqlite3.OperationalError):
    """The tracking server cannot be reached (or answered 5xx): the batch stays in memory and is retried, as
    for a locked store."""


class _HttpStore(_Store):
    """A tracking server speaking MLflow's REST API (`sextant server`, or MLflow's own), written with urllib:
    runs/create, log-batch (MLflow's limits: 1000 metrics, 100 params, 100 tags a request), delete-tag,
    runs/update, and artifacts through the mlflow-artifacts proxy. `run` is the MLflow run id itself.
    A refusal (4xx) raises MlflowException when the script asked (set_experiment, start_run) and is
    reported and dropped while writing a batch; an unreachable server keeps the batch for a retry."""

    TIMEOUT = 30.0

    def __init__(self, url):
        _Store.__init__(self, url, tempfile.mkdtemp(prefix="sextant_log-upload-"), None)
        atexit.register(shutil.rmtree, self.artifacts, True)
        self.run_uri = {}  # run id -> its artifact_uri

    @classmethod
    def open(cls, url, artifacts=None):
        store = cls(url.rstrip("/"))
        try:
            store.request("GET", "experiments/search?max_results=1")
        except (_HttpDown, MlflowException) as err:
            store.close()
            return None, str(err)
        return store, None

    def close(self):
        shutil.rmtree(self.artifacts, True)

    def request(self, method, path, body=None, data=None, api="/api/2.0/mlflow/"):
        from urllib.error import HTTPError, URLError
        from urllib.request import Request, urlopen
        headers = {}
        if body is not None:
            data = json.dumps(body, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        elif data is not None:
            headers["Content-Type"] = "application/octet-stream"
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        if token:
            headers["Authorization"] = "Bearer " + token
        url = self.path + api + path
        try:
            with urlopen(Request(url, data=data, headers=headers, method=method), timeout=self.TIMEOUT) as res:
                raw = res.read()
        except HTTPError as err:
            text = err.read().decode("utf-8", "replace")
            try:
                answer = json.loads(text)
            except ValueError:
                answer = {}
            message = "%s %s: %s %s" % (method, url.split("?")[0], err.code, answer.get("error_code") or "")
            if err.code >= 500:
                raise _HttpDown("%s: %s" % (message, answer.get("message") or text[:200]))
            exc = MlflowException("%s: %s" % (message, answer.get("message") or text[:200]))
            exc.error_code, exc.status = answer.get("error_code"), err.code
            raise exc
        except (URLError, OSError) as err:
            raise _HttpDown("cannot reach the tracking server at %s: %s" % (self.path, getattr(err, "reason", err)))
        try:
            return json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            return {}

    def find_run(self, uid):
        try:
            info = self.request("GET", "runs/get?run_id=" + _quote(uid))["run"]["info"]
        except MlflowException as err:
            if getattr(err, "status", None) == 404:
                return None
            raise
        self.run_uri[uid] = info.get("artifact_uri")
        return uid

    def experiment_id(self, experiment, wait=None, on_wait=None):
        try:
            return self.request("GET", "experiments/get-by-name?experiment_name=" + _quote(experiment))["experiment"]["experiment_id"]
        except MlflowException as err:
            if getattr(err, "error_code", None) != "RESOURCE_DOES_NOT_EXIST":
                raise
        try:
            return self.request("POST", "experiments/create", {"name": experiment})["experiment_id"]
        except MlflowException as err:  # created meanwhile by another script
            if getattr(err, "error_code", None) != "RESOURCE_ALREADY_EXISTS":
                raise
            return self.request("GET", "experiments/get-by-name?experiment_name=" + _quote(experiment))["experiment"]["experiment_id"]

    def create_run(self, experiment, name, wait=None, on_wait=None, parent=None):
        if parent is not None:
            exp = self.request("GET", "runs/get?run_id=" + _quote(parent))["run"]["info"]["experiment_id"]
        else:
            exp = self.experiment_id(experiment)
        tags = {"mlflow.source.name": os.path.basename(sys.argv[0] or "python"), "mlflow.source.type": "LOCAL"}
        try:
            import getpass
            tags["mlflow.user"] = getpass.getuser()
        except Exception:
            pass
        if name:
            tags["mlflow.runName"] = name
        if parent is not None:
            tags["mlflow.parentRunId"] = parent
        body = {"experiment_id": str(exp), "start_time": int(time.time() * 1000), "tags": [{"key": k, "value": v} for k, v in tags.items()]}
        if name:
            body["run_name"] = name
        info = self.request("POST", "runs/create", body)["run"]["info"]
        uid = info.get("run_id") or info["run_uuid"]
        self.run_uri[uid] = info.get("artifact_uri")
        return uid, uid

    def _run(self):
        return self.request("GET", "runs/get?run_id=" + _quote(self.run))["run"]

    def param_value(self, key):
        for p in self._run().get("data", {}).get("params", []):
            if p.get("key") == key:
                return p.get("value")
        return None

    def run_info(self):
        info = self._run()["info"]
        return (info.get("experiment_id"), info.get("run_name"), info.get("start_time"), info.get("artifact_uri"))

    def experiment_name(self, experiment_id):
        try:
            return self.request("GET", "experiments/get?experiment_id=" + _quote(str(experiment_id)))["experiment"]["name"]
        except MlflowException:
            return None

    def last_step(self, key):
        steps = [m.get("step", 0) for m in self._run().get("data", {}).get("metrics", []) if m.get("key") == key]
        return int(steps[0]) if steps else None

    def _refused(self, what, err):
        _warn("%s: the tracking server refused it, so it is not logged: %s" % (what, err), always=True)

    def write(self, batch, wait=None, on_wait=None):
        run = self.run
        points = []
        for col, steps, stamps, values, has_nan in batch.columns:
            for s, t, v in zip(steps, stamps, values):
                points.append({"key": col.key, "value": v if v == v and v not in (_INF, -_INF) else ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")),
                               "timestamp": t, "step": s})
        params = [{"key": k, "value": v} for k, v in batch.params.items()]
        tags = [{"key": k, "value": v} for k, v in batch.tags.items()]
        # params and tags first (100 of each a request), then the points (1000 a request), as MLflow's client
        while params or tags:
            body = {"run_id": run, "params": params[:MAX_BATCH_PARAMS], "tags": tags[:MAX_BATCH_TAGS]}
            params, tags = params[MAX_BATCH_PARAMS:], tags[MAX_BATCH_TAGS:]
            try:
                self.request("POST", "runs/log-batch", body)
            except MlflowException as err:
                self._refused("params/tags of run %s" % run, err)
        for i in range(0, len(points), MAX_BATCH_METRICS):
            try:
                self.request("POST", "runs/log-batch", {"run_id": run, "metrics": points[i:i + MAX_BATCH_METRICS]})
            except MlflowException as err:
                self._refused("%d metric points of run %s" % (len(points[i:i + MAX_BATCH_METRICS]), run), err)
        for key in batch.deleted_tags:
            try:
                self.request("POST", "runs/delete-tag", {"run_id": run, "key": key})
            except MlflowException as err:
                if getattr(err, "status", None) != 404:
                    self._refused("delete_tag(%s)" % _describe(key), err)
        for name, sha, size, media, created in batch.artifacts:
            self._upload(run, name, os.path.join(self.artifacts, sha[:2], sha))
        if batch.finish:
            status, code, ended = batch.finish
            try:
                self.request("POST", "runs/update", {"run_id": run, "status": status.upper(), "end_time": ended})
            except MlflowException as err:
                self._refused("the end of run %s" % run, err)

    def _upload(self, run, name, local):
        uri = self.run_uri.get(run)
        if uri is None:
            try:
                uri = self.run_uri[run] = self.request("GET", "runs/get?run_id=" + _quote(run))["run"]["info"].get("artifact_uri")
            except MlflowException as err:
                self._refused("artifact %s" % _describe(name), err)
                return
        if not uri or not uri.startswith("mlflow-artifacts:"):
            _warn("log_artifact: %s not uploaded: the run's artifact location %s is not served by the tracking server "
                  "(start MLflow's server with --serve-artifacts, or use `sextant server`)" % (_describe(name), _describe(uri)), always=True)
            return
        path = re.sub(r"^mlflow-artifacts:(//[^/]*)?/*", "", uri).rstrip("/") + "/" + name
        try:
            with open(local, "rb") as f:
                data = f.read()
            self.request("PUT", _quote(path, "/"), data=data, api="/api/2.0/mlflow-artifacts/artifacts/")
        except OSError as err:
            _warn("log_artifact: %s not uploaded: %s" % (_describe(name), err), always=True)
            return
        except MlflowException as err:
            self._refused("artifact %s" % _describe(name), err)
            return
        try:
            os.remove(local)
        except OSError:
            pass


_INF = float("inf")


def _quote(text, safe=""):
    from urllib.parse import quote
    return quote(text, safe=safe)


ROWS_PER_INSERT = 100
_INSERT_POINT = "INSERT OR REPLACE INTO metrics (run_id, key_id, step, ts, value) VALUES (?, ?, ?, ?, ?)"
_INSERT_POINTS = _INSERT_POINT[:_INSERT_POINT.index("VALUES") + 7] + ",".join(["(?, ?, ?, ?, ?)"] * ROWS_PER_INSERT)

# The same upserts as src/engine/tracking/metricWriter.ts: one latest_metrics row per key per batch,
# one metric_buckets row per key and 8-step bucket.
_UPSERT_LATEST = (
    "INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run_id, key_id) DO UPDATE SET"
    " value = CASE WHEN (excluded.step, excluded.ts) >= (latest_metrics.step, latest_metrics.ts) THEN excluded.value ELSE latest_metrics.value END,"
    " ts = CASE WHEN (excluded.step, excluded.ts) >= (latest_metrics.step, latest_metrics.ts) THEN excluded.ts ELSE latest_metrics.ts END,"
    " step = max(excluded.step, latest_metrics.step),"
    " min = min(coalesce(excluded.min, latest_metrics.min), coalesce(latest_metrics.min, excluded.min)),"
    " max = max(coalesce(excluded.max, latest_metrics.max), coalesce(latest_metrics.max, excluded.max)),"
    " count = latest_metrics.count + excluded.count")
_UPSERT_BUCKET = (
    "INSERT INTO metric_buckets (run_id, key_id, bucket, count, step_sum, n, sum, min, max) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (run_id, key_id, bucket) DO UPDATE SET"
    " count = metric_buckets.count + excluded.count, step_sum = metric_buckets.step_sum + excluded.step_sum,"
    " n = metric_buckets.n + excluded.n, sum = coalesce(metric_buckets.sum, 0) + coalesce(excluded.sum, 0),"
    " min = min(coalesce(excluded.min, metric_buckets.min), coalesce(metric_buckets.min, excluded.min)),"
    " max = max(coalesce(excluded.max, metric_buckets.max), coalesce(metric_buckets.max, excluded.max))")


def _latest_row(run, kid, steps, stamps, values, stored, has_nan):
    """The key's last point (largest (step, ts); the later one on a tie), min, max (NaN left out) and count."""
    top = max(steps)
    i = j = steps.index(top)
    for _ in range(steps.count(top) - 1):
        j = steps.index(top, j + 1)
        if stamps[j] >= stamps[i]:
            i = j
    finite = [v for v in stored if v is not None] if has_nan else values
    lo, hi = (min(finite), max(finite)) if len(finite) else (None, None)
    return (run, kid, top, stamps[i], stored[i], lo, hi, len(steps))


def _bucket_rows(run, kid, steps, stored, has_nan):
    """Per 8-step bucket: count, step sum, non-NaN count, sum, min, max (as metricWriter's summarize)."""
    merged = {}
    pos = 0
    for bucket, group in itertools.groupby(map(operator.rshift, steps, itertools.repeat(BUCKET_SHIFT))):
        count = len(list(group))
        end = pos + count
        ss = steps[pos:end]
        vs = stored[pos:end]
        finite = [v for v in vs if v is not None] if has_nan else vs
        n = len(finite)
        row = merged.get(bucket)
        if row is None:
            merged[bucket] = [count, sum(ss), n, sum(finite) if n else None, min(finite) if n else None, max(finite) if n else None]
        else:
            row[0] += count
            row[1] += sum(ss)
            if n:
                row[2] += n
                row[3] = sum(finite, row[3] or 0.0)
                row[4] = min(finite) if row[4] is None else min(row[4], min(finite))
                row[5] = max(finite) if row[5] is None else max(row[5], max(finite))
        pos = end
    return [(run, kid, b, r[0], r[1], r[2], r[3], r[4], r[5]) for b, r in merged.items()]


# ---------------------------------------------------------------------------------------------------
# No store: protocol lines on stdout (see docs/tracking.md).

class _Printer(object):
    @staticmethod
    def quote(text):
        if text and not any(ch.isspace() or ch in _JS_SPACE or ch in '="' for ch in text):
            return text
        return json.dumps(text, ensure_ascii=False)

    @staticmethod
    def number(value):
        if value != value:
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)

    @staticmethod
    def line(kind, text):
        try:
            sys.stdout.write("::sextant %s %s\n" % (kind, text))
            sys.stdout.flush()
        except Exception as err:
            _warn("could not print a protocol line on stdout: %s" % err)

    def metrics(self, values, step, ts):
        parts = ["%s=%s" % (self.quote(k), self.number(v)) for k, v in values]
        if step is not None:
            parts.append("step=%d" % step)
        if ts is not None:
            parts.append("timestamp=%d" % ts)
        self.line("metric", " ".join(parts))

    def values(self, kind, values):
        self.line(kind, " ".join("%s=%s" % (self.quote(k), self.quote(v)) for k, v in values.items()))


# ---------------------------------------------------------------------------------------------------
# The logger: validates, buffers, and writes batches (from the caller when a batch is full, from a
# background thread when it is old enough, at flush(), end_run() and exit).

class _Logger(object):
    def __init__(self):
        self.lock = threading.Lock()  # the buffer
        self.write_lock = threading.Lock()  # one batch written at a time
        self.open_lock = threading.Lock()
        self.reset()

    def reset(self):
        self.sink = None
        self.uid = None
        self.owned = False
        self.columns = {}  # stored key -> _Column
        self.raw = {}  # key as given -> _Column (validated once)
        self.pending = _Batch()
        self.retry_at = 0.0
        self.failure = None  # the message of the current write failure, until a write succeeds
        self.dropped = 0
        self.thread = None
        self.closed = False
        self.outcome = {"status": "finished", "code": 0}
        self.fork_uid = None  # in a forked child: the parent's run
        self.params_seen = {}  # the run's params logged by this process (or read back): they are immutable
        self.stack = []  # the enclosing runs of a nested run (start_run(nested=True)), outermost first
        self.ended = False  # end_run() was called on a run this helper did not create (a pipeline stage's)

    # -- choosing where values go ------------------------------------------------------------------

    def open(self):
        if self.sink is not None:
            return self.sink
        with self.open_lock:  # two threads logging their first value create one run, not two
            if self.sink is None:
                self.sink = self.choose_sink()
            return self.sink

    def choose_sink(self):
        path = _store_path()
        uid = self.fork_uid or _config.pop("run_id", None) or os.environ.get("SEXTANT_RUN_ID")
        if not path:
            if not uid:
                _warn("SEXTANT_STORE is not set, so values are printed as `::sextant` protocol lines on stdout (a Sextant "
                      "pipeline stage reads them). Set SEXTANT_STORE=.sextant/sextant.db to log to the store directly.",
                      always=True)
            return self.use_printer(uid)
        store = None
        try:
            artifacts = os.environ.get("SEXTANT_ARTIFACTS") or os.path.join(os.path.dirname(os.path.abspath(path)), "artifacts")
            store, why = _open_store(path, artifacts)
            if store is not None:
                if uid:
                    store.run = store.find_run(uid)
                    if store.run is None:
                        why = "no run %s in %s" % (uid, path)
                else:
                    name = (_config.pop("run_name", None) or os.environ.get("SEXTANT_RUN_NAME")
                            or os.path.splitext(os.path.basename(sys.argv[0] or "python"))[0] or "python")
                    uid, store.run = store.create_run(_experiment_name(), name,
                                                      _lock_wait_seconds(), self.announce_wait(store))
                    self.owned = True
                    _warn("logging to run %s in %s" % (uid, path), always=True)
        except (sqlite3.Error, OSError, _Locked, MlflowException) as err:
            why = "%s: %s" % (path, "it stayed locked by another process" if isinstance(err, _Locked) else err)
        if why:
            if store is not None:
                store.close()
            _warn("cannot write to %s (%s); printing protocol lines on stdout instead"
                  % ("the tracking server" if _is_http(path) else "the store", why), always=True)
            return self.use_printer(uid)
        self.uid = uid
        _install_exit_hooks()
        return store

    def use_printer(self, uid):
        self.uid = uid
        return _Printer()

    def announce_wait(self, store):
        def on_wait(wait):
            if not store.announced_wait:
                store.announced_wait = True
                _warn("%s is locked by another writer; waiting up to %g s (SEXTANT_LOCK_TIMEOUT)" % (store.path, wait),
                      always=True)
        return on_wait

    # -- buffering ---------------------------------------------------------------------------------

    def column(self, key):
        """The column of a key as given (validated on first sight), or (None, reason)."""
        try:
            col = self.raw.get(key)
        except TypeError:  # unhashable
            col = None
        if col is not None:
            return col, None
        k, why = _check_key(key)
        if why:
            return None, why
        col = self.columns.get(k)
        if col is None:
            col = self.columns[k] = _Column(k)
        if len(self.raw) < 100000:
            self.raw[key] = col
        return col, None

    def first_step(self, col):
        """The step after the key's last one, in the store or in the buffer (for a point without a step)."""
        last = -1
        try:
            stored = self.sink.last_step(col.key)
            if stored is not None:
                last = stored
        except sqlite3.Error as err:
            _warn("could not read the last step of %r (%s); counting from the buffered points" % (col.key, err))
        if col.steps:
            last = max(last, max(col.steps))
        return last + 1

    def add_metrics(self, pairs, step, ts, call):
        """Buffers points (all at `step`, or each key's next step when None); returns the problems."""
        problems = []
        full = False
        with self.lock:
            room = MAX_BUFFERED - self.pending.points
            added = dropped = 0
            for key, value in pairs:
                col, why = self.column(key)
                if why is None:
                    if type(value) is float:
                        v = value
                    else:
                        v, why = _check_number(value)
                if why is not None:
                    problems.append("metric %s skipped: %s" % (_describe(key), why))
                    continue
                if added >= room:
                    dropped += 1
                    continue
                if step is None:
                    s = col.next_step
                    if s is None:
                        s = self.first_step(col)
                    col.next_step = s + 1
                else:
                    s = step
                    if col.next_step is not None and s >= col.next_step:
                        col.next_step = s + 1
                col.steps.append(s)
                col.stamps.append(ts)
                col.values.append(v)
                if v != v:
                    col.nan = True
                added += 1
            if added:
                if self.pending.oldest is None:
                    self.pending.oldest = time.monotonic()
                self.pending.points += added
                full = self.pending.points >= BATCH_POINTS
            self.dropped += dropped
        if dropped:
            _warn("%s: the store cannot be written and %d points are waiting in memory; newer points are dropped"
                  % (call, MAX_BUFFERED))
        if full and time.monotonic() >= self.retry_at:
            self.flush()
        self.start_thread()
        return problems

    def add_values(self, table, values):
        with self.lock:
            getattr(self.pending, table).update(values)
            if table == "tags":
                self.pending.deleted_tags.difference_update(values)
            if self.pending.oldest is None:
                self.pending.oldest = time.monotonic()
        self.start_thread()

    def add_artifact(self, row):
        with self.lock:
            self.pending.artifacts.append(row)
            if self.pending.oldest is None:
                self.pending.oldest = time.monotonic()
        self.start_thread()

    def take(self):
        """Detaches everything buffered (under self.lock)."""
        batch = self.pending
        for col in self.columns.values():
            if col.steps:
                batch.columns.append((col, col.steps, col.stamps, col.values, col.nan))
                col.steps, col.stamps, col.values, col.nan = array("q"), array("q"), array("d"), False
        self.pending = _Batch()
        return batch

    def put_back(self, batch):
        """A batch that could not be written goes back in front of what was buffered since (under self.lock)."""
        for col, steps, stamps, values, has_nan in batch.columns:
            col.steps, col.stamps, col.values = steps + col.steps, stamps + col.stamps, values + col.values
            col.nan = col.nan or has_nan
        now = self.pending
        batch.points += now.points
        batch.params.update(now.params)
        batch.tags.update(now.tags)
        batch.deleted_tags.difference_update(now.tags)
        batch.deleted_tags.update(now.deleted_tags)
        for key in now.deleted_tags:
            batch.tags.pop(key, None)
        batch.artifacts.extend(now.artifacts)
        batch.finish = now.finish or batch.finish
        batch.columns = []
        if batch.oldest is None:
            batch.oldest = now.oldest
        self.pending = batch

    # -- writing -----------------------------------------------------------------------------------

    def flush(self, wait=None):
        """Writes everything buffered; True when nothing is left unwritten. Never raises. wait: how long
        to wait for another writer's lock (default: SEXTANT_LOCK_TIMEOUT, or no wait while writes fail)."""
        with self.write_lock:
            store = self.sink
            if not isinstance(store, _Store):
                return True
            if wait is None:
                wait = _lock_wait_seconds() if self.failure is None else 0.0
            with self.lock:
                batch = self.take()
            if batch.empty():
                return True
            try:
                store.write(batch, wait, self.announce_wait(store))
            except BaseException as err:  # Ctrl-C during a write keeps the points too
                with self.lock:
                    self.put_back(batch)
                    waiting = self.pending.points
                if not isinstance(err, (sqlite3.Error, _Locked)):
                    raise
                self.failed(store, err, wait, waiting)
                return False
            recovered = self.failure is not None or store.announced_wait
            self.failure, self.retry_at, store.announced_wait = None, 0.0, False
            if recovered:
                _warn("%s is written again: the points waiting in memory are saved" % store.path, always=True)
            return True

    def failed(self, store, err, wait, waiting):
        self.retry_at = time.monotonic() + RETRY_SECONDS
        if isinstance(err, _Locked):
            message = ("%s stayed locked by another writer for %g s; %d points wait in memory and are retried every "
                       "%g s" % (store.path, wait, waiting, RETRY_SECONDS))
            key = "locked"
        else:
            text = str(err)
            full = "full" in text.lower()
            message = ("could not write to %s: %s (%snothing from this write was saved; earlier data is intact). "
                       "%d points wait in memory and are retried every %g s"
                       % (store.path, text, "free disk space: " if full else "", waiting, RETRY_SECONDS))
            key = text
        if self.failure != key:
            self.failure = key
            _warn(message, always=True)

    def start_thread(self):
        if self.thread is not None or self.closed or not isinstance(self.sink, _Store):
            return
        self.thread = threading.Thread(target=self.loop, name="sextant_log flush", daemon=True)
        self.thread.start()

    def loop(self):
        thread = self.thread
        while not self.closed and self.thread is thread:
            time.sleep(FLUSH_SECONDS / 2)
            try:
                oldest = self.pending.oldest
                now = time.monotonic()
                if oldest is not None and now - oldest >= FLUSH_SECONDS and now >= self.retry_at and not self.closed:
                    self.flush()
            except Exception as err:  # never let the thread die silently
                _warn("background write failed: %s" % err)

    def finish(self, status, code):
        """Flushes and, for a run this helper created, records its end. Returns True when all is saved."""
        store = self.sink
        if not isinstance(store, _Store):
            return True
        if self.owned:
            with self.lock:
                self.pending.finish = (status, code, int(time.time() * 1000))
        saved = self.flush(_lock_wait_seconds())
        with self.lock:
            left = self.pending.points
            pending = not self.pending.empty()
        if pending:
            what = ("%d metric points and other values" % left) if left else "params, tags or the run's end"
            why = "it stayed locked by another writer" if self.failure in (None, "locked") else self.failure
            _warn("%s could not be saved to %s (%s)" % (what, store.path, why), always=True)
        if self.dropped:
            _warn("%d metric points were dropped while the store could not be written" % self.dropped, always=True)
        return saved and not pending

    # -- MLflow's run stack -------------------------------------------------------------------------

    def known_param(self, key):
        """The value of the run's param `key` (logged by this process or already in the store), or None."""
        if key in self.params_seen:
            return self.params_seen[key]
        store = self.sink
        if isinstance(store, _Store) and store.run is not None:
            try:
                with self.write_lock:
                    value = store.param_value(key)
            except (sqlite3.Error, MlflowException):
                value = None
            if value is not None:
                self.params_seen[key] = value
                return value
        return None

    def push_child(self, name):
        """Starts a run nested in the current one and logs to it until pop_child()."""
        store = self.sink
        if not isinstance(store, _Store):
            _warn("start_run(nested=True): nested runs need a store (SEXTANT_STORE); the values go to the same output",
                  always=True)
            self.stack.append(self.params_seen)  # the nested run's params are its own (not checked against the parent's)
            self.params_seen = {}
            return
        if not self.flush(_lock_wait_seconds()):
            _warn("start_run(nested=True): the parent's unsaved values wait until the nested run ends", always=True)
        parent = store.run
        uid, run = store.create_run(None, name or "nested", _lock_wait_seconds(), self.announce_wait(store), parent=parent)
        with self.write_lock, self.lock:
            self.stack.append((self.uid, parent, self.owned, self.columns, self.raw, self.params_seen, self.pending))
            self.uid, store.run, self.owned = uid, run, True
            self.columns, self.raw, self.params_seen, self.pending = {}, {}, {}, _Batch()

    def pop_child(self, status, code):
        """Ends the innermost nested run (records its end) and goes back to its parent. True when all is saved."""
        state = self.stack.pop()
        if isinstance(state, dict):  # printing protocol lines: no run to end
            self.params_seen = state
            return True
        saved = self.finish(status, code)
        with self.write_lock, self.lock:
            if not self.pending.empty():
                _warn("the nested run %s could not be saved completely; its unsaved values are dropped" % self.uid,
                      always=True)
            self.uid, self.sink.run, self.owned, self.columns, self.raw, self.params_seen, self.pending = state
        return saved

    def at_exit(self):
        try:
            while self.stack:  # nested runs left open: each ends as the script did
                self.pop_child(self.outcome["status"], self.outcome["code"])
        except Exception as err:
            _warn("could not end the nested runs at exit: %s" % err, always=True)
        self.closed = True
        try:
            self.finish(self.outcome["status"], self.outcome["code"])
        except Exception as err:
            _warn("could not save at exit: %s" % err, always=True)

    def after_fork_in_child(self):
        # A forked child must not use the parent's connection or write the parent's buffered points: it
        # starts afresh (new locks, no thread) and logs to the same run when there is one.
        _warnings.lock = threading.Lock()
        self.lock = threading.Lock()
        self.write_lock = threading.Lock()
        self.open_lock = threading.Lock()
        sink, uid = self.sink, self.uid
        _leftovers.append(sink)  # never closed here: closing SQLite across fork() is unsafe
        self.reset()
        if isinstance(sink, _Store):
            self.fork_uid = uid
        elif isinstance(sink, _Printer):
            self.sink, self.uid = sink, uid


_logger = _Logger()
_leftovers = []
_hooks = {"installed": False}


def _install_exit_hooks():
    if _hooks["installed"]:
        return
    _hooks["installed"] = True
    previous = sys.excepthook

    def hook(kind, value, tb):
        _logger.outcome.update(
            {"status": "killed", "code": 130} if issubclass(kind, KeyboardInterrupt) else {"status": "failed", "code": 1})
        previous(kind, value, tb)

    sys.excepthook = hook
    atexit.register(_logger.at_exit)


def _after_fork_in_child():
    _logger.after_fork_in_child()
    # A multiprocessing worker ends with os._exit (no atexit) after running its finalizers, which it
    # clears when it starts: the flush is registered from its after-fork hooks, which run after that.
    mp_util = sys.modules.get("multiprocessing.util")
    if mp_util is not None:
        mp_util.register_after_fork(_logger, lambda logger: mp_util.Finalize(None, logger.flush, exitpriority=0))


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _guarded(fn):
    """Logging never raises (KeyboardInterrupt and SystemExit pass through)."""
    def call(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except MlflowException:
            raise
        except Exception as err:
            _warn("internal error in %s, nothing from this call was saved (please report it): %s: %s"
                  % (fn.__name__, type(err).__name__, err))
            return None
    call.__name__, call.__doc__ = fn.__name__, fn.__doc__
    return call


# ---------------------------------------------------------------------------------------------------
# MLflow's settings: set_tracking_uri, set_experiment, start_run(run_name=...) before the run is created.

class MlflowException(Exception):
    """Raised by the MLflow-shaped calls where MLflow raises (a changed param, a second active run, a batch over
    MLflow's limits, a databricks: or sqlite: tracking URI). The plain logging calls still never raise otherwise."""


class ParamChangedError(MlflowException):
    """log_param(s) with a new value for a key the run already has: params are immutable (the first is kept)."""


_config = {}  # "store", "experiment", "run_name", "run_id", "mlflow" (an MLflow call was made: step 0 by default)
MAX_BATCH_METRICS, MAX_BATCH_PARAMS, MAX_BATCH_TAGS = 1000, 100, 100  # MLflow's log-batch limits


def _is_http(path):
    return isinstance(path, str) and re.match(r"^https?://", path, re.I) is not None


def _store_path():
    """The store file, or an http(s):// tracking server's URL (sextant server, or MLflow's)."""
    path = _config.get("store") or os.environ.get("SEXTANT_STORE") or os.environ.get("SEXTANT_TRACKING_URI")
    if not path and _is_http(os.environ.get("MLFLOW_TRACKING_URI")):
        path = os.environ["MLFLOW_TRACKING_URI"]
    if not path and _config.get("mlflow") and os.path.isfile(os.path.join(".sextant", "sextant.db")):
        path = os.path.join(".sextant", "sextant.db")  # MLflow's ./mlruns default, as the workspace's store
    return path


def _experiment_name():
    return _config.get("experiment") or os.environ.get("SEXTANT_EXPERIMENT") or "Default"


# ---------------------------------------------------------------------------------------------------
# The API.

@_guarded
def run_id():
    """The id of the run being logged to (None when only printing protocol lines without SEXTANT_RUN_ID)."""
    _logger.open()
    return _logger.uid


@_guarded
def log_metrics(metrics, step=None, timestamp=None):
    """Logs several metrics at one step (default: each key's next step). NaN and inf are kept.

    step: a whole number from -(2**53-1) to 2**53-1; timestamp: milliseconds since 1970 (default: now).
    """
    pairs = _pairs(metrics)
    if pairs is None:
        _logger.open()
        _warn("log_metrics: nothing logged: it takes a dict of key -> number, not %s" % type(metrics).__name__)
        return
    _log_metrics(pairs, step, timestamp)


@_guarded
def log_metric(key, value, step=None, timestamp=None):
    """Logs one metric value (step: default one more than this key's last step; 0, as MLflow, once the
    script has called start_run, set_experiment or set_tracking_uri)."""
    _log_metrics([(key, value)], step, timestamp)


def _log_metrics(pairs, step, timestamp):
    sink = _logger.open()
    if step is None and _config.get("mlflow"):
        step = 0
    s, why = _check_step(step)
    if why is None:
        ts, why = _check_timestamp(timestamp)
    if why is not None:
        _warn("log_metrics: %d metric%s skipped: %s" % (len(pairs), "" if len(pairs) == 1 else "s", why))
        return
    if isinstance(sink, _Printer):
        good, problems = [], []
        for key, value in pairs:
            k, why = _check_key(key)
            if why is None and k in ("step", "timestamp"):
                why = "step and timestamp are reserved words in protocol lines; log it to a store or rename it"
            if why is None:
                v, why = _check_number(value)
            if why is None:
                good.append((k, v))
            else:
                problems.append("metric %s skipped: %s" % (_describe(key), why))
        if problems:
            _skipped("log_metrics", problems)
        if good:
            sink.metrics(good, s, None if timestamp is None else ts)
        return
    problems = _logger.add_metrics(pairs, s, ts, "log_metrics")
    if problems:
        _skipped("log_metrics", problems)


def _log_values(call, table, what, values, pairs=None):
    sink = _logger.open()
    if pairs is None:
        pairs = _pairs(values)
    if pairs is None:
        _warn("%s: nothing logged: it takes a dict of key -> value, not %s" % (call, type(values).__name__))
        return
    good, problems = {}, []
    for key, value in pairs:
        k, why = _check_key(key)
        if why is None:
            text, why = _check_text(value, what)
        if why is not None:
            problems.append("%s %s skipped: %s" % (what, _describe(key), why))
            continue
        good[k] = text
    if problems:
        _skipped(call, problems)
    if not good:
        return
    if table == "params":
        changed = [(k, _logger.known_param(k), v) for k, v in good.items()]
        changed = [c for c in changed if c[1] is not None and c[1] != c[2]]
        if changed:
            raise ParamChangedError(
                "%s: params are immutable once logged, so nothing from this call was logged: %s" % (call, "; ".join(
                    "%s is %s in run %s, not %s" % (_describe(k), _describe(old), _logger.uid, _describe(new))
                    for k, old, new in changed[:3])))
        _logger.params_seen.update(good)
    if isinstance(sink, _Printer):
        sink.values(what, good)
    else:
        _logger.add_values(table, good)


@_guarded
def log_params(params):
    """Logs parameters (text up to 64 KiB each; numbers and objects are written as text/JSON)."""
    _log_values("log_params", "params", "param", params)


@_guarded
def log_param(key, value):
    _log_values("log_param", "params", "param", None, [(key, value)])


@_guarded
def set_tags(tags):
    _log_values("set_tags", "tags", "tag", tags)


@_guarded
def set_tag(key, value):
    _log_values("set_tag", "tags", "tag", None, [(key, value)])


def _artifact_name(local_path, artifact_path):
    """(name in the run, None) or (None, why): the file keeps its name, inside the folder artifact_path (as MLflow)."""
    base = os.path.basename(local_path)
    if artifact_path is None:
        return base, None
    if not isinstance(artifact_path, str):
        return None, "artifact_path must be a folder name (text), not %s" % type(artifact_path).__name__
    parts = [p for p in artifact_path.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        return None, "artifact_path cannot go up a folder (..): %s" % _describe(artifact_path)
    return "/".join(parts + [base]), None


@_guarded
def log_artifact(local_path, artifact_path=None):
    """Records a file as an artifact of the run (stored once per content, by its sha256). As in MLflow,
    artifact_path is a folder: log_artifact("out/model.onnx", "models") records "models/model.onnx"."""
    sink = _logger.open()
    try:
        is_file = os.path.isfile(local_path)
    except Exception:
        is_file = False
    if not is_file:
        _warn("log_artifact: %s skipped: not a file" % _describe(local_path))
        return
    if isinstance(sink, _Printer):
        sink.line("artifact", _Printer.quote(os.path.abspath(local_path)))
        return
    name, why = _artifact_name(local_path, artifact_path)
    if why is not None:
        _warn("log_artifact: %s skipped: %s" % (_describe(local_path), why))
        return
    try:
        digest = hashlib.sha256()
        size = 0
        with open(local_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        sha = digest.hexdigest()
        folder = os.path.join(sink.artifacts, sha[:2])
        target = os.path.join(folder, sha)
        if not os.path.exists(target):
            os.makedirs(folder, exist_ok=True)
            tmp = "%s.tmp-%d-%d" % (target, os.getpid(), int(time.time() * 1000))
            try:
                shutil.copyfile(local_path, tmp)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.remove(tmp)
    except OSError as err:
        _warn("log_artifact: %s skipped: %s" % (_describe(local_path), err))
        return
    ext = os.path.splitext(local_path)[1].lower()
    media = _MEDIA_TYPES.get(ext) or mimetypes.guess_type(local_path)[0] or "application/octet-stream"
    _logger.add_artifact((name, sha, size, media, int(time.time() * 1000)))


@_guarded
def flush():
    """Writes everything logged so far. Returns True when it is all in the store (or printed), False when
    the store cannot be written now (locked past SEXTANT_LOCK_TIMEOUT, disk full): then it stays in memory
    and is retried."""
    if _logger.sink is None:
        return True
    return _logger.flush()


@_guarded
def end_run(status="finished"):
    """Writes everything logged so far and, for a run this helper created (no SEXTANT_RUN_ID), records
    its end with `status` ("finished", "failed" or "killed"); the next logging call starts a new run.
    In a pipeline stage the runner records the end: this only writes. Returns True when all is saved.
    MLflow's "FINISHED", "FAILED" and "KILLED" are accepted; inside start_run(nested=True) it ends the nested
    run and logging goes back to its parent."""
    if isinstance(status, str) and status.lower() in ("finished", "failed", "killed"):
        status = status.lower()
    else:
        _warn("end_run: status must be finished, failed or killed, not %s; using finished" % _describe(status))
        status = "finished"
    if _logger.sink is None:
        return True
    code = {"finished": 0, "failed": 1, "killed": 130}[status]
    if _logger.stack:
        return _logger.pop_child(status, code)
    saved = _logger.finish(status, code)
    _logger.ended = True
    if _logger.owned:
        with _logger.write_lock, _logger.lock:
            store = _logger.sink
            _logger.reset()
        store.close()
    return saved


# ---------------------------------------------------------------------------------------------------
# MLflow's fluent API: `import sextant_log as mlflow` runs an MLflow script unchanged (docs/python.md).

class _RunInfo(object):
    """The fields of MLflow's RunInfo a script reads."""

    def __init__(self, run_id, experiment_id, run_name, start_time, artifact_uri):
        self.run_id = self.run_uuid = run_id
        self.experiment_id = experiment_id
        self.run_name = run_name
        self.start_time = start_time
        self.end_time = None
        self.status = "RUNNING"
        self.lifecycle_stage = "active"
        self.artifact_uri = artifact_uri


class ActiveRun(object):
    """What start_run() returns: .info.run_id, .info.experiment_id; a context manager that ends the run
    (FINISHED, FAILED on an exception, KILLED on Ctrl-C)."""

    def __init__(self, info):
        self.info = info

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if _logger.uid == self.info.run_id and active_run() is not None:
            status = "FINISHED" if kind is None else ("KILLED" if issubclass(kind, KeyboardInterrupt) else "FAILED")
            end_run(status)
        return False


class _Experiment(object):
    def __init__(self, experiment_id, name):
        self.experiment_id = experiment_id
        self.name = name
        self.lifecycle_stage = "active"


def _current_run():
    """An ActiveRun for the run being logged to."""
    store = _logger.sink
    run_id, exp, name, started = _logger.uid, None, None, int(time.time() * 1000)
    artifacts = None
    if isinstance(store, _Store) and store.run is not None:
        with _logger.write_lock:
            row = store.run_info()
        if row is not None:
            exp, name, started, artifacts = row
    return ActiveRun(_RunInfo(run_id, exp, name, started, artifacts))


def set_tracking_uri(uri):
    """Where the runs go: the workspace's store, as a path or file: URI (the store file, or a workspace folder
    holding .sextant/sextant.db), or a tracking server's http(s):// URL (`sextant server`, or MLflow's), written
    through MLflow's REST API (MLFLOW_TRACKING_TOKEN is sent as a bearer token)."""
    if uri is None or uri == "":
        _config.pop("store", None)
        return
    text = str(uri)
    if _is_http(text):
        _config["store"] = text.rstrip("/")
        _config["mlflow"] = True
        if _logger.sink is not None and active_run() is not None:
            _warn("set_tracking_uri: a run is active; the new server is used from the next run", always=True)
        return
    if re.match(r"^(databricks|sqlite|postgresql|mysql)[:+]?", text, re.I):
        raise MlflowException(
            "set_tracking_uri(%s): sextant_log writes the workspace's store (a path or file: URI) or a tracking server "
            "(http://…, e.g. `sextant server`), not this kind of URI" % _describe(text))
    if text.startswith("file:"):
        from urllib.parse import unquote, urlparse
        text = unquote(urlparse(text).path)
    if os.path.isdir(text):
        text = os.path.join(text, ".sextant", "sextant.db")
    _config["store"] = text
    _config["mlflow"] = True
    if _logger.sink is not None and active_run() is not None:
        _warn("set_tracking_uri: a run is active; the new store is used from the next run", always=True)


def get_tracking_uri():
    path = _store_path()
    return (path if _is_http(path) else os.path.abspath(path)) if path else None


def set_experiment(experiment_name=None, experiment_id=None):
    """The experiment of the next runs (created when missing). Returns an object with .experiment_id and .name."""
    _config["mlflow"] = True
    if experiment_name is None:
        if experiment_id is None:
            raise MlflowException("set_experiment: give experiment_name or experiment_id")
        experiment_name = _experiment_by_id(experiment_id)
    name, why = _check_key(experiment_name)
    if why is not None:
        raise MlflowException("set_experiment: the experiment name is refused: %s" % why)
    _config["experiment"] = name
    return _Experiment(_with_store(lambda store: str(store.experiment_id(name, _lock_wait_seconds(), lambda wait: None))), name)


def _with_store(fn):
    """fn(store) on the logger's store, or on a short connection to the store; None when there is none."""
    if isinstance(_logger.sink, _Store):
        with _logger.write_lock:
            return fn(_logger.sink)
    path = _store_path()
    if not path:
        return None
    store, why = _open_store(path, None)
    if store is None:
        _warn("cannot read %s: %s" % ("the tracking server" if _is_http(path) else "the store", why))
        return None
    try:
        return fn(store)
    finally:
        store.close()


def _experiment_by_id(experiment_id):
    try:
        name = _with_store(lambda store: store.experiment_name(experiment_id))
    except (ValueError, TypeError, sqlite3.Error):
        name = None
    if name is None:
        raise MlflowException("no experiment with id %s in the store" % _describe(experiment_id))
    return name


def active_run():
    """The ActiveRun being logged to, or None."""
    if _logger.sink is None or _logger.ended:
        return None
    return _current_run()


def start_run(run_id=None, experiment_id=None, run_name=None, nested=False, tags=None, description=None, **_ignored):
    """Starts a run (or resumes run_id) and returns an ActiveRun, a context manager. With a run active, only
    nested=True is allowed: the new run is its child (same experiment) until it ends."""
    _config["mlflow"] = True
    current = active_run()
    if current is not None and not nested:
        raise MlflowException("Run with UUID %s is already active. To start a new run, first end the current run with "
                              "end_run(). To start a nested run, call start_run with nested=True" % current.info.run_id)
    if current is not None:
        _logger.push_child(run_name)
    else:
        if experiment_id is not None:
            _config["experiment"] = _experiment_by_id(experiment_id)
        if run_id is not None:
            _config["run_id"] = str(run_id)
        if run_name is not None:
            _config["run_name"] = str(run_name)
        _logger.ended = False
        _logger.open()
        _config.pop("run_name", None)
        _config.pop("run_id", None)
        if (run_id is not None and isinstance(_logger.sink, _Store) and _logger.uid == str(run_id)
                and str(run_id) != os.environ.get("SEXTANT_RUN_ID")):
            _logger.owned = True  # a resumed run is ended by end_run, as MLflow does (a stage's run by the runner)
    if tags:
        set_tags(tags)
    if description:
        set_tag("mlflow.note.content", description)
    return _current_run()


@_guarded
def delete_tag(key):
    """Removes a tag from the run."""
    sink = _logger.open()
    k, why = _check_key(key)
    if why is not None:
        _warn("delete_tag: %s skipped: %s" % (_describe(key), why))
        return
    if isinstance(sink, _Printer):
        _warn("delete_tag: protocol lines cannot remove a tag; %s is kept" % _describe(k))
        return
    with _logger.lock:
        _logger.pending.tags.pop(k, None)
        _logger.pending.deleted_tags.add(k)
        if _logger.pending.oldest is None:
            _logger.pending.oldest = time.monotonic()
    _logger.start_thread()


@_guarded
def log_artifacts(local_dir, artifact_path=None):
    """Records every file under local_dir, keeping their folders, inside the folder artifact_path."""
    if not os.path.isdir(local_dir):
        _logger.open()
        _warn("log_artifacts: %s skipped: not a folder" % _describe(local_dir))
        return
    for root, dirs, files in os.walk(local_dir):
        dirs.sort()
        rel = os.path.relpath(root, local_dir)
        folder = "/".join(p for p in ((artifact_path or "").replace("\\", "/"), "" if rel == "." else rel.replace(os.sep, "/")) if p)
        for name in sorted(files):
            log_artifact(os.path.join(root, name), folder or None)


def _log_file(call, artifact_file, write):
    """Writes a file named as artifact_file's last part with write(path) and records it as artifact_file."""
    if not isinstance(artifact_file, str) or not os.path.basename(artifact_file.replace("\\", "/")):
        _logger.open()
        _warn("%s: skipped: artifact_file must be a file name such as \"config.json\", not %s" % (call, _describe(artifact_file)))
        return
    artifact_file = artifact_file.replace("\\", "/")
    folder = tempfile.mkdtemp(prefix="sextant_log-")
    local = os.path.join(folder, os.path.basename(artifact_file))
    try:
        write(local)
        log_artifact(local, os.path.dirname(artifact_file) or None)
    finally:
        if not isinstance(_logger.sink, _Printer):  # the runner copies a printed artifact after the line
            shutil.rmtree(folder, ignore_errors=True)


@_guarded
def log_text(text, artifact_file):
    """Records text as the artifact artifact_file ("notes/summary.txt")."""
    def write(path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    _log_file("log_text", artifact_file, write)


@_guarded
def log_dict(dictionary, artifact_file):
    """Records a dict as JSON, or YAML for a .yaml/.yml artifact_file (when PyYAML is installed)."""
    def write(path):
        if artifact_file.endswith((".yaml", ".yml")):
            try:
                import yaml
                with open(path, "w", encoding="utf-8") as f:
                    yaml.safe_dump(dictionary, f, default_flow_style=False)
                return
            except ImportError:
                _warn("log_dict: PyYAML is not installed; %s is written as JSON (valid YAML too)" % artifact_file)
        with open(path, "w", encoding="utf-8") as f:
            json.dump(dictionary, f, indent=2)
    _log_file("log_dict", artifact_file, write)


@_guarded
def log_figure(figure, artifact_file, save_kwargs=None):
    """Records a matplotlib figure (anything with savefig) as an image such as "plots/loss.png"."""
    if not hasattr(figure, "savefig"):
        _logger.open()
        _warn("log_figure: %s skipped: a matplotlib figure (with savefig) is needed" % _describe(figure))
        return
    _log_file("log_figure", artifact_file, lambda path: figure.savefig(path, **(save_kwargs or {})))


def _entries(values, fields):
    """Entries of log_batch as tuples: from a dict, tuples, or objects with these attributes (MLflow's entities)."""
    if values is None:
        return []
    pairs = _pairs(values) if not isinstance(values, (list, tuple)) else None
    if pairs is not None:
        return [tuple(p) + (None,) * (len(fields) - 2) for p in pairs]
    out = []
    for v in values:
        if isinstance(v, (tuple, list)):
            out.append(tuple(v) + (None,) * (len(fields) - len(v)))
        else:
            out.append(tuple(getattr(v, f, None) for f in fields))
    return out


def log_batch(metrics=None, params=None, tags=None, run_id=None):
    """MLflow's log_batch on the active run: at most 1000 metrics, 100 params and 100 tags, else
    MlflowException and nothing logged. Metrics: Metric objects or (key, value, timestamp, step) tuples;
    params and tags: dicts, (key, value) tuples or Param/RunTag objects."""
    ms = _entries(metrics, ("key", "value", "timestamp", "step"))
    ps = _entries(params, ("key", "value"))
    ts = _entries(tags, ("key", "value"))
    for what, entries, limit in (("metrics", ms, MAX_BATCH_METRICS), ("params", ps, MAX_BATCH_PARAMS), ("tags", ts, MAX_BATCH_TAGS)):
        if len(entries) > limit:
            raise MlflowException("log_batch: %d %s; a batch takes at most %d (INVALID_PARAMETER_VALUE), so nothing "
                                  "was logged" % (len(entries), what, limit))
    if run_id is not None and _logger.uid is not None and str(run_id) != _logger.uid:
        raise MlflowException("log_batch: run %s is not the active run (%s)" % (_describe(run_id), _logger.uid))
    if ps:
        log_params(dict((k, v) for k, v in ps))
    if ts:
        set_tags(dict((k, v) for k, v in ts))
    for key, value, timestamp, step in ms:
        log_metric(key, value, step=0 if step is None else step, timestamp=timestamp)
