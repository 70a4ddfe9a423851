"use client";

import { Blocks, ChevronDown, FileJson, Plus } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { EmptyState } from "@/components/ui/empty-state";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { createIntegration, refreshIntegrations, useIntegrations } from "@/hooks/use-integrations";
import { useApiErrors } from "@/lib/api/use-api-errors";
import { IntegrationCard } from "./integration-card";
import { IntegrationDialog } from "./integration-dialog";
import { OpenApiImportDialog } from "./openapi-import-dialog";

const BUILTINS = ["calculator", "current_time"] as const;

/** The agent's integrations and tools: add a custom API, a built-in, or import OpenAPI. */
export function ToolsTab({ agentId }: { agentId: string }) {
  const t = useTranslations("tools");
  const tc = useTranslations("common");
  const toast = useToast();
  const apiErrors = useApiErrors();
  const { mutate } = useSWRConfig();
  const { data, error, isLoading, mutate: reload } = useIntegrations(agentId);
  const [dialog, setDialog] = useState<"custom" | "import" | null>(null);
  const refresh = () => void refreshIntegrations(mutate, agentId);
  const present = new Set(data?.items.map((integration) => integration.builtin).filter(Boolean));

  async function addBuiltin(builtin: (typeof BUILTINS)[number]) {
    try {
      await createIntegration(agentId, { kind: "builtin", builtin, auth_type: "none", enabled: true });
      toast({ tone: "success", title: t("builtinAdded", { name: t(`builtins.${builtin}`) }) });
      refresh();
    } catch (caught) {
      toast({ tone: "error", title: t("saveFailed"), description: apiErrors.describe(caught) });
    }
  }

  const actions = (
    <div className="flex flex-wrap gap-2">
      <Button onClick={() => setDialog("custom")}>
        <Plus className="size-4" aria-hidden />
        {t("addCustom")}
      </Button>
      <Button variant="secondary" onClick={() => setDialog("import")}>
        <FileJson className="size-4" aria-hidden />
        {t("importOpenApi")}
      </Button>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <Button variant="secondary">
            <Blocks className="size-4" aria-hidden />
            {t("addBuiltin")}
            <ChevronDown className="size-4" aria-hidden />
          </Button>
        </DropdownMenuTrigger>
        <DropdownMenuContent align="start">
          {BUILTINS.map((builtin) => (
            <DropdownMenuItem key={builtin} disabled={present.has(builtin)} onSelect={() => void addBuiltin(builtin)}>
              <div className="flex flex-col">
                <span>{t(`builtins.${builtin}`)}</span>
                <span className="text-muted-foreground text-xs">{t(`builtins.${builtin}Hint`)}</span>
              </div>
            </DropdownMenuItem>
          ))}
        </DropdownMenuContent>
      </DropdownMenu>
    </div>
  );

  return (
    <section aria-labelledby="tools-title" className="flex flex-col gap-4">
      <div className="flex flex-col gap-1">
        <h2 id="tools-title" className="text-lg font-semibold">
          {t("title")}
        </h2>
        <p className="text-muted-foreground text-sm">{t("intro")}</p>
      </div>
      {actions}

      {error && !data ? (
        <ErrorState error={error} onRetry={() => reload()} />
      ) : isLoading && !data ? (
        <div className="flex flex-col gap-3" aria-busy="true" aria-label={tc("loading")}>
          <Skeleton className="h-32" />
          <Skeleton className="h-32" />
        </div>
      ) : data && data.items.length === 0 ? (
        <EmptyState title={t("empty")} description={t("emptyHint")} />
      ) : (
        <div className="flex flex-col gap-3">
          {data?.items.map((integration) => (
            <IntegrationCard key={integration.id} integration={integration} onChanged={refresh} />
          ))}
        </div>
      )}

      {dialog === "custom" ? (
        <IntegrationDialog
          agentId={agentId}
          open
          onOpenChange={(open) => !open && setDialog(null)}
          onSaved={(integration) => {
            toast({ tone: "success", title: t("integrationAdded", { name: integration.name }), description: t("integrationAddedHint") });
            refresh();
          }}
        />
      ) : null}
      {dialog === "import" ? (
        <OpenApiImportDialog
          agentId={agentId}
          open
          onOpenChange={(open) => !open && setDialog(null)}
          onImported={(result) => {
            toast({ tone: "success", title: t("imported", { count: result.tools.length, name: result.integration.name }) });
            refresh();
          }}
        />
      ) : null}
    </section>
  );
}
