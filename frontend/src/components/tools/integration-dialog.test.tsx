import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { NextIntlClientProvider } from "next-intl";
import { afterEach, describe, expect, it, vi } from "vitest";
import de from "../../../messages/de.json";
import en from "../../../messages/en.json";
import { updateIntegration, type Integration } from "@/hooks/use-integrations";
import { ApiError } from "@/lib/api/errors";
import { IntegrationDialog } from "./integration-dialog";

vi.mock("@/hooks/use-integrations", () => ({ createIntegration: vi.fn(), updateIntegration: vi.fn() }));
const mockedUpdate = vi.mocked(updateIntegration);

const SAVED: Integration = {
  id: "i1",
  agent_id: "a1",
  kind: "custom_api",
  builtin: null,
  name: "Billing",
  base_url: "https://billing.example.com",
  auth_type: "bearer",
  auth_config: {},
  secrets: { token: "sk-…abcd" },
  missing_secrets: [],
  enabled: true,
  tool_count: 1,
  has_openapi_spec: false,
  created_at: "2026-01-01T00:00:00Z",
  updated_at: "2026-01-01T00:00:00Z",
};

const REFUSAL = new ApiError(409, "conflict:secret_retarget", "Enter them again or confirm", {
  secrets: ["token"],
  moves: [{ setting: "base_url", from: "https://billing.example.com", to: "https://elsewhere.example" }],
});

function renderDialog(locale: "en" | "de" = "en") {
  const onSaved = vi.fn();
  render(
    <NextIntlClientProvider locale={locale} messages={locale === "en" ? en : de} timeZone="UTC">
      <IntegrationDialog agentId="a1" integration={SAVED} open onOpenChange={() => {}} onSaved={onSaved} />
    </NextIntlClientProvider>,
  );
  return onSaved;
}

async function moveAndSave(save = "Save", baseUrl = "Base URL") {
  mockedUpdate.mockRejectedValueOnce(REFUSAL);
  fireEvent.change(screen.getByLabelText(baseUrl), { target: { value: "https://elsewhere.example" } });
  fireEvent.click(screen.getByRole("button", { name: save }));
  return screen.findByRole("alert");
}

afterEach(() => {
  cleanup();
  mockedUpdate.mockReset();
});

describe("IntegrationDialog: moving saved credentials", () => {
  it("asks before sending the saved secrets to the new address, then sends the confirmation", async () => {
    const onSaved = renderDialog();
    const alert = await moveAndSave();
    expect(alert.textContent).toContain("saved credentials (Token)");
    expect(alert.textContent).toContain("https://elsewhere.example instead of https://billing.example.com");
    expect(mockedUpdate.mock.calls[0]![1]).not.toHaveProperty("confirm_secret_retarget");

    mockedUpdate.mockResolvedValueOnce({ ...SAVED, base_url: "https://elsewhere.example" });
    fireEvent.click(screen.getByRole("button", { name: "Send the saved credentials there" }));
    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(mockedUpdate.mock.calls[1]![1]).toMatchObject({
      base_url: "https://elsewhere.example",
      confirm_secret_retarget: true,
    });
  });

  it("sends a secret typed again instead of confirming", async () => {
    renderDialog();
    await moveAndSave();
    fireEvent.click(screen.getByRole("button", { name: "Replace" }));
    fireEvent.change(screen.getByLabelText("Token"), { target: { value: "sk-new-token" } });
    expect(screen.getByRole("button", { name: "Send the saved credentials there" }).hasAttribute("disabled")).toBe(true);

    mockedUpdate.mockResolvedValueOnce(SAVED);
    fireEvent.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(mockedUpdate).toHaveBeenCalledTimes(2));
    const body = mockedUpdate.mock.calls[1]![1];
    expect(body).toMatchObject({ secrets: { token: "sk-new-token" } });
    expect(body).not.toHaveProperty("confirm_secret_retarget");
  });

  it("asks in German on a German page", async () => {
    renderDialog("de");
    const alert = await moveAndSave("Speichern", "Basis-URL");
    expect(alert.textContent).toContain("Gespeicherte Zugangsdaten an eine neue Adresse senden?");
    expect(screen.getByRole("button", { name: "Gespeicherte Zugangsdaten dorthin senden" })).toBeTruthy();
  });
});
