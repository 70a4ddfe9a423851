"use client";

import { AlertTriangle, KeyRound, Pencil, Plus, Trash2 } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { deleteIntegration, updateIntegration, useIntegrationTools, type Integration } from "@/hooks/use-integrations";
import { useApiErrors } from "@/lib/api/use-api-errors";
import { authChoiceOf } from "./auth-form-model";
import { IntegrationDialog } from "./integration-dialog";
import { ToolDialog } from "./tool-dialog";
import { ToolRow } from "./tool-row";

/** One integration with its tools: a custom API (where, how it authenticates) or a built-in. */
export function IntegrationCard({ integration, onChanged }: { integration: Integration; onChanged: () => void }) {
  const t = useTranslations("tools");
  const ti = useTranslations("tools.integration");
  const tc = useTranslations("common");
  const toast = useToast();
  const apiErrors = useApiErrors();
  const tools = useIntegrationTools(integration.agent_id, integration.id);
  const [dialog, setDialog] = useState<"edit" | "delete" | "add-tool" | null>(null);
  const [toggling, setToggling] = useState(false);
  const builtin = integration.kind === "builtin";
  // A built-in keeps its default name unless renamed; the default is shown translated.
  const builtinName =
    (integration.builtin === "calculator" || integration.builtin === "current_time") &&
    integration.name === integration.builtin
      ? integration.builtin
      : null;
  const headingId = `integration-${integration.id}`;

  async function toggleEnabled() {
    setToggling(true);
    try {
      await updateIntegration(integration.id, { enabled: !integration.enabled });
      onChanged();
    } catch (error) {
      toast({ tone: "error", title: t("saveFailed"), description: apiErrors.describe(error) });
    } finally {
      setToggling(false);
    }
  }

  const refresh = () => {
    void tools.mutate();
    onChanged();
  };

  return (
    <Card data-testid="integration" aria-labelledby={headingId} className="flex flex-col gap-3">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="flex min-w-0 flex-col gap-1">
          <div className="flex flex-wrap items-center gap-2">
            <h3 id={headingId} className="font-semibold break-all">
              {builtinName ? t(`builtins.${builtinName}`) : integration.name}
            </h3>
            <Badge tone={builtin ? "primary" : "neutral"}>{builtin ? t("builtin") : t("customApi")}</Badge>
            {integration.enabled ? null : <Badge tone="warning">{t("disabled")}</Badge>}
          </div>
          {integration.base_url ? (
            <span className="text-muted-foreground font-mono text-xs break-all">{integration.base_url}</span>
          ) : null}
          {builtin ? null : (
            <div className="text-muted-foreground flex flex-wrap items-center gap-2 text-xs">
              <KeyRound className="size-3.5" aria-hidden />
              <span>{ti(`auth.${authChoiceOf(integration.auth_type, integration.auth_config)}`)}</span>
              {Object.entries(integration.secrets ?? {}).map(([field, mask]) => (
                <code key={field} className="bg-muted rounded px-1.5 py-0.5 font-mono" title={field}>
                  {field}: {mask}
                </code>
              ))}
            </div>
          )}
          {integration.missing_secrets.length > 0 ? (
            <p className="text-warning flex items-center gap-1 text-xs">
              <AlertTriangle className="size-3.5" aria-hidden />
              {t("missingSecrets", { fields: integration.missing_secrets.join(", ") })}
            </p>
          ) : null}
        </div>
        <div className="flex flex-wrap gap-1">
          <Button variant="secondary" size="sm" onClick={toggleEnabled} disabled={toggling} aria-pressed={integration.enabled}>
            {integration.enabled ? t("disable") : t("enable")}
          </Button>
          {builtin ? null : (
            <Button variant="ghost" size="icon" onClick={() => setDialog("edit")} aria-label={t("editIntegration", { name: integration.name })}>
              <Pencil className="size-4" aria-hidden />
            </Button>
          )}
          <Button variant="ghost" size="icon" onClick={() => setDialog("delete")} aria-label={t("deleteIntegration", { name: integration.name })}>
            <Trash2 className="size-4" aria-hidden />
          </Button>
        </div>
      </div>

      <div className="border-t">
        {tools.error && !tools.data ? (
          <div className="pt-3">
            <ErrorState error={tools.error} onRetry={() => tools.mutate()} />
          </div>
        ) : !tools.data ? (
          <div className="flex flex-col gap-2 pt-3" aria-busy="true">
            <Skeleton className="h-10" />
          </div>
        ) : tools.data.items.length === 0 ? (
          <p className="text-muted-foreground pt-3 text-sm">{t("noTools")}</p>
        ) : (
          <ul aria-label={t("toolsOf", { name: integration.name })} className="divide-y">
            {tools.data.items.map((tool) => (
              <ToolRow key={tool.id} tool={tool} builtin={builtin} onChanged={refresh} />
            ))}
          </ul>
        )}
        {builtin ? null : (
          <Button variant="secondary" size="sm" className="mt-2" onClick={() => setDialog("add-tool")}>
            <Plus className="size-4" aria-hidden />
            {t("addTool")}
          </Button>
        )}
      </div>

      {dialog === "edit" ? (
        <IntegrationDialog
          agentId={integration.agent_id}
          integration={integration}
          open
          onOpenChange={(open) => !open && setDialog(null)}
          onSaved={() => {
            toast({ tone: "success", title: t("integrationSaved") });
            onChanged();
          }}
        />
      ) : null}
      {dialog === "add-tool" ? (
        <ToolDialog
          integrationId={integration.id}
          open
          onOpenChange={(open) => !open && setDialog(null)}
          onSaved={(tool) => {
            toast({ tone: "success", title: t("toolAdded", { name: tool.name }) });
            refresh();
          }}
        />
      ) : null}
      <ConfirmDialog
        open={dialog === "delete"}
        onOpenChange={(open) => !open && setDialog(null)}
        title={t("deleteIntegrationTitle", { name: integration.name })}
        description={t("deleteIntegrationDescription", { count: integration.tool_count })}
        confirmLabel={tc("delete")}
        onConfirm={async () => {
          try {
            await deleteIntegration(integration.id);
            onChanged();
          } catch (error) {
            toast({ tone: "error", title: t("deleteFailed"), description: apiErrors.describe(error) });
          }
        }}
      />
    </Card>
  );
}
