import { TracesTab } from "@/components/traces/traces-tab";

export default async function AgentTracesPage({ params }: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await params;
  return <TracesTab agentId={agentId} />;
}
