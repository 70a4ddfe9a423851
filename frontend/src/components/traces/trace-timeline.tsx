"use client";

import { AlertTriangle, Bot, PlayCircle, Wrench } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { JsonBlock } from "@/components/playground/json-block";
import { useMetricFormat } from "@/components/playground/metrics";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import type { TraceNode } from "@/hooks/use-conversations";
import { cn } from "@/lib/utils";
import { runTimeline, type TimelineRow } from "./timeline-model";

const kindIcons: Record<string, typeof Bot> = { run: PlayCircle, llm_call: Bot, tool_call: Wrench };
const barColors: Record<string, string> = { run: "bg-primary/40", llm_call: "bg-primary", tool_call: "bg-success" };

function SpanRow({ row }: { row: TimelineRow }) {
  const t = useTranslations("traces");
  const metric = useMetricFormat();
  const { node } = row;
  const Icon = kindIcons[node.kind] ?? PlayCircle;
  const failed = Boolean(node.error);
  const kind = node.kind === "run" || node.kind === "llm_call" || node.kind === "tool_call" ? node.kind : "other";

  return (
    <li data-testid="trace-span" data-kind={node.kind} data-error={failed || undefined}>
      <details className={cn("group rounded-md", failed && "bg-destructive/5")}>
        <summary
          className="hover:bg-muted focus-visible:ring-ring grid cursor-pointer list-none grid-cols-1 items-center gap-x-3 gap-y-1 rounded-md px-2 py-1.5 text-sm focus-visible:ring-2 focus-visible:outline-none lg:grid-cols-[13rem_minmax(0,1fr)_14rem]"
        >
          <span className="flex min-w-0 items-center gap-2" style={{ paddingLeft: `${row.depth * 1}rem` }}>
            <Icon className={cn("size-4 shrink-0", failed ? "text-destructive" : "text-muted-foreground")} aria-hidden />
            <span className="truncate font-mono text-xs" title={node.name}>
              {node.name}
            </span>
            <span className="sr-only">{t(`kind.${kind}`)}</span>
            {failed ? <AlertTriangle className="text-destructive size-3.5 shrink-0" aria-label={t("failed")} /> : null}
          </span>
          <span className="bg-muted relative h-3 overflow-hidden rounded-sm" aria-hidden>
            <span
              className={cn("absolute inset-y-0 rounded-sm", failed ? "bg-destructive" : (barColors[node.kind] ?? "bg-primary"))}
              style={{ left: `${row.offset * 100}%`, width: `max(${row.width * 100}%, 2px)` }}
            />
          </span>
          <span className="text-muted-foreground flex flex-wrap gap-x-3 text-xs whitespace-nowrap lg:justify-end">
            <span>{row.durationMs !== null ? metric.duration(row.durationMs) : t("open")}</span>
            {node.kind === "llm_call" && (node.input_tokens !== null || node.output_tokens !== null) ? (
              <span>{t("tokens", { input: metric.count(node.input_tokens ?? 0), output: metric.count(node.output_tokens ?? 0) })}</span>
            ) : null}
            {node.kind === "llm_call" && typeof node.cost_usd === "number" ? <span>{metric.cost(node.cost_usd)}</span> : null}
          </span>
        </summary>
        <div className="flex flex-col gap-2 px-2 pt-1 pb-3">
          {node.error ? (
            <p role="alert" className="text-destructive text-sm break-words">
              {node.error}
            </p>
          ) : null}
          {typeof node.ttft_ms === "number" ? (
            <p className="text-muted-foreground text-xs">{t("ttft", { value: metric.duration(node.ttft_ms) })}</p>
          ) : null}
          <div className="grid gap-2 md:grid-cols-2">
            <div className="flex min-w-0 flex-col gap-1">
              <span className="text-muted-foreground text-xs font-medium">{t("input")}</span>
              <JsonBlock value={node.input} />
            </div>
            <div className="flex min-w-0 flex-col gap-1">
              <span className="text-muted-foreground text-xs font-medium">{t("output")}</span>
              <JsonBlock value={node.output} />
            </div>
          </div>
        </div>
      </details>
    </li>
  );
}

/** One run (a user turn; `number` counts from the conversation's first) as a timeline of its
 * model and tool calls, with its totals. */
export function TraceTimeline({ run, number }: { run: TraceNode; number: number }) {
  const t = useTranslations("traces");
  const format = useFormatter();
  const metric = useMetricFormat();
  const timeline = runTimeline(run);
  const headingId = `run-${run.id}`;

  return (
    <Card data-testid="trace-run" aria-labelledby={headingId} className={cn("flex flex-col gap-3", timeline.errors > 0 && "border-destructive/50")}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 id={headingId} className="font-semibold">
          {t("run", { number })}
          <span className="text-muted-foreground ml-2 text-xs font-normal">
            {format.dateTime(new Date(run.started_at), { dateStyle: "medium", timeStyle: "medium" })}
          </span>
        </h3>
        {timeline.errors > 0 ? <Badge tone="danger">{t("errors", { count: timeline.errors })}</Badge> : null}
      </div>
      <dl className="grid grid-cols-2 gap-2 text-sm sm:grid-cols-4">
        <div>
          <dt className="text-muted-foreground text-xs">{t("duration")}</dt>
          <dd className="font-medium">{metric.duration(timeline.durationMs)}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground text-xs">{t("inputTokens")}</dt>
          <dd className="font-medium">{metric.count(timeline.inputTokens)}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground text-xs">{t("outputTokens")}</dt>
          <dd className="font-medium">{metric.count(timeline.outputTokens)}</dd>
        </div>
        <div>
          <dt className="text-muted-foreground text-xs">{t("cost")}</dt>
          <dd className="font-medium">{timeline.costUsd !== null ? metric.cost(timeline.costUsd) : t("unknownCost")}</dd>
        </div>
      </dl>
      <ol aria-label={t("spans")} className="flex flex-col gap-0.5">
        {timeline.rows.map((row) => (
          <SpanRow key={row.node.id} row={row} />
        ))}
      </ol>
    </Card>
  );
}
