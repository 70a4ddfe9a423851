import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "@playwright/test";
import { expect, OWNER, signIn, snap, test } from "./fixtures";

const backend = resolve(fileURLToPath(new URL("../../backend", import.meta.url)));

/** An account in a workspace of its own, made the way only an operator can: the CLI. */
function createAccountElsewhere(email: string, password: string, workspace: string): void {
  const made = spawnSync(
    resolve(backend, ".venv/bin/python"),
    ["-m", "app", "users", "create", "--email", email, "--name", "Olga Other", "--workspace-name", workspace, "--password-stdin"],
    {
      cwd: backend,
      input: `${password}\n`,
      encoding: "utf8",
      env: {
        ...process.env,
        ENVIRONMENT: "development",
        DATABASE_URL: process.env.E2E_DATABASE_URL ?? "",
        DATA_DIR: process.env.E2E_DATA_DIR ?? "",
      },
    },
  );
  expect(made.status, made.stderr).toBe(0);
}

/** A browser of its own for the invitee: none of the owner's cookies. */
async function inviteePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ baseURL: process.env.E2E_BASE_URL });
  return context.newPage();
}

/** The page's own alert (Next.js keeps an empty route announcer with role alert too). */
function pageAlert(page: Page) {
  return page.getByRole("main").getByRole("alert");
}

async function readLink(page: Page): Promise<string> {
  const dialog = page.getByRole("dialog", { name: "Invitation link" });
  const link = (await dialog.getByLabel("Invitation link").textContent())?.trim() ?? "";
  expect(link).toMatch(/\/invite#[\w-]{20,}$/);
  await dialog.getByRole("button", { name: "Close" }).first().click();
  return link;
}

test("an admin invites someone new, who sets their own password and lands in the workspace", async ({ page, browser }) => {
  await signIn(page);
  await page.goto("/settings");
  const email = `newcomer-${Date.now()}@example.com`;

  await page.getByRole("button", { name: "Invite", exact: true }).click();
  const form = page.getByRole("dialog", { name: "Invite someone" });
  await form.getByLabel("Email").fill("not an email");
  await form.getByRole("button", { name: "Create invitation" }).click();
  await expect(form.locator("#invite-email-error")).toBeVisible();
  await form.getByLabel("Email").fill(email);
  await form.getByRole("button", { name: "Create invitation" }).click();
  await expect(page.getByText("Invitation created", { exact: true })).toBeVisible();
  await snap(page, "invitation-link");
  const link = await readLink(page);

  // Pending, not a member; the link is not shown again.
  const pending = page.getByRole("list", { name: "Pending invitations" }).getByRole("listitem").filter({ hasText: email });
  await expect(pending).toContainText("Invited by Ada Owner");
  await expect(page.getByText(link)).toHaveCount(0);
  await snap(page, "settings-pending-invitations");

  const invitee = await inviteePage(browser);
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: `Join ${OWNER.workspace}` })).toBeVisible();
  await expect(invitee.getByText(`You are invited to ${OWNER.workspace} as Member.`)).toBeVisible();
  await expect(invitee).not.toHaveURL(/#/); // the token left the address bar
  await snap(invitee, "invite-new-person");
  await invitee.getByLabel("Your name").fill("Nina Newcomer");
  await invitee.getByLabel("Password").fill("short");
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(invitee.locator("#invite-password-error")).toBeVisible();
  await invitee.getByLabel("Password").fill("ninas own password");
  await invitee.getByRole("button", { name: "Create account and join" }).click();
  await expect(invitee).toHaveURL(/\/agents$/);
  const me = await (await invitee.request.get("/api/v1/auth/me")).json();
  expect([me.workspace.name, me.role, me.user.email]).toEqual([OWNER.workspace, "member", email]);

  // Single use: the same link now says so.
  await invitee.goto(link);
  await expect(pageAlert(invitee)).toHaveText("This invitation was already used.");
  await invitee.context().close();

  await page.reload();
  await expect(page.getByRole("listitem").filter({ hasText: email })).toContainText("Nina Newcomer");
  await expect(pending).toHaveCount(0);

  // A second invitation, revoked: its link stops working.
  await page.getByRole("button", { name: "Invite", exact: true }).click();
  await form.getByLabel("Email").fill(`withdrawn-${Date.now()}@example.com`);
  await form.getByRole("button", { name: "Create invitation" }).click();
  const revokedLink = await readLink(page);
  await page.getByRole("button", { name: /^Revoke the invitation for withdrawn-/ }).click();
  await page.getByRole("alertdialog").getByRole("button", { name: "Revoke" }).click();
  await expect(page.getByText("Invitation revoked", { exact: true })).toBeVisible();
  await expect(page.getByText("No pending invitations.")).toBeVisible();
  const stranger = await inviteePage(browser);
  await stranger.goto(revokedLink);
  await expect(pageAlert(stranger)).toHaveText("This invitation was withdrawn. Ask for a new one.");
  await stranger.context().close();
});

