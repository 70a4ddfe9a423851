import { PlaygroundTab } from "@/components/playground/playground-tab";

export default async function AgentPlaygroundPage({ params }: { params: Promise<{ agentId: string }> }) {
  const { agentId } = await params;
  return <PlaygroundTab agentId={agentId} />;
}
