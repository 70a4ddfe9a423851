"use client";

import { MessageSquarePlus } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useConversations } from "@/hooks/use-conversations";
import { cn } from "@/lib/utils";

type ConversationListProps = {
  agentId: string;
  activeId: string | null;
  /** False while a turn runs: switching would cut it off. */
  disabled: boolean;
  onOpen: (conversationId: string) => void;
  onNew?: () => void;
};

/** The agent's conversations, newest first, to reopen one (and, if onNew is given, start one). */
export function ConversationList({ agentId, activeId, disabled, onOpen, onNew }: ConversationListProps) {
  const t = useTranslations("playground.conversations");
  const format = useFormatter();
  const { data, error, isLoading, mutate } = useConversations(agentId);

  return (
    <nav aria-label={t("label")} className="flex min-h-0 flex-col gap-2">
      <div className="flex items-center justify-between gap-2">
        <h3 className="text-sm font-semibold">{t("title")}</h3>
        {onNew ? (
          <Button size="sm" variant="secondary" onClick={onNew} disabled={disabled}>
            <MessageSquarePlus className="size-4" aria-hidden />
            {t("new")}
          </Button>
        ) : null}
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={() => mutate()} />
      ) : isLoading && !data ? (
        <div className="flex flex-col gap-2" aria-busy="true">
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
          <Skeleton className="h-10" />
        </div>
      ) : data && data.items.length === 0 ? (
        <p className="text-muted-foreground text-sm">{t("empty")}</p>
      ) : (
        <ul className="flex max-h-[60vh] flex-col gap-1 overflow-y-auto">
          {data?.items.map((conversation) => {
            const active = conversation.id === activeId;
            return (
              <li key={conversation.id}>
                <button
                  type="button"
                  disabled={disabled && !active}
                  aria-current={active ? "true" : undefined}
                  onClick={() => onOpen(conversation.id)}
                  className={cn(
                    "hover:bg-muted focus-visible:ring-ring flex w-full flex-col items-start gap-0.5 rounded-md px-2 py-1.5 text-left text-sm focus-visible:ring-2 focus-visible:outline-none disabled:opacity-50",
                    active && "bg-accent",
                  )}
                >
                  <span className="line-clamp-2 break-words">{conversation.title || t("untitled")}</span>
                  <span className="text-muted-foreground text-xs">
                    {format.relativeTime(new Date(conversation.updated_at))}
                  </span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
