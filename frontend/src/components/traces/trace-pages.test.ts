import { describe, expect, it } from "vitest";
import { tracePageKey, type TraceNode, type Traces } from "@/hooks/use-conversations";
import { runPages } from "./trace-pages";

function run(id: string): TraceNode {
  return {
    id,
    conversation_id: "c",
    message_id: null,
    parent_id: null,
    kind: "run",
    name: "run",
    input: null,
    output: null,
    started_at: "2026-01-01T10:00:00.000Z",
    ended_at: null,
    latency_ms: null,
    ttft_ms: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    error: null,
    children: [],
  };
}

function page(ids: string[], total: number, offset: number, limit = 2): Traces {
  return { items: ids.map(run), total, limit, offset };
}

describe("runPages", () => {
  it("numbers runs from the conversation's first and counts the older ones left", () => {
    const first = runPages([page(["r5", "r4"], 5, 0)]);
    expect(first.runs.map(({ run, number }) => [run.id, number])).toEqual([
      ["r5", 5],
      ["r4", 4],
    ]);
    expect(first.remaining).toBe(3);

    const all = runPages([page(["r5", "r4"], 5, 0), page(["r3", "r2"], 5, 2), page(["r1"], 5, 4)]);
    expect(all.runs.map(({ number }) => number)).toEqual([5, 4, 3, 2, 1]);
    expect(all.remaining).toBe(0);
  });

  it("shows a run once when a page loaded after a new run repeats it, numbers unchanged", () => {
    // r6 was added between the two pages: the second page starts one run later.
    const pages = runPages([page(["r5", "r4"], 5, 0), page(["r4", "r3"], 6, 2)]);
    expect(pages.runs.map(({ run, number }) => [run.id, number])).toEqual([
      ["r5", 5],
      ["r4", 4],
      ["r3", 3],
    ]);
    expect(pages.remaining).toBe(2);
  });

  it("is empty for a conversation without runs, or pages still loading", () => {
    expect(runPages([])).toEqual({ runs: [], remaining: 0 });
    expect(runPages([undefined])).toEqual({ runs: [], remaining: 0 });
    expect(runPages([page([], 0, 0)])).toEqual({ runs: [], remaining: 0 });
  });
});

describe("tracePageKey", () => {
  it("asks for the next page until the last one has come", () => {
    const key = tracePageKey("conv", 2);
    expect(key(0, null)).toEqual(["/api/v1/conversations/{conversation_id}/traces", "conv", 2, 0]);
    expect(key(1, page(["r5", "r4"], 5, 0))).toEqual(["/api/v1/conversations/{conversation_id}/traces", "conv", 2, 2]);
    expect(key(3, page(["r1"], 5, 4))).toBeNull();
    expect(key(1, page(["r2", "r1"], 4, 2))).toBeNull();
    expect(tracePageKey(null, 2)(0, null)).toBeNull();
  });
});
