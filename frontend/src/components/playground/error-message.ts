/**
 * A provider or run error as a sentence for a person: the translated text for its stable
 * `code` (playground.errors.*), else the server's own message.
 */
import { useTranslations } from "next-intl";
import { useCallback } from "react";
import type { ChatError } from "@/hooks/use-agent-chat";

export function useErrorText(): (error: ChatError) => string {
  const t = useTranslations("playground.errors");
  return useCallback(
    (error: ChatError) => {
      // Codes are open-ended; the catalog covers the known ones.
      const key = error.code.replace(/[^a-z0-9_]/gi, "_") as Parameters<typeof t>[0];
      if (t.has(key)) return t(key);
      return error.message || t("unknown");
    },
    [t],
  );
}
