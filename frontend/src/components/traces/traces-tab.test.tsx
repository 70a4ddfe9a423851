import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import type { ReactNode } from "react";
import { SWRConfig } from "swr";
import { afterEach, describe, expect, it, vi } from "vitest";
import de from "../../../messages/de.json";
import en from "../../../messages/en.json";
import type { TraceNode, Traces } from "@/hooks/use-conversations";
import { api } from "@/lib/api/client";
import { ConversationTraces } from "./traces-tab";

vi.mock("@/lib/api/client", () => ({
  api: { GET: vi.fn() },
  unwrap: (result: { data: unknown; response: Response }) => {
    if (!result.response.ok) throw new Error("The server could not load this page.");
    return result.data;
  },
}));
vi.mock("@/i18n/navigation", () => ({
  Link: ({ href, children, ...rest }: { href: string; children: ReactNode }) => (
    <a href={href} {...rest}>
      {children}
    </a>
  ),
}));
const get = vi.mocked(api.GET);

function run(number: number): TraceNode {
  return {
    id: `run-${number}`,
    conversation_id: "c1",
    message_id: null,
    parent_id: null,
    kind: "run",
    name: "Weather bot",
    input: null,
    output: null,
    started_at: `2026-01-01T10:0${number}:00.000Z`,
    ended_at: null,
    latency_ms: 100,
    ttft_ms: null,
    input_tokens: null,
    output_tokens: null,
    cost_usd: null,
    error: null,
    children: [],
  };
}

/** The API: three runs, two per page, newest first. */
function serveThreeRuns() {
  const runs = [run(3), run(2), run(1)];
  get.mockImplementation((async (_path: string, init: { params: { query: { limit: number; offset: number } } }) => {
    const { limit, offset } = init.params.query;
    const data: Traces = { items: runs.slice(offset, offset + limit), total: runs.length, limit, offset };
    return { data, response: new Response() };
  }) as never);
}

function renderTraces(locale: "en" | "de" = "en") {
  render(
    <SWRConfig value={{ provider: () => new Map(), dedupingInterval: 0, shouldRetryOnError: false }}>
      <NextIntlClientProvider locale={locale} messages={locale === "en" ? en : de} timeZone="UTC">
        <ConversationTraces agentId="a1" conversationId="c1" limitPerPage={2} />
      </NextIntlClientProvider>
    </SWRConfig>,
  );
}

const headings = () => screen.getAllByTestId("trace-run").map((card) => within(card).getByRole("heading").textContent);

afterEach(() => {
  cleanup();
  get.mockReset();
});

describe("ConversationTraces", () => {
  it("shows the newest runs first and loads the older ones on demand", async () => {
    serveThreeRuns();
    renderTraces();
    expect(await screen.findByRole("heading", { name: /Run 3/ })).toBeTruthy();
    expect(headings()).toEqual([expect.stringMatching(/^Run 3/), expect.stringMatching(/^Run 2/)]);

    fireEvent.click(screen.getByRole("button", { name: "Show 1 older run" }));
    expect(await screen.findByRole("heading", { name: /Run 1/ })).toBeTruthy();
    expect(headings()).toHaveLength(3);
    expect(screen.queryByRole("button", { name: /older run/ })).toBeNull();
    expect(get.mock.calls.map((call) => (call[1] as { params: { query: unknown } }).params.query)).toEqual([
      { limit: 2, offset: 0 },
      { limit: 2, offset: 2 },
    ]);
  });

  it("says it in German", async () => {
    serveThreeRuns();
    renderTraces("de");
    expect(await screen.findByRole("button", { name: "1 älteren Lauf anzeigen" })).toBeTruthy();
    expect(screen.getByText("Neuester Lauf zuerst.")).toBeTruthy();
  });

  it("keeps the loaded runs and offers a retry when the next page fails", async () => {
    serveThreeRuns();
    renderTraces();
    await screen.findByRole("heading", { name: /Run 2/ });
    get.mockImplementationOnce((async () => ({
      error: { error: { code: "internal", message: "boom" } },
      response: new Response(null, { status: 500 }),
    })) as never);
    fireEvent.click(screen.getByRole("button", { name: "Show 1 older run" }));
    const alert = await screen.findByRole("alert");
    expect(headings()).toHaveLength(2);

    serveThreeRuns();
    fireEvent.click(within(alert).getByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("heading", { name: /Run 1/ })).toBeTruthy();
    expect(screen.queryByRole("alert")).toBeNull();
  });
});
