"use client";

import { Send, Square } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { Button } from "@/components/ui/button";
import { Textarea } from "@/components/ui/textarea";
import type { ChatStatus } from "@/hooks/use-agent-chat";

type ChatComposerProps = {
  status: ChatStatus;
  /** False while the socket is not open: typing is allowed, sending is not. */
  canSend: boolean;
  onSend: (text: string) => boolean;
  onStop: () => void;
};

/** The message box: Enter sends, Shift+Enter adds a line; Stop (or Escape) while the agent answers. */
export function ChatComposer({ status, canSend, onSend, onStop }: ChatComposerProps) {
  const t = useTranslations("playground");
  const [text, setText] = useState("");
  const running = status !== "ready";

  function submit(event?: FormEvent) {
    event?.preventDefault();
    if (running || !canSend || !text.trim()) return;
    if (onSend(text)) setText("");
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === "Escape" && running) {
      event.preventDefault();
      onStop();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      submit();
    }
  }

  return (
    <form onSubmit={submit} className="bg-card flex items-end gap-2 rounded-xl border p-2">
      <Textarea
        aria-label={t("messageLabel")}
        placeholder={t("placeholder")}
        value={text}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
        rows={2}
        className="max-h-48 min-h-12 resize-y border-0 focus-visible:ring-0"
      />
      {running ? (
        <Button type="button" variant="secondary" onClick={onStop} disabled={status === "stopping"}>
          <Square className="size-4" aria-hidden />
          {status === "stopping" ? t("stopping") : t("stop")}
        </Button>
      ) : (
        <Button type="submit" disabled={!canSend || !text.trim()}>
          <Send className="size-4" aria-hidden />
          {t("send")}
        </Button>
      )}
    </form>
  );
}
