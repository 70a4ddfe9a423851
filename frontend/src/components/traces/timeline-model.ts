/**
 * A run's trace tree laid out as a timeline: every span (the run, its model calls and tool
 * calls, nested as recorded) with its offset and width as fractions of the run, so bars can be
 * drawn to scale; plus the run's totals.
 */
import type { TraceNode } from "@/hooks/use-conversations";

export type TimelineRow = {
  node: TraceNode;
  depth: number;
  /** Where the span starts and how long it is, as fractions (0..1) of the run's duration. */
  offset: number;
  width: number;
  durationMs: number | null;
};

export type RunTimeline = {
  run: TraceNode;
  durationMs: number;
  rows: TimelineRow[];
  inputTokens: number;
  outputTokens: number;
  costUsd: number | null;
  errors: number;
};

function time(value: string): number {
  return new Date(value).getTime();
}

/** A span's duration: its recorded latency, else end minus start, else unknown (still open). */
export function spanDuration(node: TraceNode): number | null {
  if (typeof node.latency_ms === "number") return node.latency_ms;
  if (node.ended_at) return Math.max(0, time(node.ended_at) - time(node.started_at));
  return null;
}

function flatten(node: TraceNode, depth: number, into: { node: TraceNode; depth: number }[]): void {
  into.push({ node, depth });
  const children = [...(node.children ?? [])].sort((a, b) => time(a.started_at) - time(b.started_at));
  for (const child of children) flatten(child, depth + 1, into);
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

export function runTimeline(run: TraceNode): RunTimeline {
  const spans: { node: TraceNode; depth: number }[] = [];
  flatten(run, 0, spans);
  const start = time(run.started_at);
  // The run's extent covers its own duration and every child's end (an open run has none).
  let end = start + (spanDuration(run) ?? 0);
  for (const { node } of spans) {
    const duration = spanDuration(node);
    if (duration !== null) end = Math.max(end, time(node.started_at) + duration);
  }
  const total = Math.max(end - start, 1);

  let inputTokens = 0;
  let outputTokens = 0;
  let cost: number | null = null;
  let errors = 0;
  const rows = spans.map(({ node, depth }) => {
    if (node.error) errors += 1;
    if (node.kind === "llm_call") {
      inputTokens += node.input_tokens ?? 0;
      outputTokens += node.output_tokens ?? 0;
      if (typeof node.cost_usd === "number") cost = (cost ?? 0) + node.cost_usd;
    }
    const durationMs = spanDuration(node);
    const offset = clamp((time(node.started_at) - start) / total);
    const width = durationMs === null ? 1 - offset : clamp(durationMs / total);
    return { node, depth, offset, width: Math.min(width, 1 - offset), durationMs };
  });

  if (typeof run.cost_usd === "number" && cost === null) cost = run.cost_usd;
  return {
    run,
    durationMs: spanDuration(run) ?? end - start,
    rows,
    inputTokens: inputTokens || (run.input_tokens ?? 0),
    outputTokens: outputTokens || (run.output_tokens ?? 0),
    costUsd: cost,
    errors,
  };
}
