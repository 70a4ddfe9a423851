"use client";

import { MessageSquarePlus, Trash2 } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { deleteConversation, useConversations, type Conversation } from "@/hooks/use-conversations";
import { useApiErrors } from "@/lib/api/use-api-errors";
import { cn } from "@/lib/utils";

const PAGE = 20;

type ConversationListProps = {
  agentId: string;
  activeId: string | null;
  /** True while a turn runs: switching would cut it off. */
  disabled: boolean;
  onOpen: (conversationId: string) => void;
  /** Given: a "New chat" button. */
  onNew?: () => void;
  /** Called after a conversation was deleted (e.g. to leave it if it was open). */
  onDeleted?: (conversationId: string) => void;
};

/** The agent's conversations, most recently active first: reopen one, start one, delete one. */
export function ConversationList({ agentId, activeId, disabled, onOpen, onNew, onDeleted }: ConversationListProps) {
  const t = useTranslations("playground.conversations");
  const tc = useTranslations("common");
  const format = useFormatter();
  const toast = useToast();
  const apiErrors = useApiErrors();
  const [limit, setLimit] = useState(PAGE);
  const { data, error, isLoading, mutate } = useConversations(agentId, limit);
  const [deleting, setDeleting] = useState<Conversation | null>(null);

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
        <div className="flex flex-col gap-2" aria-busy="true" aria-label={tc("loading")}>
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
            const title = conversation.title || t("untitled");
            return (
              <li key={conversation.id} className={cn("group flex items-start rounded-md", active && "bg-accent")}>
                <button
                  type="button"
                  disabled={disabled && !active}
                  aria-current={active ? "true" : undefined}
                  onClick={() => onOpen(conversation.id)}
                  className="hover:bg-muted focus-visible:ring-ring flex min-w-0 flex-1 flex-col items-start gap-0.5 rounded-md px-2 py-1.5 text-left text-sm focus-visible:ring-2 focus-visible:outline-none disabled:opacity-50"
                >
                  <span className="line-clamp-2 break-words">{title}</span>
                  <span className="text-muted-foreground text-xs">
                    {format.relativeTime(new Date(conversation.updated_at))}
                  </span>
                </button>
                <Button
                  variant="ghost"
                  size="icon"
                  className="size-8 shrink-0 opacity-60 group-hover:opacity-100 focus-visible:opacity-100"
                  disabled={disabled && active}
                  aria-label={t("delete", { title })}
                  onClick={() => setDeleting(conversation)}
                >
                  <Trash2 className="size-4" aria-hidden />
                </Button>
              </li>
            );
          })}
        </ul>
      )}
      {data && data.total > data.items.length ? (
        <Button variant="ghost" size="sm" onClick={() => setLimit((current) => Math.min(current + PAGE, 100))} disabled={limit >= 100}>
          {t("more", { count: data.total - data.items.length })}
        </Button>
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={t("deleteTitle")}
        description={t("deleteDescription", { title: deleting?.title || t("untitled") })}
        confirmLabel={tc("delete")}
        onConfirm={async () => {
          if (!deleting) return;
          try {
            await deleteConversation(deleting.id);
            onDeleted?.(deleting.id);
            await mutate();
          } catch (caught) {
            toast({ tone: "error", title: t("deleteFailed"), description: apiErrors.describe(caught) });
          }
        }}
      />
    </nav>
  );
}
