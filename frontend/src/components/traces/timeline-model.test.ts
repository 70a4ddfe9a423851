import { describe, expect, it } from "vitest";
import type { TraceNode } from "@/hooks/use-conversations";
import { runTimeline } from "./timeline-model";

function span(partial: Partial<TraceNode> & Pick<TraceNode, "id" | "kind" | "started_at">): TraceNode {
  return {
    conversation_id: "c",
    message_id: null,
    parent_id: null,
    name: partial.kind,
    input: null,
    output: null,
    ended_at: null,
    latency_ms: null,
    ttft_ms: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    error: null,
    children: [],
    ...partial,
  };
}

const T0 = "2026-01-01T10:00:00.000Z";
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString();

describe("runTimeline", () => {
  it("scales each span to the run and sums the model calls' tokens and cost", () => {
    const run = span({
      id: "run",
      kind: "run",
      started_at: T0,
      latency_ms: 1000,
      children: [
        span({ id: "l2", kind: "llm_call", started_at: at(600), latency_ms: 400, input_tokens: 30, output_tokens: 8, cost_usd: 0.002 }),
        span({ id: "l1", kind: "llm_call", started_at: at(0), latency_ms: 400, input_tokens: 10, output_tokens: 5, cost_usd: 0.001 }),
        span({ id: "t1", kind: "tool_call", started_at: at(400), latency_ms: 200, error: "HTTP 500" }),
      ],
    });
    const timeline = runTimeline(run);
    expect(timeline.rows.map((row) => [row.node.id, row.depth, row.offset, row.width])).toEqual([
      ["run", 0, 0, 1],
      ["l1", 1, 0, 0.4],
      ["t1", 1, 0.4, 0.2],
      ["l2", 1, 0.6, 0.4],
    ]);
    expect(timeline).toMatchObject({ durationMs: 1000, inputTokens: 40, outputTokens: 13, errors: 1 });
    expect(timeline.costUsd).toBeCloseTo(0.003);
  });

  it("draws a span that never ended to the end of the run", () => {
    const run = span({
      id: "run",
      kind: "run",
      started_at: T0,
      children: [
        span({ id: "l1", kind: "llm_call", started_at: at(0), latency_ms: 500 }),
        span({ id: "t1", kind: "tool_call", started_at: at(500) }),
      ],
    });
    const timeline = runTimeline(run);
    expect(timeline.durationMs).toBe(500);
    const tool = timeline.rows.find((row) => row.node.id === "t1");
    expect(tool).toMatchObject({ durationMs: null, offset: 1, width: 0 });
    expect(timeline.costUsd).toBeNull();
  });
});
