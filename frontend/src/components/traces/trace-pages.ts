/**
 * Pages of a conversation's runs (newest first, as the API sends them) as one list, each run
 * with its number in the conversation ("Run 3"), and how many older runs are still to load.
 */
import type { TraceNode, Traces } from "@/hooks/use-conversations";

export type NumberedRun = { run: TraceNode; number: number };

export type RunPages = {
  runs: NumberedRun[];
  /** Older runs not loaded yet (0: the list is complete). */
  remaining: number;
};

export function runPages(pages: readonly (Traces | undefined)[]): RunPages {
  const seen = new Set<string>();
  const runs: NumberedRun[] = [];
  let remaining = 0;
  for (const page of pages) {
    if (!page) continue;
    page.items.forEach((run, index) => {
      // Runs only ever get added, at the newest end: counting from the oldest keeps a run's
      // number, and a page loaded after new runs came may repeat some of the previous page's.
      if (seen.has(run.id)) return;
      seen.add(run.id);
      runs.push({ run, number: page.total - page.offset - index });
    });
    remaining = Math.max(0, page.total - page.offset - page.items.length);
  }
  return { runs, remaining };
}
