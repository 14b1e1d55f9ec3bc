"""Log parameters, metrics, tags and artifacts to Sextant from a training script.

Standard library only: copy this file next to your script (or put its folder on PYTHONPATH) and

    import sextant_log as sx
    sx.log_params({"lr": 0.01, "epochs": 20})
    for step in range(100):
        sx.log_metric("loss", loss, step=step)
    sx.log_metrics({"accuracy": 0.91, "f1": 0.88})
    sx.set_tag("model", "mlp")
    sx.log_artifact("models/model.onnx")

Where the values go:
  * SEXTANT_STORE and SEXTANT_RUN_ID set (a Sextant pipeline stage sets both): written to that run in
    the SQLite store, each call in its own short transaction (a kill -9 loses nothing already logged).
  * only SEXTANT_STORE set: a new run is created (experiment SEXTANT_EXPERIMENT or "Default", name
    SEXTANT_RUN_NAME or the script's name) and finished when the script exits (failed on an exception).
  * neither: printed as `::sextant ...` protocol lines on stdout, which the Sextant runner reads.

Logging never raises: a value that cannot be stored (an empty key, a 10 MB param) is reported on
stderr and skipped, and the script carries on. NaN and +/-inf metric values are kept.
"""

import atexit
import hashlib
import json
import math
import mimetypes
import os
import random
import shutil
import socket
import sqlite3
import sys
import time

__all__ = [
    "log_param", "log_params", "log_metric", "log_metrics", "set_tag", "set_tags", "log_artifact", "run_id",
]

MAX_KEY_LENGTH = 250
MAX_VALUE_BYTES = 64 * 1024
SCHEMA_VERSION = 3  # the store's PRAGMA user_version this helper writes for (or newer)
BUCKET_WIDTH = 8  # steps per metric_buckets row (METRIC_BUCKET_SHIFT = 3 in src/engine/store/schema.ts)
_CONTROL = set(chr(c) for c in range(0x20)) | {"\x7f"}
_MEDIA_TYPES = {".onnx": "application/onnx", ".pkl": "application/x-pickle", ".pt": "application/x-pytorch",
                ".parquet": "application/vnd.apache.parquet", ".yaml": "application/yaml", ".yml": "application/yaml",
                ".npy": "application/x-npy", ".md": "text/markdown", ".log": "text/plain"}


def _warn(message):
    sys.stderr.write("sextant_log: %s\n" % message)
    sys.stderr.flush()


def _check_key(key):
    if not isinstance(key, str):
        return None, "a key must be text, not %s" % type(key).__name__
    import unicodedata
    k = unicodedata.normalize("NFC", key).strip()
    if not k:
        return None, "a key cannot be empty"
    if len(k) > MAX_KEY_LENGTH:
        return None, "the key is %d characters long; the limit is %d" % (len(k), MAX_KEY_LENGTH)
    if any(ch in _CONTROL for ch in k):
        return None, "a key cannot contain control characters (newlines, tabs, NUL)"
    return k, None


def _check_text(value, what):
    if isinstance(value, str):
        text = value
    elif isinstance(value, (bool, int, float)):
        text = str(value)
    elif value is None:
        text = ""
    else:
        try:
            text = json.dumps(value, default=str)
        except (TypeError, ValueError):
            text = str(value)
    size = len(text.encode("utf-8"))
    if size > MAX_VALUE_BYTES:
        return None, ("the %s value is %.1f MiB; %ss are limited to 64 KiB. Log it as an artifact instead (log_artifact)."
                      % (what, size / 1048576.0, what))
    return text, None


def _check_number(value):
    if isinstance(value, bool):
        return float(value), None
    try:
        return float(value), None
    except (TypeError, ValueError):
        return None, "a metric value must be a number (NaN and inf are allowed), not %r" % (value,)


def _now_ms():
    return int(time.time() * 1000)


