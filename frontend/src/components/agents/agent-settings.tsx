"use client";

import { Skeleton } from "@/components/ui/skeleton";
import { useAgent } from "@/lib/api/hooks";
import { AgentForm } from "./agent-form";

/** The Settings tab: the agent form filled with the stored agent. */
export function AgentSettings({ agentId }: { agentId: string }) {
  const { data } = useAgent(agentId);
  // Load errors are shown once, by the surrounding AgentFrame.
  if (!data) {
    return (
      <div className="flex flex-col gap-4" aria-busy="true">
        <Skeleton className="h-64" />
        <Skeleton className="h-32" />
      </div>
    );
  }
  return <AgentForm key={data.id} agent={data} />;
}
