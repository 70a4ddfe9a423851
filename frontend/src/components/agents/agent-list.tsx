"use client";

import { MoreHorizontal, Plus, Search } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { Link } from "@/i18n/navigation";
import { api, unwrap } from "@/lib/api/client";
import { isAgentListKey, useAgents, type Agent, type AgentStatus } from "@/lib/api/hooks";
import { AgentStatusBadge } from "./agent-status-badge";
import { useApiErrors } from "@/lib/api/use-api-errors";

const PAGE_SIZE = 12;
const STATUSES: AgentStatus[] = ["active", "draft", "inactive"];

function parseStatus(value: string | null): AgentStatus | "all" {
  return STATUSES.includes(value as AgentStatus) ? (value as AgentStatus) : "all";
}

function parseOffset(value: string | null): number {
  const offset = Number(value);
  return Number.isInteger(offset) && offset > 0 ? offset : 0;
}

/** Debounce a value so typing in the search box does not fire a request per key. */
function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function AgentList() {
  const apiErrors = useApiErrors();
  const t = useTranslations("agents");
  const tc = useTranslations("common");
  // Search, filter and page live in the URL (?q=&status=&offset=), so Back and reload keep them.
  const params = useSearchParams();
  const [search, setSearch] = useState(() => params.get("q") ?? "");
  const [status, setStatus] = useState<AgentStatus | "all">(() => parseStatus(params.get("status")));
  const q = useDebounced(search, 250);
  // The page belongs to one search and filter: changing either starts again at the first page.
  const filterKey = `${q}\u0000${status}`;
  const [page, setPage] = useState(() => ({ filterKey, offset: parseOffset(params.get("offset")) }));
  const offset = page.filterKey === filterKey ? page.offset : 0;
  const setOffset = (next: number) => setPage({ filterKey, offset: next });
  const [deleting, setDeleting] = useState<Agent | null>(null);
  const toast = useToast();
  const { mutate } = useSWRConfig();

  const query = { limit: PAGE_SIZE, offset, q: q || undefined, status: status === "all" ? undefined : status };

  useEffect(() => {
    const url = new URL(window.location.href);
    const wanted: Record<string, string> = { q, status: status === "all" ? "" : status, offset: offset ? String(offset) : "" };
    for (const [key, value] of Object.entries(wanted)) {
      if (value) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, "", url);
  }, [q, status, offset]);
  const { data, error, isLoading, mutate: reload } = useAgents(query);
  const filtered = Boolean(q) || status !== "all";

  async function deleteAgent(agent: Agent) {
    try {
      unwrap(await api.DELETE("/api/v1/agents/{agent_id}", { params: { path: { agent_id: agent.id } } }));
      toast({ title: t("deleted", { name: agent.name }), tone: "success" });
      if (data && data.items.length === 1 && offset > 0) setOffset(Math.max(0, offset - PAGE_SIZE));
      await mutate(isAgentListKey);
    } catch (err) {
      toast({ title: t("deleteFailed"), description: apiErrors.describe(err), tone: "error" });
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">{t("title")}</h1>
        <Button asChild>
          <Link href="/agents/new">
            <Plus className="size-4" aria-hidden />
            {t("newAgent")}
          </Link>
        </Button>
      </div>

      <div className="flex flex-col gap-3 sm:flex-row">
        <div className="relative flex-1">
          <Search className="text-muted-foreground absolute top-2.5 left-3 size-4" aria-hidden />
          <Input
            type="search"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder={t("searchPlaceholder")}
            aria-label={t("searchLabel")}
            className="pl-9"
          />
        </div>
        <Select
          aria-label={t("statusFilter")}
          value={status}
          onValueChange={(value) => setStatus(value as AgentStatus | "all")}
          className="sm:w-48"
          options={[
            { value: "all", label: t("allStatuses") },
            ...STATUSES.map((value) => ({ value, label: t(`status.${value}`) })),
          ]}
        />
      </div>

      {error && !data ? (
        <ErrorState error={error} onRetry={() => reload()} />
      ) : isLoading && !data ? (
        <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-busy="true" aria-label={tc("loading")}>
          {Array.from({ length: 6 }, (_, index) => (
            <Skeleton key={index} className="h-36" />
          ))}
        </div>
      ) : data && data.items.length === 0 ? (
        filtered ? (
          <EmptyState
            title={t("noMatchesTitle")}
            description={t("noMatchesDescription")}
            action={
              <Button
                variant="secondary"
                onClick={() => {
                  setSearch("");
                  setStatus("all");
                }}
              >
                {t("clearFilters")}
              </Button>
            }
          />
        ) : (
          <EmptyState
            title={t("emptyTitle")}
            description={t("emptyDescription")}
            action={
              <Button asChild>
                <Link href="/agents/new">
                  <Plus className="size-4" aria-hidden />
                  {t("emptyCreate")}
                </Link>
              </Button>
            }
          />
        )
      ) : data ? (
        <>
          <ul className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3" aria-label={t("listLabel")}>
            {data.items.map((agent) => (
              <li key={agent.id}>
                <AgentCard agent={agent} onDelete={() => setDeleting(agent)} />
              </li>
            ))}
          </ul>
          <Pagination
            offset={data.offset}
            limit={data.limit}
            total={data.total}
            onChange={setOffset}
          />
        </>
      ) : null}

      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={t("deleteTitle", { name: deleting?.name ?? "" })}
        description={t("deleteDescription")}
        confirmLabel={tc("delete")}
        onConfirm={() => (deleting ? deleteAgent(deleting) : undefined)}
      />
    </div>
  );
}

function AgentCard({ agent, onDelete }: { agent: Agent; onDelete: () => void }) {
  const t = useTranslations("agents");
  const format = useFormatter();
  const activity = agent.last_activity_at
    ? t("lastActivity", { when: format.relativeTime(new Date(agent.last_activity_at)) })
    : t("noActivity");

  return (
    <Card className="focus-within:ring-ring relative flex h-full flex-col gap-3 transition hover:shadow-md focus-within:ring-2">
      <div className="flex items-start justify-between gap-2">
        <div className="flex min-w-0 flex-col gap-1">
          <h2 className="truncate font-semibold">
            <Link href={`/agents/${agent.id}`} className="outline-none after:absolute after:inset-0">
              {agent.name}
            </Link>
          </h2>
          <p className="text-muted-foreground truncate font-mono text-xs">
            {agent.provider} · {agent.model}
          </p>
        </div>
        <div className="relative z-10 flex items-center gap-1">
          <AgentStatusBadge status={agent.status} />
          <DropdownMenu>
            <DropdownMenuTrigger asChild>
              <Button variant="ghost" size="icon" className="size-8" aria-label={t("actionsFor", { name: agent.name })}>
                <MoreHorizontal className="size-4" aria-hidden />
              </Button>
            </DropdownMenuTrigger>
            <DropdownMenuContent>
              <DropdownMenuItem asChild>
                <Link href={`/agents/${agent.id}`}>{t("open")}</Link>
              </DropdownMenuItem>
              <DropdownMenuItem className="text-destructive" onSelect={onDelete}>
                {t("deleteAgent")}
              </DropdownMenuItem>
            </DropdownMenuContent>
          </DropdownMenu>
        </div>
      </div>
      {agent.description ? (
        <p className="text-muted-foreground line-clamp-2 text-sm">{agent.description}</p>
      ) : null}
      <p className="text-muted-foreground mt-auto text-xs">{activity}</p>
    </Card>
  );
}

function Pagination({
  offset,
  limit,
  total,
  onChange,
}: {
  offset: number;
  limit: number;
  total: number;
  onChange: (offset: number) => void;
}) {
  const tc = useTranslations("common");
  if (total <= limit && offset === 0) return null;
  return (
    <nav className="flex items-center justify-between gap-3" aria-label={tc("pageOf", { from: offset + 1, to: Math.min(offset + limit, total), total })}>
      <p className="text-muted-foreground text-sm">
        {tc("pageOf", { from: Math.min(offset + 1, total), to: Math.min(offset + limit, total), total })}
      </p>
      <div className="flex gap-2">
        <Button variant="secondary" size="sm" disabled={offset === 0} onClick={() => onChange(Math.max(0, offset - limit))}>
          {tc("previous")}
        </Button>
        <Button variant="secondary" size="sm" disabled={offset + limit >= total} onClick={() => onChange(offset + limit)}>
          {tc("next")}
        </Button>
      </div>
    </nav>
  );
}