class _Store(object):
    """Direct writes through sqlite3: busy timeout, BEGIN IMMEDIATE, retries while another writer holds the lock."""

    def __init__(self, path, artifacts):
        self.path = path
        self.artifacts = artifacts
        self.conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout = 30000")
        self.conn.execute("PRAGMA foreign_keys = ON")
        # WAL with synchronous=NORMAL (as the Node side): a commit survives the process being killed
        # without an fsync per call; only a power cut can lose the last commits.
        self.conn.execute("PRAGMA synchronous = NORMAL")
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version < SCHEMA_VERSION:
            raise RuntimeError("%s has schema version %d; open it once with Sextant (or `sextant runs list`) to upgrade it"
                               % (path, version))
        self.key_ids = {}
        self.next_step = {}
        self.run = None

    def tx(self, fn):
        delay = 0.02
        for attempt in range(60):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:
                if "locked" in str(err) or "busy" in str(err):
                    time.sleep(delay * (1 + random.random()))
                    delay = min(delay * 2, 1.0)
                    continue
                raise
            try:
                result = fn(self.conn)
                self.conn.execute("COMMIT")
                return result
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        raise sqlite3.OperationalError("the store stayed locked by another writer for too long")

    def find_run(self, uid):
        row = self.conn.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()
        return row[0] if row else None

    def create_run(self, experiment, name):
        uid = "%032x" % random.getrandbits(128)
        now = _now_ms()

        def write(c):
            c.execute("INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)", (experiment, now))
            exp = c.execute("SELECT id FROM experiments WHERE name = ?", (experiment,)).fetchone()[0]
            c.execute(
                "INSERT INTO runs (uid, experiment_id, name, status, created_at, started_at, command, cwd, host, pid, python_version)"
                " VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?)",
                (uid, exp, name, now, now, " ".join([sys.executable] + sys.argv), os.getcwd(), socket.gethostname(),
                 os.getpid(), sys.version.split()[0]))
            return c.execute("SELECT id FROM runs WHERE uid = ?", (uid,)).fetchone()[0]

        return uid, self.tx(write)

    def finish_run(self, run, status, exit_code):
        now = _now_ms()
        self.tx(lambda c: c.execute(
            "UPDATE runs SET status = ?, ended_at = ?, exit_code = ? WHERE id = ? AND status IN ('queued', 'running')",
            (status, now, exit_code, run)))

    def key_id(self, c, name):
        kid = self.key_ids.get(name)
        if kid is None:
            c.execute("INSERT OR IGNORE INTO metric_keys (name) VALUES (?)", (name,))
            kid = c.execute("SELECT id FROM metric_keys WHERE name = ?", (name,)).fetchone()[0]
        return kid

    def step_for(self, key, step):
        if step is not None:
            nxt = self.next_step.get(key)
            if nxt is not None and step >= nxt:
                self.next_step[key] = step + 1
            return step
        nxt = self.next_step.get(key)
        if nxt is None:
            row = self.conn.execute(
                "SELECT l.step FROM latest_metrics l JOIN metric_keys k ON k.id = l.key_id WHERE l.run_id = ? AND k.name = ?",
                (self.run, key)).fetchone()
            nxt = 0 if row is None else row[0] + 1
        self.next_step[key] = nxt + 1
        return nxt

    def write_metrics(self, points):
        """points: list of (key, value, step, ts)."""
        resolved = []

        def write(c):
            for key, value, step, ts in points:
                kid = self.key_id(c, key)
                resolved.append((key, kid))
                finite = None if value != value else value
                c.execute("INSERT OR REPLACE INTO metrics (run_id, key_id, step, ts, value) VALUES (?, ?, ?, ?, ?)",
                          (self.run, kid, step, ts, finite))
                c.execute(
                    "INSERT INTO latest_metrics (run_id, key_id, step, ts, value, min, max, count) VALUES (?, ?, ?, ?, ?, ?, ?, 1)"
                    " ON CONFLICT (run_id, key_id) DO UPDATE SET"
                    " value = CASE WHEN (excluded.step, excluded.ts) >= (latest_metrics.step, latest_metrics.ts) THEN excluded.value ELSE latest_metrics.value END,"
                    " ts = CASE WHEN (excluded.step, excluded.ts) >= (latest_metrics.step, latest_metrics.ts) THEN excluded.ts ELSE latest_metrics.ts END,"
                    " step = max(excluded.step, latest_metrics.step),"
                    " min = min(coalesce(excluded.min, latest_metrics.min), coalesce(latest_metrics.min, excluded.min)),"
                    " max = max(coalesce(excluded.max, latest_metrics.max), coalesce(latest_metrics.max, excluded.max)),"
                    " count = latest_metrics.count + 1",
                    (self.run, kid, step, ts, finite, finite, finite))
                c.execute(
                    "INSERT INTO metric_buckets (run_id, key_id, bucket, count, step_sum, n, sum, min, max) VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (run_id, key_id, bucket) DO UPDATE SET"
                    " count = metric_buckets.count + 1, step_sum = metric_buckets.step_sum + excluded.step_sum,"
                    " n = metric_buckets.n + excluded.n, sum = coalesce(metric_buckets.sum, 0) + coalesce(excluded.sum, 0),"
                    " min = min(coalesce(excluded.min, metric_buckets.min), coalesce(metric_buckets.min, excluded.min)),"
                    " max = max(coalesce(excluded.max, metric_buckets.max), coalesce(metric_buckets.max, excluded.max))",
                    (self.run, kid, step // BUCKET_WIDTH, step, 0 if finite is None else 1, finite, finite, finite))

        self.tx(write)
        # Only now (committed) are the key ids known to exist.
        for key, kid in resolved:
            self.key_ids[key] = kid

    def write_values(self, table, values):
        self.tx(lambda c: c.executemany(
            "INSERT INTO %s (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value" % table,
            [(self.run, k, v) for k, v in values.items()]))

    def write_artifact(self, local_path, artifact_path):
        digest = hashlib.sha256()
        size = 0
        with open(local_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
                size += len(chunk)
        sha = digest.hexdigest()
        folder = os.path.join(self.artifacts, sha[:2])
        target = os.path.join(folder, sha)
        if not os.path.exists(target):
            os.makedirs(folder, exist_ok=True)
            tmp = "%s.tmp-%d-%d" % (target, os.getpid(), _now_ms())
            shutil.copyfile(local_path, tmp)
            os.replace(tmp, target)
        ext = os.path.splitext(local_path)[1].lower()
        media = _MEDIA_TYPES.get(ext) or mimetypes.guess_type(local_path)[0] or "application/octet-stream"
        now = _now_ms()
        self.tx(lambda c: c.execute(
            "INSERT INTO artifacts (run_id, path, sha256, size, media_type, created_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (run_id, path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size,"
            " media_type = excluded.media_type, created_at = excluded.created_at",
            (self.run, artifact_path, sha, size, media, now)))


class _Printer(object):
    """No store: protocol lines on stdout (see docs/tracking.md)."""

    @staticmethod
    def _quote(text):
        if text and not any(ch.isspace() or ch in '="' for ch in text):
            return text
        return json.dumps(text, ensure_ascii=False)

    @staticmethod
    def _number(value):
        if value != value:
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)

    def line(self, kind, text):
        sys.stdout.write("::sextant %s %s\n" % (kind, text))
        sys.stdout.flush()

    def metrics(self, values, step, ts):
        parts = ["%s=%s" % (self._quote(k), self._number(v)) for k, v in values]
        if step is not None:
            parts.append("step=%d" % step)
        if ts is not None:
            parts.append("timestamp=%d" % ts)
        self.line("metric", " ".join(parts))

    def values(self, kind, values):
        self.line(kind, " ".join("%s=%s" % (self._quote(k), self._quote(v)) for k, v in values.items()))


_state = {"store": None, "printer": None, "uid": None, "owned": False}


def _sink():
    if _state["store"] is not None or _state["printer"] is not None:
        return _state["store"] or _state["printer"]
    path = os.environ.get("SEXTANT_STORE")
    uid = os.environ.get("SEXTANT_RUN_ID")
    if path:
        try:
            artifacts = os.environ.get("SEXTANT_ARTIFACTS") or os.path.join(os.path.dirname(os.path.abspath(path)), "artifacts")
            if not os.path.exists(path):
                raise RuntimeError("%s does not exist (run `sextant init` or a pipeline first)" % path)
            store = _Store(path, artifacts)
            if uid:
                store.run = store.find_run(uid)
                if store.run is None:
                    raise RuntimeError("no run %s in %s" % (uid, path))
            else:
                name = os.environ.get("SEXTANT_RUN_NAME") or os.path.splitext(os.path.basename(sys.argv[0] or "python"))[0] or "python"
                uid, store.run = store.create_run(os.environ.get("SEXTANT_EXPERIMENT") or "Default", name)
                _state["owned"] = True
                _warn("logging to run %s in %s" % (uid, path))
                _install_finish_hooks(store)
            _state["store"], _state["uid"] = store, uid
            return store
        except (sqlite3.Error, RuntimeError, OSError) as err:
            _warn("cannot write to the store (%s); printing protocol lines on stdout instead" % err)
    _state["printer"], _state["uid"] = _Printer(), uid
    return _state["printer"]


def _install_finish_hooks(store):
    previous = sys.excepthook
    outcome = {"status": "finished", "code": 0}

    def hook(kind, value, tb):
        outcome["status"], outcome["code"] = ("killed", 130) if kind is KeyboardInterrupt else ("failed", 1)
        previous(kind, value, tb)

    sys.excepthook = hook

    def finish():
        try:
            store.finish_run(store.run, outcome["status"], outcome["code"])
        except sqlite3.Error as err:
            _warn("could not mark the run %s: %s" % (outcome["status"], err))

    atexit.register(finish)


def run_id():
    """The id of the run being logged to (None when only printing protocol lines without SEXTANT_RUN_ID)."""
    _sink()
    return _state["uid"]


def _guard(action, fn):
    try:
        fn()
    except (sqlite3.Error, OSError) as err:
        _warn("could not %s: %s (nothing from this call was saved; earlier values are intact)" % (action, err))


def log_metrics(metrics, step=None, timestamp=None):
    """Logs several metrics at one step (default: each key's next step). NaN and inf are kept."""
    sink = _sink()
    ts = int(timestamp) if timestamp is not None else _now_ms()
    if step is not None and (isinstance(step, bool) or int(step) != step):
        _warn("step must be a whole number, not %r; metrics skipped" % (step,))
        return
    good = []
    for key, value in dict(metrics).items():
        k, why = _check_key(key)
        if why is None:
            v, why = _check_number(value)
        if why is not None:
            _warn("metric %r skipped: %s" % (key, why))
            continue
        good.append((k, v))
    if not good:
        return
    if isinstance(sink, _Printer):
        sink.metrics(good, None if step is None else int(step), timestamp)
        return
    points = [(k, v, sink.step_for(k, None if step is None else int(step)), ts) for k, v in good]
    _guard("log metrics", lambda: sink.write_metrics(points))


def log_metric(key, value, step=None, timestamp=None):
    """Logs one metric value (step: default one more than this key's last step)."""
    log_metrics({key: value}, step=step, timestamp=timestamp)


def _log_values(kind, table, what, values):
    sink = _sink()
    good = {}
    for key, value in dict(values).items():
        k, why = _check_key(key)
        if why is None:
            text, why = _check_text(value, what)
        if why is not None:
            _warn("%s %r skipped: %s" % (what, key, why))
            continue
        good[k] = text
    if not good:
        return
    if isinstance(sink, _Printer):
        sink.values(kind, good)
    else:
        _guard("log %ss" % what, lambda: sink.write_values(table, good))


def log_params(params):
    _log_values("param", "params", "param", params)


def log_param(key, value):
    log_params({key: value})


def set_tags(tags):
    _log_values("tag", "tags", "tag", tags)


def set_tag(key, value):
    set_tags({key: value})


def log_artifact(local_path, artifact_path=None):
    """Records a file as an artifact of the run (stored once per content, by its sha256)."""
    sink = _sink()
    if not os.path.isfile(local_path):
        _warn("artifact %r skipped: not a file" % (local_path,))
        return
    if isinstance(sink, _Printer):
        sink.line("artifact", _Printer._quote(os.path.abspath(local_path)))
        return
    _guard("log the artifact", lambda: sink.write_artifact(local_path, artifact_path or os.path.basename(local_path)))
