"use client";

import { ArrowLeft } from "lucide-react";
import { useTranslations } from "next-intl";
import type { ReactNode } from "react";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { Button } from "@/components/ui/button";
import { tabTriggerClasses } from "@/components/ui/tabs";
import { Link, usePathname } from "@/i18n/navigation";
import { ApiError } from "@/lib/api/errors";
import { useAgent } from "@/lib/api/hooks";
import { AgentStatusBadge } from "./agent-status-badge";

const tabs = [
  { segment: "", key: "settings" },
  { segment: "/tools", key: "tools" },
  { segment: "/playground", key: "playground" },
  { segment: "/traces", key: "traces" },
] as const;

/** The agent page around its tabs: name, status, model, and one route per tab. */
export function AgentFrame({ agentId, children }: { agentId: string; children: ReactNode }) {
  const t = useTranslations("agent");
  const tc = useTranslations("common");
  const pathname = usePathname();
  const { data: agent, error, mutate } = useAgent(agentId);
  const base = `/agents/${agentId}`;

  if (error instanceof ApiError && (error.status === 404 || error.status === 422)) {
    return (
      <EmptyState
        title={t("notFound")}
        action={
          <Button asChild variant="secondary">
            <Link href="/agents">{tc("backToAgents")}</Link>
          </Button>
        }
      />
    );
  }

  return (
    <div className="flex flex-col gap-4">
      <Link
        href="/agents"
        className="text-muted-foreground hover:text-foreground flex w-fit items-center gap-1 text-sm"
      >
        <ArrowLeft className="size-4" aria-hidden />
        {tc("backToAgents")}
      </Link>
      {error && !agent ? (
        <ErrorState error={error} onRetry={() => mutate()} />
      ) : agent ? (
        <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
          <h1 className="text-2xl font-semibold break-all">{agent.name}</h1>
          <AgentStatusBadge status={agent.status} />
          <span className="text-muted-foreground font-mono text-xs">
            {agent.provider} · {agent.model}
          </span>
        </div>
      ) : (
        <Skeleton className="h-8 w-64" />
      )}
      <nav aria-label={t("tabs.label")} className="flex gap-1 overflow-x-auto border-b">
        {tabs.map((tab) => {
          const href = `${base}${tab.segment}`;
          return (
            <Link
              key={tab.key}
              href={href}
              aria-current={pathname === href ? "page" : undefined}
              className={tabTriggerClasses}
            >
              {t(`tabs.${tab.key}`)}
            </Link>
          );
        })}
      </nav>
      <div>{children}</div>
    </div>
  );
}
