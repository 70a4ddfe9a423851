"use client";

import { Loader2, WifiOff } from "lucide-react";
import { useTranslations } from "next-intl";
import { Button } from "@/components/ui/button";
import type { ConnectionState } from "@/hooks/use-agent-chat";

const reasons: Record<number, "auth" | "origin" | "agent"> = { 4401: "auth", 4403: "origin", 4404: "agent" };

/** Says when the live connection is not there, and offers to reconnect when it gave up. */
export function ConnectionBanner({
  connection,
  closeCode,
  onReconnect,
}: {
  connection: ConnectionState;
  closeCode: number | null;
  onReconnect: () => void;
}) {
  const t = useTranslations("playground.connection");
  if (connection === "open") return null;
  if (connection === "connecting" || connection === "reconnecting") {
    return (
      <p role="status" className="text-muted-foreground flex items-center gap-2 text-sm">
        <Loader2 className="size-4 animate-spin" aria-hidden />
        {t(connection)}
      </p>
    );
  }
  const reason = (closeCode !== null ? reasons[closeCode] : undefined) ?? "lost";
  return (
    <div role="alert" className="border-warning/50 bg-warning/10 flex flex-wrap items-center gap-3 rounded-lg border px-3 py-2 text-sm">
      <WifiOff className="text-warning size-4" aria-hidden />
      <span className="flex-1">{t(`offline.${reason}`)}</span>
      <Button size="sm" variant="secondary" onClick={onReconnect}>
        {t("reconnect")}
      </Button>
    </div>
  );
}
