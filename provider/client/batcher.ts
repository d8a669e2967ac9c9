/**
 * Read coalescing: single-id lookups made close together become one batched
 * request of up to `maxBatchSize` ids.
 *
 * When a lookup is queued:
 * - a full chunk (`maxBatchSize` ids) goes out at once;
 * - otherwise, when the batcher is idle (no batch in flight, none sent in the
 *   last `windowMs`), the queue goes out at the end of the current turn of the
 *   event loop (`setImmediate`), so every lookup made in the same tick shares
 *   a request;
 * - otherwise (lookups trickling in, e.g. one per resource from the Pulumi
 *   engine), the queue waits until no lookup has arrived for `windowMs`, or
 *   until `maxWaitMs` after its first lookup, whichever comes first, so the
 *   trickle gathers into full requests instead of one each. Requests are what
 *   a rate-limited API counts; a few milliseconds of waiting are not.
 *
 * Not DataLoader: it schedules a batch once, at its first key, so a trickle either goes out a
 * few keys per request or every burst waits out the whole window.
 */

import { type Clock, realClock } from "../core/clock";

/** Loads the given ids (at most `maxBatchSize`, no duplicates); missing ids are absent from the map. */
export type BatchLoader<V> = (ids: string[]) => Promise<Map<string, V>>;

interface Waiter<V> {
  resolve: (v: V | undefined) => void;
  reject: (e: unknown) => void;
}

/** Coalesces lookups by id into batched loads. */
export class Batcher<V> {
  private pending = new Map<string, Waiter<V>[]>();
  private inFlight = 0;
  private immediate: NodeJS.Immediate | undefined;
  private timer: unknown;
  private closedWith: unknown;
  /** When the last batch was sent, and when the first and last queued lookups arrived. */
  private sentAt = -Infinity;
  private firstQueuedAt = 0;
  private lastQueuedAt = 0;

  /** `windowMs`: the quiet gap that ends a trickle; `maxWaitMs`: the longest a queued lookup waits; `clock`: of both. */
  constructor(
    private readonly load: BatchLoader<V>,
    private readonly maxBatchSize: number,
    private readonly windowMs: number,
    private readonly maxWaitMs: number = Math.max(windowMs, 1000),
    private readonly clock: Clock = realClock,
  ) {}

  private now(): number {
    return this.clock.now();
  }

  /** Resolves with the value for `id`, or undefined when the load did not return it. */
  get(id: string): Promise<V | undefined> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    return new Promise<V | undefined>((resolve, reject) => {
      const list = this.pending.get(id);
      if (list) list.push({ resolve, reject });
      else this.pending.set(id, [{ resolve, reject }]);
      this.onQueued();
    });
  }

  /** Looks up every id (coalesced with other lookups); ids the loads did not return are absent. */
  async getMany(ids: readonly string[]): Promise<Map<string, V>> {
    const unique = [...new Set(ids)];
    const values = await Promise.all(unique.map((id) => this.get(id)));
    const out = new Map<string, V>();
    unique.forEach((id, i) => {
      const v = values[i];
      if (v !== undefined) out.set(id, v);
    });
    return out;
  }

  /** Number of batched loads running now. */
  get running(): number {
    return this.inFlight;
  }

  /** Rejects every queued lookup with `reason` and refuses new ones. Loads in flight finish normally. */
  close(reason: unknown): void {
    this.closedWith = reason;
    this.clearTimers();
    const waiting = [...this.pending.values()].flat();
    this.pending.clear();
    for (const w of waiting) w.reject(reason);
  }

  private onQueued(): void {
    const t = this.now();
    if (this.pending.size === 1) this.firstQueuedAt = t;
    this.lastQueuedAt = t;
    while (this.pending.size >= this.maxBatchSize) this.dispatch();
    if (this.pending.size === 0 || this.immediate) return;
    const idle = this.inFlight === 0 && t - this.sentAt >= this.windowMs;
    if (idle && this.timer === undefined) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
    } else {
      this.arm();
    }
  }

  /** When the queue is due: the quiet gap after the last lookup, capped by the first one's max wait. */
  private due(): number {
    return Math.min(this.lastQueuedAt + this.windowMs, this.firstQueuedAt + this.maxWaitMs);
  }

  /**
   * (Re)arms the trickle timer. When it fires, the flush waits for the end of
   * the event loop's I/O phase (`setImmediate`): after a stall (GC, a busy
   * process), lookups that arrived meanwhile are delivered first, and only a
   * real quiet gap flushes a partial batch.
   */
  private arm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        if (this.immediate) return;
        this.immediate = setImmediate(() => {
          this.immediate = undefined;
          if (this.pending.size === 0) return;
          if (this.due() > this.now() + 1) this.arm();
          else this.flush();
        });
      },
      Math.max(0, this.due() - this.now()),
    );
  }

  private clearTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.immediate = undefined;
    this.timer = undefined;
  }

  /** Sends everything queued, in chunks. */
  private flush(): void {
    this.clearTimers();
    while (this.pending.size > 0) this.dispatch();
  }

  /** Sends one chunk of up to maxBatchSize queued ids. */
  private dispatch(): void {
    const chunk = new Map<string, Waiter<V>[]>();
    for (const [id, waiters] of this.pending) {
      if (chunk.size >= this.maxBatchSize) break;
      chunk.set(id, waiters);
    }
    for (const id of chunk.keys()) this.pending.delete(id);
    this.inFlight++;
    this.sentAt = this.now();
    if (this.pending.size > 0) this.firstQueuedAt = this.sentAt;
    let loaded: Promise<Map<string, V>>;
    try {
      loaded = this.load([...chunk.keys()]);
    } catch (e) {
      loaded = Promise.reject(e);
    }
    loaded
      .then(
        (values) => {
          for (const [id, waiters] of chunk) for (const w of waiters) w.resolve(values.get(id));
        },
        (err: unknown) => {
          for (const waiters of chunk.values()) for (const w of waiters) w.reject(err);
        },
      )
      .finally(() => {
        this.inFlight--;
      });
  }
}
