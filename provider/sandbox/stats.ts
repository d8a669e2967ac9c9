/**
 * Counts of `/v1` requests by route template and status (`GET /_sandbox/stats`).
 */

/** The snapshot `GET /_sandbox/stats` returns. */
export interface StatsSnapshot {
  total: number;
  byRoute: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
}

/** The route key recorded for requests that match no route. */
export const UNMATCHED = "unmatched";

/** In-memory request counters. */
export class Stats {
  private total = 0;
  private byRoute = new Map<string, Map<string, number>>();
  private byStatus = new Map<string, number>();

  /** Counts one response to `route` (a route template key, or {@link UNMATCHED}). */
  record(route: string, status: number): void {
    const s = String(status);
    this.total++;
    const r = this.byRoute.get(route) ?? new Map<string, number>();
    r.set(s, (r.get(s) ?? 0) + 1);
    this.byRoute.set(route, r);
    this.byStatus.set(s, (this.byStatus.get(s) ?? 0) + 1);
  }

  snapshot(): StatsSnapshot {
    const byRoute: Record<string, Record<string, number>> = {};
    for (const [route, m] of this.byRoute) byRoute[route] = Object.fromEntries(m);
    return { total: this.total, byRoute, byStatus: Object.fromEntries(this.byStatus) };
  }

  reset(): void {
    this.total = 0;
    this.byRoute.clear();
    this.byStatus.clear();
  }
}
