import { ToolsTab } from "@/components/tools/tools-tab";

export default async function AgentToolsPage({ params }: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await params;
  return <ToolsTab agentId={agentId} />;
}
