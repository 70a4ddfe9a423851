"use client";

import { Pencil, Play, Trash2 } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { useToast } from "@/components/ui/toast";
import { deleteTool, type Tool } from "@/hooks/use-integrations";
import { useApiErrors } from "@/lib/api/use-api-errors";
import { ToolDialog } from "./tool-dialog";
import { ToolTestDialog } from "./tool-test-dialog";

/** One tool: what it calls, and Test / Edit / Delete. */
export function ToolRow({ tool, builtin, onChanged }: { tool: Tool; builtin: boolean; onChanged: () => void }) {
  const t = useTranslations("tools");
  const tc = useTranslations("common");
  const toast = useToast();
  const apiErrors = useApiErrors();
  const [dialog, setDialog] = useState<"test" | "edit" | "delete" | null>(null);

  return (
    <li data-testid="tool-row" className="flex flex-col gap-2 py-3 sm:flex-row sm:items-start sm:justify-between">
      <div className="flex min-w-0 flex-col gap-1">
        <div className="flex flex-wrap items-center gap-2">
          <span className="font-mono text-sm font-medium break-all">{tool.name}</span>
          {builtin ? null : (
            <span className="text-muted-foreground font-mono text-xs break-all">
              {tool.method} {tool.path}
            </span>
          )}
          {tool.enabled ? null : <Badge tone="warning">{t("disabled")}</Badge>}
        </div>
        {tool.description ? <p className="text-muted-foreground line-clamp-2 text-sm">{tool.description}</p> : null}
      </div>
      <div className="flex shrink-0 gap-1">
        <Button variant="secondary" size="sm" onClick={() => setDialog("test")} aria-label={t("testTool", { name: tool.name })}>
          <Play className="size-4" aria-hidden />
          {t("testButton")}
        </Button>
        <Button variant="ghost" size="icon" onClick={() => setDialog("edit")} aria-label={t("editTool", { name: tool.name })}>
          <Pencil className="size-4" aria-hidden />
        </Button>
        <Button variant="ghost" size="icon" onClick={() => setDialog("delete")} aria-label={t("deleteTool", { name: tool.name })}>
          <Trash2 className="size-4" aria-hidden />
        </Button>
      </div>
      {dialog === "test" ? <ToolTestDialog tool={tool} open onOpenChange={(open) => !open && setDialog(null)} /> : null}
      {dialog === "edit" ? (
        <ToolDialog
          integrationId={tool.integration_id}
          tool={tool}
          builtin={builtin}
          open
          onOpenChange={(open) => !open && setDialog(null)}
          onSaved={() => {
            toast({ tone: "success", title: t("toolSaved") });
            onChanged();
          }}
        />
      ) : null}
      <ConfirmDialog
        open={dialog === "delete"}
        onOpenChange={(open) => !open && setDialog(null)}
        title={t("deleteToolTitle", { name: tool.name })}
        description={t("deleteToolDescription")}
        confirmLabel={tc("delete")}
        onConfirm={async () => {
          try {
            await deleteTool(tool.id);
            onChanged();
          } catch (error) {
            toast({ tone: "error", title: t("deleteFailed"), description: apiErrors.describe(error) });
          }
        }}
      />
    </li>
  );
}
