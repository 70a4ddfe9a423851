"use client";

import { PanelLeft, X } from "lucide-react";
import { useTranslations } from "next-intl";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { useToast } from "@/components/ui/toast";
import { useAgentChat } from "@/hooks/use-agent-chat";
import { messagesFromHistory } from "@/hooks/use-agent-chat-history";
import { fetchMessages, isConversationListKey } from "@/hooks/use-conversations";
import { Link } from "@/i18n/navigation";
import { useApiErrors } from "@/lib/api/use-api-errors";
import { cn } from "@/lib/utils";
import { ChatComposer } from "./chat-composer";
import { ChatMessageView } from "./chat-message";
import { ConnectionBanner } from "./connection-banner";
import { ConversationList } from "./conversation-list";
import { useErrorText } from "./error-message";

/** Chat with the agent live, and reopen earlier conversations. */
export function PlaygroundTab({ agentId }: { agentId: string }) {
  const t = useTranslations("playground");
  const tc = useTranslations("common");
  const toast = useToast();
  const apiErrors = useApiErrors();
  const errorText = useErrorText();
  const chat = useAgentChat({ agentId });
  const { mutate } = useSWRConfig();
  const [listOpen, setListOpen] = useState(false);
  const [opening, setOpening] = useState<string | null>(null);
  const endRef = useRef<HTMLDivElement>(null);
  const searchParams = useSearchParams();
  const requested = searchParams.get("conversation");
  const { openConversation, conversationId, status, messages } = chat;

  const open = useCallback(
    async (id: string) => {
      setOpening(id);
      try {
        const page = await fetchMessages(id);
        openConversation(id, messagesFromHistory(page.items));
        setListOpen(false);
      } catch (error) {
        toast({ tone: "error", title: t("openFailed"), description: apiErrors.describe(error) });
      } finally {
        setOpening(null);
      }
    },
    [openConversation, toast, t, apiErrors],
  );

  // A link to ?conversation=<id> (e.g. from the traces tab) opens that conversation once.
  const openedFromUrl = useRef(false);
  useEffect(() => {
    if (requested && !openedFromUrl.current) {
      openedFromUrl.current = true;
      void open(requested);
    }
  }, [requested, open]);

  // A new conversation or a finished turn changes the list's order and titles.
  useEffect(() => {
    if (conversationId && status === "ready") void mutate(isConversationListKey(agentId));
  }, [conversationId, status, agentId, mutate]);

  // Follow the answer as it streams in.
  const lastLength = messages.reduce((sum, m) => sum + m.parts.length, 0);
  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: "end" });
  }, [messages.length, lastLength]);

  const busy = status !== "ready" || opening !== null;

  return (
    <section
      aria-label={t("title")}
      data-connection={chat.connection}
      className="grid gap-4 md:grid-cols-[16rem_minmax(0,1fr)]"
    >
      <div className={cn("md:block", listOpen ? "block" : "hidden")}>
        <div className="bg-card rounded-lg border p-3">
          <ConversationList
            agentId={agentId}
            activeId={conversationId}
            disabled={busy}
            onOpen={(id) => void open(id)}
            onNew={() => {
              chat.newConversation();
              setListOpen(false);
            }}
            onDeleted={(id) => {
              if (id === conversationId) chat.newConversation();
            }}
          />
        </div>
      </div>

      <div className="flex min-h-[60vh] min-w-0 flex-col gap-3">
        <div className="flex flex-wrap items-center gap-2">
          <Button
            variant="secondary"
            size="sm"
            className="md:hidden"
            aria-expanded={listOpen}
            onClick={() => setListOpen((value) => !value)}
          >
            <PanelLeft className="size-4" aria-hidden />
            {t("conversations.title")}
          </Button>
          <h2 className="text-lg font-semibold">{t("title")}</h2>
          {conversationId ? (
            <Link
              href={`/agents/${agentId}/traces?conversation=${conversationId}`}
              className="text-primary ml-auto text-sm underline-offset-4 hover:underline"
            >
              {t("viewTrace")}
            </Link>
          ) : null}
        </div>

        <ConnectionBanner connection={chat.connection} closeCode={chat.closeCode} onReconnect={chat.reconnect} />

        {chat.error ? (
          <div role="alert" className="border-destructive/40 bg-destructive/5 flex items-center gap-2 rounded-lg border px-3 py-2 text-sm">
            <span className="flex-1">{errorText(chat.error)}</span>
            <Button variant="ghost" size="icon" aria-label={tc("close")} onClick={chat.dismissError}>
              <X className="size-4" aria-hidden />
            </Button>
          </div>
        ) : null}

        <div
          className="flex-1 overflow-y-auto rounded-lg border p-3 sm:p-4"
          aria-busy={opening !== null}
        >
          {messages.length === 0 ? (
            <EmptyState title={t("empty")} description={t("emptyHint")} />
          ) : (
            <ol aria-label={t("messages")} aria-live="polite" className="flex flex-col gap-4">
              {messages.map((message) => (
                <ChatMessageView key={message.id} message={message} />
              ))}
            </ol>
          )}
          <div ref={endRef} />
        </div>

        <div className="bg-background sticky bottom-0 pb-2">
          <ChatComposer
            status={status}
            canSend={chat.connection === "open" && opening === null}
            onSend={chat.send}
            onStop={chat.stop}
          />
        </div>
      </div>
    </section>
  );
}
