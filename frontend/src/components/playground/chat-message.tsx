"use client";

import { AlertTriangle, Bot, CircleSlash, User } from "lucide-react";
import { useTranslations } from "next-intl";
import type { ChatMessage } from "@/hooks/use-agent-chat";
import { cn } from "@/lib/utils";
import { useErrorText } from "./error-message";
import { useMetricFormat } from "./metrics";
import { ToolCallCard } from "./tool-call-card";

/** The turn's numbers under an answer: tokens, cost, latency, time to first token. */
function MessageMetrics({ message }: { message: ChatMessage }) {
  const t = useTranslations("playground.metrics");
  const metric = useMetricFormat();
  const m = message.metrics;
  if (!m) return null;
  // A call cut off mid-stream reports no usage: say nothing rather than "0 tokens, $0.00".
  const unknownUsage = message.status !== "complete" && m.usage.input_tokens + m.usage.output_tokens === 0;
  const items = [
    unknownUsage
      ? null
      : t("tokens", { input: metric.count(m.usage.input_tokens), output: metric.count(m.usage.output_tokens) }),
    m.costUsd !== null && !unknownUsage ? t("cost", { value: metric.cost(m.costUsd) }) : null,
    m.latencyMs !== null ? t("latency", { value: metric.duration(m.latencyMs) }) : null,
    m.ttftMs !== null ? t("ttft", { value: metric.duration(m.ttftMs) }) : null,
  ].filter((item): item is string => item !== null);
  return (
    <ul data-testid="message-metrics" aria-label={t("label")} className="text-muted-foreground flex flex-wrap gap-x-3 gap-y-1 text-xs">
      {items.map((item) => (
        <li key={item}>{item}</li>
      ))}
    </ul>
  );
}

function TypingDots({ label }: { label: string }) {
  return (
    <span role="status" aria-label={label} className="flex gap-1 py-2">
      {[0, 1, 2].map((i) => (
        <span
          key={i}
          className="bg-muted-foreground/60 size-1.5 animate-bounce rounded-full"
          style={{ animationDelay: `${i * 150}ms` }}
        />
      ))}
    </span>
  );
}

/** One chat message rendered from its parts, in arrival order. */
export function ChatMessageView({ message }: { message: ChatMessage }) {
  const t = useTranslations("playground");
  const errorText = useErrorText();
  const isUser = message.role === "user";
  const empty = message.parts.length === 0;

  return (
    <li
      data-testid={`message-${message.role}`}
      data-status={message.status}
      className={cn("flex gap-3", isUser && "flex-row-reverse")}
    >
      <span
        aria-hidden
        className={cn(
          "mt-1 flex size-7 shrink-0 items-center justify-center rounded-full",
          isUser ? "bg-primary text-primary-foreground" : "bg-muted",
        )}
      >
        {isUser ? <User className="size-4" /> : <Bot className="size-4" />}
      </span>
      <div className={cn("flex max-w-[85%] min-w-0 flex-col gap-2", isUser && "items-end")}>
        <span className="sr-only">{isUser ? t("you") : t("agent")}</span>
        {message.parts.map((part, index) =>
          part.type === "text" ? (
            <div
              key={index}
              className={cn(
                "rounded-2xl px-4 py-2 text-sm break-words whitespace-pre-wrap",
                isUser ? "bg-primary text-primary-foreground" : "bg-muted",
              )}
            >
              {part.text}
            </div>
          ) : (
            <ToolCallCard key={part.toolCallId || index} part={part} />
          ),
        )}
        {empty && message.status === "streaming" ? <TypingDots label={t("thinking")} /> : null}
        {message.status === "interrupted" ? (
          <p className="text-warning flex items-center gap-1 text-xs">
            <CircleSlash className="size-3.5" aria-hidden />
            {t("interrupted")}
          </p>
        ) : null}
        {message.status === "error" && message.error ? (
          <div
            role="alert"
            data-testid="message-error"
            className="border-destructive/40 bg-destructive/5 flex items-start gap-2 rounded-lg border px-3 py-2 text-sm"
          >
            <AlertTriangle className="text-destructive mt-0.5 size-4 shrink-0" aria-hidden />
            <div className="flex flex-col gap-0.5">
              <span>{errorText(message.error)}</span>
              {message.error.retryable ? (
                <span className="text-muted-foreground text-xs">{t("errors.retryHint")}</span>
              ) : null}
            </div>
          </div>
        ) : null}
        <MessageMetrics message={message} />
      </div>
    </li>
  );
}
