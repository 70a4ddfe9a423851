"use client";

import { PanelLeft } from "lucide-react";
import { useTranslations } from "next-intl";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { ConversationList } from "@/components/playground/conversation-list";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useConversations, useTraces } from "@/hooks/use-conversations";
import { Link, usePathname, useRouter } from "@/i18n/navigation";
import { cn } from "@/lib/utils";
import { runPages } from "./trace-pages";
import { TraceTimeline } from "./trace-timeline";

type ConversationTracesProps = { agentId: string; conversationId: string; limitPerPage?: number };

/** The conversation's runs, newest first, a page at a time. */
export function ConversationTraces({ agentId, conversationId, limitPerPage }: ConversationTracesProps) {
  const t = useTranslations("traces");
  const tc = useTranslations("common");
  const { data, error, isLoading, mutate, size, setSize } = useTraces(conversationId, limitPerPage);

  if (error && !data) return <ErrorState error={error} onRetry={() => mutate()} />;
  if (isLoading && !data) {
    return (
      <div className="flex flex-col gap-3" aria-busy="true" aria-label={tc("loading")}>
        <Skeleton className="h-40" />
        <Skeleton className="h-40" />
      </div>
    );
  }
  const { runs, remaining } = runPages(data ?? []);
  // The page asked for last has not arrived yet.
  const loadingMore = data !== undefined && data.length < size;
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Button variant="secondary" size="sm" onClick={() => mutate()}>
          {t("refresh")}
        </Button>
        <Link
          href={`/agents/${agentId}/playground?conversation=${conversationId}`}
          className="text-primary text-sm underline-offset-4 hover:underline"
        >
          {t("openInPlayground")}
        </Link>
      </div>
      {runs.length === 0 ? (
        <EmptyState title={t("noRuns")} />
      ) : (
        <>
          <p className="text-muted-foreground text-xs">{t("newestFirst")}</p>
          {runs.map(({ run, number }) => (
            <TraceTimeline key={run.id} run={run} number={number} />
          ))}
        </>
      )}
      {error && data ? <ErrorState error={error} onRetry={() => mutate()} /> : null}
      {remaining > 0 ? (
        <Button
          variant="secondary"
          className="self-center"
          disabled={loadingMore}
          aria-busy={loadingMore || undefined}
          onClick={() => setSize(size + 1)}
        >
          {t("more", { count: remaining })}
        </Button>
      ) : null}
    </div>
  );
}

/** Pick a conversation and read what each run of it did, and how long and how much it cost. */
export function TracesTab({ agentId }: { agentId: string }) {
  const t = useTranslations("traces");
  const router = useRouter();
  const pathname = usePathname();
  const searchParams = useSearchParams();
  const conversations = useConversations(agentId);
  const [listOpen, setListOpen] = useState(false);
  const selected = searchParams.get("conversation") ?? conversations.data?.items[0]?.id ?? null;

  const choose = (id: string) => {
    setListOpen(false);
    router.replace(`${pathname}?conversation=${encodeURIComponent(id)}`, { scroll: false });
  };

  const noConversations = conversations.data && conversations.data.items.length === 0;

  return (
    <section aria-labelledby="traces-title" className="grid gap-4 md:grid-cols-[16rem_minmax(0,1fr)]">
      <div className={cn("md:block", listOpen ? "block" : "hidden")}>
        <div className="bg-card rounded-lg border p-3">
          <ConversationList
            agentId={agentId}
            activeId={selected}
            disabled={false}
            onOpen={choose}
            onDeleted={(id) => {
              if (id === selected) router.replace(pathname, { scroll: false });
            }}
          />
        </div>
      </div>
      <div className="flex min-w-0 flex-col gap-3">
        <div className="flex flex-wrap items-center gap-2">
          <Button
            variant="secondary"
            size="sm"
            className="md:hidden"
            aria-expanded={listOpen}
            onClick={() => setListOpen((value) => !value)}
          >
            <PanelLeft className="size-4" aria-hidden />
            {t("pickConversation")}
          </Button>
          <h2 id="traces-title" className="text-lg font-semibold">
            {t("title")}
          </h2>
        </div>
        {conversations.error && !conversations.data ? (
          <ErrorState error={conversations.error} onRetry={() => conversations.mutate()} />
        ) : noConversations ? (
          <EmptyState
            title={t("empty")}
            description={t("emptyHint")}
            action={
              <Button asChild>
                <Link href={`/agents/${agentId}/playground`}>{t("goToPlayground")}</Link>
              </Button>
            }
          />
        ) : selected ? (
          <ConversationTraces key={selected} agentId={agentId} conversationId={selected} />
        ) : (
          <Skeleton className="h-40" />
        )}
      </div>
    </section>
  );
}