test("an account of another workspace signs in from the link, accepts, and keeps both workspaces", async ({ page, browser }) => {
  const email = `olga-${Date.now()}@example.com`;
  const password = "olgas own password";
  createAccountElsewhere(email, password, "Other Co");

  await signIn(page);
  const created = await page.request.post("/api/v1/workspace/invitations", { data: { email, role: "admin" } });
  expect(created.status()).toBe(201);
  const first = await created.json();
  // Nothing about the existing account: no name, the same shape as for anyone.
  expect(JSON.stringify(first)).not.toContain("Olga");

  // The admin makes a new link (the first one stops working) and sends that one.
  await page.goto("/settings");
  await page.getByRole("button", { name: `New link for ${email}` }).click();
  const link = await readLink(page);
  expect(link).not.toContain(first.token);

  const invitee = await inviteePage(browser);
  await invitee.goto(`/invite#${first.token}`);
  await expect(pageAlert(invitee)).toContainText("not valid");
  await invitee.goto(link);
  await expect(invitee.getByRole("heading", { name: `Join ${OWNER.workspace}` })).toBeVisible();
  // Signed out: sign in, and come back to the invitation.
  await invitee.getByRole("link", { name: "Sign in to accept" }).click();
  await expect(invitee).toHaveURL(/\/login\?next=/);
  await invitee.getByLabel("Email").fill(email);
  await invitee.getByLabel("Password").fill(password);
  await invitee.getByRole("button", { name: "Sign in" }).click();
  await expect(invitee).toHaveURL(/\/invite$/);
  await expect(invitee.getByText(`Signed in as ${email}.`)).toBeVisible();
  await expect(invitee.getByText(`You are invited to ${OWNER.workspace} as Admin.`)).toBeVisible();
  await snap(invitee, "invite-signed-in");
  await invitee.getByRole("button", { name: "Accept and join" }).click();
  await expect(invitee).toHaveURL(/\/agents$/);
  const me = await (await invitee.request.get("/api/v1/auth/me")).json();
  expect([me.workspace.name, me.role]).toEqual([OWNER.workspace, "admin"]);

  // Signing in again still opens the account's own workspace; the new one is there too.
  const home = await invitee.request.post("/api/v1/auth/login", { data: { email, password } });
  expect((await home.json()).workspace.name).toBe("Other Co");
  const joined = await invitee.request.post("/api/v1/auth/login", {
    data: { email, password, workspace_id: me.workspace.id },
  });
  expect((await joined.json()).role).toBe("admin");
  await invitee.context().close();

  await page.reload();
  await expect(page.getByRole("listitem").filter({ hasText: email })).toContainText("Olga Other");
});

test("signed in as someone else: the page says whose invitation it is", async ({ page, browser }) => {
  await signIn(page);
  const email = `someone-${Date.now()}@example.com`;
  const created = await (await page.request.post("/api/v1/workspace/invitations", { data: { email } })).json();

  // The owner opens a link meant for another person.
  await page.goto(`/invite#${created.token}`);
  await expect(pageAlert(page)).toHaveText(`You are signed in as ${OWNER.email}, but this invitation is for ${email}.`);
  await page.getByRole("button", { name: "Sign out and continue" }).click();
  await expect(page.getByRole("button", { name: "Create account and join" })).toBeVisible();

  // Declining ends it for good.
  await page.getByRole("button", { name: "Decline" }).click();
  await expect(pageAlert(page)).toHaveText(`You declined the invitation to ${OWNER.workspace}.`);
  const other = await inviteePage(browser);
  await other.goto(`/invite#${created.token}`);
  await expect(pageAlert(other)).toHaveText("This invitation was declined.");
  await other.context().close();
});
