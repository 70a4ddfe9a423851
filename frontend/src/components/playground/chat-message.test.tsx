import { cleanup, render, screen } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it } from "vitest";
import de from "../../../messages/de.json";
import en from "../../../messages/en.json";
import type { ChatMessage } from "@/hooks/use-agent-chat";
import { ChatMessageView } from "./chat-message";

function inLocale(locale: "en" | "de", children: ReactNode) {
  return (
    <NextIntlClientProvider locale={locale} messages={locale === "en" ? en : de} timeZone="UTC">
      {children}
    </NextIntlClientProvider>
  );
}

const failed = (code: string, message: string): ChatMessage => ({
  id: "a1",
  role: "assistant",
  parts: [],
  status: "error",
  error: { code, message, retryable: code === "provider_rate_limited" },
});

afterEach(cleanup);

describe("ChatMessageView", () => {
  it("shows a provider error translated by its code, not the raw server text", () => {
    render(inLocale("en", <ChatMessageView message={failed("provider_auth_failed", "Error code: 401 - {'error': ...}")} />));
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("The model provider rejected the API key.");
    expect(alert.textContent).not.toContain("401");
  });

  it("speaks German on German pages and says when trying again may help", () => {
    render(inLocale("de", <ChatMessageView message={failed("provider_rate_limited", "429")} />));
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Der Modellanbieter drosselt die Anfragen.");
    expect(alert.textContent).toContain("Senden Sie die Nachricht gleich noch einmal.");
  });

  it("falls back to the server's message for a code it does not know", () => {
    render(inLocale("en", <ChatMessageView message={failed("brand_new_code", "Something specific happened")} />));
    expect(screen.getByRole("alert").textContent).toContain("Something specific happened");
  });

  it("renders text and tool-call parts in order, with the turn's metrics", () => {
    const message: ChatMessage = {
      id: "a2",
      role: "assistant",
      status: "complete",
      parts: [
        { type: "text", text: "Let me check." },
        { type: "tool_call", toolCallId: "c1", toolName: "get_weather", input: { city: "Oslo" }, state: "error", result: "HTTP 500", latencyMs: 12 },
        { type: "text", text: "The weather service is down." },
      ],
      metrics: { usage: { input_tokens: 1200, output_tokens: 34 }, costUsd: 0.00042, latencyMs: 1534, ttftMs: 88 },
    };
    const { container } = render(inLocale("en", <ChatMessageView message={message} />));
    const text = container.textContent ?? "";
    expect(text.indexOf("Let me check.")).toBeLessThan(text.indexOf("get_weather"));
    expect(text.indexOf("get_weather")).toBeLessThan(text.indexOf("The weather service is down."));
    expect(screen.getByText("Failed")).toBeTruthy();
    expect(screen.getByText("HTTP 500")).toBeTruthy();
    const metrics = screen.getByTestId("message-metrics").textContent ?? "";
    expect(metrics).toContain("1,200 in / 34 out tokens");
    expect(metrics).toContain("Cost $0.00042");
    expect(metrics).toContain("Took 1.53 s");
    expect(metrics).toContain("First token after 88 ms");
  });
});
