"use client";

import { useTranslations } from "next-intl";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import type { AgentStatus } from "@/lib/api/hooks";

const tone: Record<AgentStatus, BadgeTone> = { active: "success", draft: "neutral", inactive: "warning" };

export function AgentStatusBadge({ status }: { status: AgentStatus }) {
  const t = useTranslations("agents.status");
  return <Badge tone={tone[status]}>{t(status)}</Badge>;
}
