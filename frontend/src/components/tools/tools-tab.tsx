"use client";

// Owned by the second frontend helper (tools, playground, traces); this is the starting point.
import { useTranslations } from "next-intl";
import { EmptyState } from "@/components/ui/empty-state";

export function ToolsTab({ agentId }: { agentId: string }) {
  const t = useTranslations("tools");
  return (
    <section className="flex flex-col gap-4" data-agent-id={agentId}>
      <h2 className="text-lg font-semibold">{t("title")}</h2>
      <EmptyState title={t("empty")} />
    </section>
  );
}
