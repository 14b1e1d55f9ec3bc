// The log of answered predictions, written to the store off the response path: entries are queued and
// written together (one transaction) every FLUSH_MS or once BATCH entries wait, so a request never waits
// for the disk; batches stay small so that a write holds the event loop for a few milliseconds at most. Inputs are kept as rows of {feature: value} with the personal-data rules applied
// (src/engine/data/pii: the pipeline's `pii:` rules of the model's training dataset, and columns found to
// hold personal data in the traffic itself, masked from then on), which is what drift compares later.
// Feedback by request id (POST /feedback) is written to the logged row, after a flush when it still waits.
import { detectPii } from '../data/pii/detect';
import { protectValue, treatment, type PiiPolicy } from '../data/pii/protect';
import type { Database } from '../store/open';
import { writeTx } from '../store/tx';
import type { Value } from './request';

export interface PredictionEntry {
  requestId: string;
  at: number;
  latencyMs: number;
  features: string[];
  rows: Value[][];
  outputs: Record<string, unknown>[];
  tokenId: number | null;
}

export interface LoggedModel {
  name: string;
  version: number | null;
  sha256: string;
}

const FLUSH_MS = 100;
const BATCH = 64;
/** Entries kept while the store cannot be written (locked, full) before the oldest are dropped. */
const MAX_PENDING = 50_000;

export class PredictionLog {
  private pending: PredictionEntry[] = [];
  private usedTokens = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  /** A flush is queued for the next turn of the event loop (a full batch waits). */
  private immediate = false;
  private insert;
  private touchToken;
  /** Entries written, and entries dropped because the store could not take them. */
  written = 0;
  dropped = 0;

  constructor(
    private readonly db: Database,
    private readonly model: LoggedModel,
    private readonly policy: PiiPolicy,
    private readonly onError: (message: string) => void,
  ) {
    this.insert = db.prepare(
      'INSERT INTO prediction_log (request_id, model, model_version, model_sha256, at, latency_ms, rows, inputs_json, outputs_json, token_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.touchToken = db.prepare('UPDATE serve_tokens SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?');
  }

  get queued(): number {
    return this.pending.length;
  }

  /** Queues an entry; it is written within FLUSH_MS. */
  add(entry: PredictionEntry): void {
    this.pending.push(entry);
    if (entry.tokenId !== null) this.usedTokens.set(entry.tokenId, entry.at);
    if (this.pending.length >= BATCH && !this.immediate) {
      this.immediate = true;
      setImmediate(() => {
        this.immediate = false;
        this.flush();
      });
    } else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** The inputs as they may be stored: a row per object, personal data masked, hashed or dropped. */
  private protect(features: string[], rows: Value[][]): Record<string, Value>[] {
    for (const row of rows) {
      row.forEach((v, c) => {
        if (typeof v !== 'string' || this.policy.detected.has(features[c]!)) return;
        const kind = detectPii(v);
        if (kind) this.policy.detected.set(features[c]!, kind);
      });
    }
    const how = features.map((f) => treatment(this.policy, f));
    return rows.map((row) => {
      const out: Record<string, Value> = {};
      row.forEach((v, c) => {
        if (how[c] === 'drop') return;
        out[features[c]!] = how[c] === undefined ? v : (protectValue(this.policy, features[c]!, v) as Value);
      });
      return out;
    });
  }

  /** Writes what waits, in one transaction; kept for the next try when the store is busy. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const used = this.usedTokens;
    this.pending = [];
    this.usedTokens = new Map();
    try {
      writeTx(
        this.db,
        () => {
          for (const e of batch) {
            this.insert.run(e.requestId, this.model.name, this.model.version, this.model.sha256, e.at, e.latencyMs, e.rows.length, JSON.stringify(this.protect(e.features, e.rows)), JSON.stringify(e.outputs), e.tokenId);
          }
          for (const [id, at] of used) this.touchToken.run(at, id);
        },
        { attempts: 3, backoffMs: 5 },
      );
      this.written += batch.length;
    } catch (err) {
      this.onError(`prediction log: could not write ${batch.length} entr${batch.length === 1 ? 'y' : 'ies'} (${(err as Error).message}); will retry`);
      this.pending = [...batch, ...this.pending];
      for (const [id, at] of used) this.usedTokens.set(id, at);
      const over = this.pending.length - MAX_PENDING;
      if (over > 0) {
        this.pending.splice(0, over);
        this.dropped += over;
      }
      this.timer = setTimeout(() => this.flush(), FLUSH_MS * 5);
    }
  }

  /** Records feedback on a logged request; false when no request has that id. */
  feedback(requestId: string, feedback: unknown, now = Date.now()): boolean {
    if (this.pending.some((e) => e.requestId === requestId)) this.flush();
    const done = writeTx(this.db, () => this.db.prepare('UPDATE prediction_log SET feedback_json = ?, feedback_at = ? WHERE request_id = ?').run(JSON.stringify(feedback), now, requestId));
    return done.changes > 0;
  }

  close(): void {
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
