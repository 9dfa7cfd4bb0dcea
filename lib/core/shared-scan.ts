// Several selections over one table, one pass at a time: each reads the source through a view of its
// own (which score, which users), and the scans the views ask for together become one pass. A pass
// starts once every view still selecting has asked for it, so a search one set needs and the
// streaming publish another needs share a read of the table.
import type { PageHandler, ScanTotals, ScorePage, ScoreSource } from './score-source.js';

/** A view of a page: the users and scores one selection reads from it. */
export type PagePicker = (page: ScorePage) => ScorePage;

export interface SharedScan {
  /** One score source per picker, in the pickers' order. */
  readonly views: ScoreSource[];
  /** Full reads of the underlying source so far. */
  readonly passes: number;
  /** The view's selection is done: passes no longer wait for it to ask. */
  release(view: number): void;
}

interface Request {
  view: number;
  onPage: PageHandler;
  resolve: (totals: ScanTotals) => void;
  reject: (error: unknown) => void;
}

export function shareScans(source: ScoreSource, pickers: readonly PagePicker[]): SharedScan {
  const active = new Set(pickers.keys());
  const waiting = new Map<number, Request>();
  let running = false;
  let passes = 0;

  const startWhenAllAsked = (): void => {
    if (running || waiting.size === 0 || [...active].some((v) => !waiting.has(v))) return;
    const requests = [...waiting.values()];
    waiting.clear();
    running = true;
    passes++;
    void runPass(requests).finally(() => {
      running = false;
      startWhenAllAsked();
    });
  };

  const runPass = async (requests: Request[]): Promise<void> => {
    const totals = requests.map((): ScanTotals => ({ users: 0, pages: 0, unscored: 0 }));
    // A view whose handler failed sits out the rest of the pass; the others read on.
    const failures = new Map<number, unknown>();
    try {
      const underlying = await source.scan(async (segment, page) => {
        await Promise.all(
          requests.map(async (request, i) => {
            if (failures.has(i)) return;
            try {
              const picked = pickers[request.view]!(page);
              totals[i]!.pages++;
              totals[i]!.users += picked.scores.length;
              await request.onPage(segment, picked);
            } catch (err) {
              failures.set(i, err);
            }
          }),
        );
      });
      requests.forEach((request, i) => {
        if (failures.has(i)) request.reject(failures.get(i));
        else request.resolve({ ...totals[i]!, unscored: underlying.unscored });
      });
    } catch (err) {
      for (const request of requests) request.reject(err);
    }
  };

  const views = pickers.map((_, view): ScoreSource => ({
    segments: source.segments,
    scan: (onPage) =>
      new Promise<ScanTotals>((resolve, reject) => {
        if (!active.has(view)) {
          reject(new Error(`view ${view} of the shared scan was released and cannot scan again`));
          return;
        }
        waiting.set(view, { view, onPage, resolve, reject });
        startWhenAllAsked();
      }),
  }));

  return {
    views,
    get passes() {
      return passes;
    },
    release(view) {
      active.delete(view);
      waiting.delete(view);
      startWhenAllAsked();
    },
  };
}
