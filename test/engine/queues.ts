/**
 * The two schedulers of the Pulumi step generator/executor: a serial queue (Check and Diff run one
 * resource at a time, pulumi/pulumi#3302) and a concurrency limiter (Create/Update/Read/Delete).
 */

/** Runs tasks one after another, in submission order; a failing task does not stop later ones. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every previously submitted task has settled; resolves with its result. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Runs at most `limit` tasks at a time, the rest waiting in submission order. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`Limiter: limit must be a positive integer, got ${limit}`);
  }

  /** Runs `task` once a slot is free; resolves with its result. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiter, so the count never overshoots.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
