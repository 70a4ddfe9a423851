"use client";

import { CheckCircle2, CircleSlash, Loader2, Wrench, XCircle } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { ToolCallPart } from "@/hooks/use-agent-chat";
import { JsonBlock } from "./json-block";
import { useMetricFormat } from "./metrics";

const tones: Record<ToolCallPart["state"], BadgeTone> = {
  running: "primary",
  complete: "success",
  error: "danger",
  interrupted: "warning",
};

const icons = {
  running: <Loader2 className="size-3.5 animate-spin" aria-hidden />,
  complete: <CheckCircle2 className="size-3.5" aria-hidden />,
  error: <XCircle className="size-3.5" aria-hidden />,
  interrupted: <CircleSlash className="size-3.5" aria-hidden />,
};

/** One tool call of a turn: its arguments, then its result or error and how long it took. */
export function ToolCallCard({ part }: { part: ToolCallPart }) {
  const t = useTranslations("playground.tool");
  const metric = useMetricFormat();
  // Live calls open (arguments, then the result arrives in place); stored ones start folded.
  const [open, setOpen] = useState(part.state !== "complete");
  return (
    <details
      open={open}
      onToggle={(event) => setOpen(event.currentTarget.open)}
      data-testid="tool-call"
      data-state={part.state}
      className="bg-card group rounded-lg border text-sm"
    >
      <summary className="focus-visible:ring-ring flex cursor-pointer list-none items-center gap-2 rounded-lg px-3 py-2 focus-visible:ring-2 focus-visible:outline-none">
        <Wrench className="text-muted-foreground size-4 shrink-0" aria-hidden />
        <span className="font-mono font-medium break-all">{part.toolName}</span>
        <Badge tone={tones[part.state]} className="gap-1">
          {icons[part.state]}
          {t(`state.${part.state}`)}
        </Badge>
        {part.latencyMs !== undefined ? (
          <span className="text-muted-foreground ml-auto text-xs">{metric.duration(part.latencyMs)}</span>
        ) : null}
      </summary>
      <div className="flex flex-col gap-2 border-t px-3 py-2">
        <div className="text-muted-foreground text-xs font-medium">{t("arguments")}</div>
        <JsonBlock value={part.input} />
        {part.state === "complete" || part.state === "error" ? (
          <>
            <div className={part.state === "error" ? "text-destructive text-xs font-medium" : "text-muted-foreground text-xs font-medium"}>
              {part.state === "error" ? t("error") : t("result")}
            </div>
            <JsonBlock value={part.result} className={part.state === "error" ? "border-destructive/40 border" : undefined} />
          </>
        ) : null}
      </div>
    </details>
  );
}
