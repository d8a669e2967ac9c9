/**
 * Read coalescing: single-id lookups made close together become one batched
 * request of up to `maxBatchSize` ids.
 *
 * When a lookup is queued:
 * - a full chunk (`maxBatchSize` ids) goes out at once;
 * - otherwise, with no batch in flight, the queue goes out at the end of the
 *   current turn of the event loop (`setImmediate`), so every lookup made in
 *   the same tick shares a request;
 * - with a batch in flight, the queue waits for a batch to finish, or for
 *   `windowMs`, whichever comes first, so lookups that trickle in (e.g. from
 *   the Pulumi engine) gather into the next request instead of one each.
 */

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
  private timer: NodeJS.Timeout | undefined;
  private closedWith: unknown;

  constructor(
    private readonly load: BatchLoader<V>,
    private readonly maxBatchSize: number,
    private readonly windowMs: number,
  ) {}

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
    while (this.pending.size >= this.maxBatchSize) this.dispatch();
    if (this.pending.size === 0 || this.immediate) return;
    if (this.inFlight === 0) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.flush();
      });
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.windowMs);
    }
  }

  private clearTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
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
    let loaded: Promise<Map<string, V>>;
    try {
      loaded = this.load([...chunk.keys()]);
    } catch (e) {
      loaded = Promise.reject(e);
    }
    loaded.then(
      (values) => {
        for (const [id, waiters] of chunk) for (const w of waiters) w.resolve(values.get(id));
      },
      (err: unknown) => {
        for (const waiters of chunk.values()) for (const w of waiters) w.reject(err);
      },
    ).finally(() => {
      this.inFlight--;
      // Lookups that queued behind this batch go out now rather than wait for the window.
      if (this.pending.size > 0 && this.closedWith === undefined) this.flush();
    });
  }
}
