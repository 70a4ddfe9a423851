"use client";

import { useFormatter, useLocale, useTranslations } from "next-intl";
import { useEffect, useState, useSyncExternalStore, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { getPathname, useRouter } from "@/i18n/navigation";
import type { Locale } from "@/i18n/routing";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { useMe } from "@/lib/api/hooks";
import { useApiErrors } from "@/lib/api/use-api-errors";

type Preview = Schemas["InvitationPreview"];

// The token arrives in the URL fragment (never sent to a server). It is kept for this tab only,
// so a detour through the login page can come back to it without putting it in a URL.
const STORAGE_KEY = "ab_invite_token";

function currentToken(): string | null {
  return window.location.hash.replace(/^#/, "").trim() || window.sessionStorage.getItem(STORAGE_KEY);
}

function subscribeToHash(onChange: () => void): () => void {
  window.addEventListener("hashchange", onChange);
  return () => window.removeEventListener("hashchange", onChange);
}

/** The token of this tab's invitation: undefined while rendering on the server. */
function useInviteToken(): string | null | undefined {
  const token = useSyncExternalStore(subscribeToHash, currentToken, () => undefined);
  useEffect(() => {
    const fromHash = window.location.hash.replace(/^#/, "").trim();
    if (!fromHash) return;
    window.sessionStorage.setItem(STORAGE_KEY, fromHash);
    // Out of the address bar and the history entry, now that the tab holds it.
    window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }, [token]);
  return token;
}

/**
 * Accept (or decline) an invitation: a new person chooses a name and password; someone signed
 * in as the invited account accepts in one click; someone signed in as another account signs
 * out first; a signed-out existing account signs in and comes back here.
 */
export function InviteFlow() {
  const t = useTranslations("invite");
  const apiErrors = useApiErrors();
  const token = useInviteToken();
  // The answer for one token: opening another link in this tab starts over.
  const [lookup, setLookup] = useState<{ token: string; preview?: Preview; error?: string } | null>(null);

  useEffect(() => {
    if (!token) return;
    let cancelled = false;
    api
      .POST("/api/v1/auth/invitations/lookup", { body: { token } })
      .then(unwrap)
      .then(
        (preview) => !cancelled && setLookup({ token, preview }),
        (error: unknown) => !cancelled && setLookup({ token, error: apiErrors.describe(error) }),
      );
    return () => {
      cancelled = true;
    };
  }, [token, apiErrors]);

  if (token === null) return <Message title={t("title")} text={t("missingToken")} />;
  const answer = token && lookup?.token === token ? lookup : null;
  if (answer?.error) return <Message title={t("title")} text={answer.error} />;
  const preview = answer?.preview;
  if (!token || !preview) {
    return (
      <div className="flex flex-col gap-3" aria-busy="true">
        <p className="text-muted-foreground text-sm">{t("loading")}</p>
        <Skeleton className="h-32" />
      </div>
    );
  }
  return <InviteDecision key={token} token={token} preview={preview} />;
}

function Message({ title, text }: { title: string; text: string }) {
  return (
    <div className="flex flex-col gap-2">
      <h1 className="text-2xl font-semibold">{title}</h1>
      <p role="alert" className="text-sm">
        {text}
      </p>
    </div>
  );
}

function InviteDecision({ token, preview }: { token: string; preview: Preview }) {
  const t = useTranslations("invite");
  const tw = useTranslations("workspace");
  const format = useFormatter();
  const me = useMe();
  const [declined, setDeclined] = useState(false);
  const workspace = preview.workspace.name;

  if (declined) return <Message title={t("title")} text={t("declined", { workspace })} />;
  const signedIn = me.data?.user ?? null;
  const knowsWhoIsSignedIn = me.data !== undefined || me.error !== undefined;
  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-2">
        <h1 className="text-2xl font-semibold">{t("joinTitle", { workspace })}</h1>
        <p className="text-sm">{t("invitedAs", { workspace, role: tw(`role.${preview.role}`) })}</p>
        <p className="text-muted-foreground text-sm">
          {t("forEmail", {
            email: preview.email,
            when: format.dateTime(new Date(preview.expires_at), { dateStyle: "medium", timeStyle: "short" }),
          })}
        </p>
      </div>
      {!knowsWhoIsSignedIn ? (
        <Skeleton className="h-24" />
      ) : signedIn && signedIn.email === preview.email ? (
        <SignedInAccept token={token} email={signedIn.email} onDeclined={() => setDeclined(true)} />
      ) : signedIn ? (
        <WrongAccount current={signedIn.email} invited={preview.email} onSignedOut={() => me.mutate()} />
      ) : (
        <NewAccount token={token} onDeclined={() => setDeclined(true)} />
      )}
    </div>
  );
}

/** Decline and accept share the error line and the busy state. */
function useInviteAction() {
  const apiErrors = useApiErrors();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => Promise<void>, onError?: (error: unknown) => void) {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      if (onError) onError(err);
      else setError(apiErrors.describe(err));
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}

/** After joining: forget every cached answer of the previous workspace, then open the new one. */
function useEnterWorkspace() {
  const router = useRouter();
  const { mutate } = useSWRConfig();
  return async () => {
    await mutate(() => true, undefined, { revalidate: false });
    router.replace("/agents");
  };
}

function DeclineButton({ token, onDeclined, disabled }: { token: string; onDeclined: () => void; disabled: boolean }) {
  const t = useTranslations("invite");
  const action = useInviteAction();
  return (
    <>
      <Button
        variant="secondary"
        disabled={disabled || action.busy}
        onClick={() =>
          action.run(async () => {
            unwrap(await api.POST("/api/v1/auth/invitations/decline", { body: { token } }));
            onDeclined();
          })
        }
      >
        {t("decline")}
      </Button>
      {action.error ? (
        <p role="alert" className="text-destructive basis-full text-sm">
          {action.error}
        </p>
      ) : null}
    </>
  );
}

function SignedInAccept({ token, email, onDeclined }: { token: string; email: string; onDeclined: () => void }) {
  const t = useTranslations("invite");
  const enter = useEnterWorkspace();
  const action = useInviteAction();
  return (
    <div className="flex flex-col gap-4">
      <p className="text-sm">{t("signedInAs", { email })}</p>
      {action.error ? (
        <p role="alert" className="text-destructive text-sm">
          {action.error}
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Button
          disabled={action.busy}
          onClick={() =>
            action.run(async () => {
              unwrap(await api.POST("/api/v1/auth/invitations/accept", { body: { token } }));
              await enter();
            })
          }
        >
          {action.busy ? t("joining") : t("accept")}
        </Button>
        <DeclineButton token={token} onDeclined={onDeclined} disabled={action.busy} />
      </div>
    </div>
  );
}

function WrongAccount({ current, invited, onSignedOut }: { current: string; invited: string; onSignedOut: () => void }) {
  const t = useTranslations("invite");
  const { mutate } = useSWRConfig();
  const action = useInviteAction();
  return (
    <div className="flex flex-col gap-4">
      <p role="alert" className="text-sm">
        {t("wrongAccount", { current, email: invited })}
      </p>
      <Button
        className="self-start"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            await api.POST("/api/v1/auth/logout");
            await mutate(() => true, undefined, { revalidate: false });
            onSignedOut();
          })
        }
      >
        {t("switchAccount")}
      </Button>
    </div>
  );
}

function NewAccount({ token, onDeclined }: { token: string; onDeclined: () => void }) {
  const t = useTranslations("invite");
  const ta = useTranslations("auth");
  const locale = useLocale() as Locale;
  const apiErrors = useApiErrors();
  const enter = useEnterWorkspace();
  const action = useInviteAction();
  const [errors, setErrors] = useState<Record<string, string>>({});
  // Back here after signing in; the token waits in this tab's storage.
  const loginHref = `${getPathname({ href: "/login", locale })}?next=${encodeURIComponent(
    getPathname({ href: "/invite", locale }),
  )}`;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setErrors({});
    void action.run(
      async () => {
        unwrap(
          await api.POST("/api/v1/auth/accept-invite", {
            body: {
              invite_token: token,
              name: String(form.get("name") ?? ""),
              password: String(form.get("password") ?? ""),
            },
          }),
        );
        await enter();
      },
      (error) => {
        const byField = apiErrors.fields(error);
        setErrors(byField);
        action.setError(Object.keys(byField).length > 0 ? null : apiErrors.describe(error));
      },
    );
  }

  return (
    <div className="flex flex-col gap-6">
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <p className="text-muted-foreground text-sm">{t("newAccountIntro")}</p>
        <Field id="invite-name" label={ta("name")} error={errors.name}>
          <Input id="invite-name" name="name" autoComplete="name" required aria-invalid={errors.name ? true : undefined} />
        </Field>
        <Field id="invite-password" label={ta("password")} hint={ta("passwordHint")} error={errors.password}>
          <Input
            id="invite-password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={errors.password ? true : undefined}
          />
        </Field>
        {action.error ? (
          <p role="alert" className="text-destructive text-sm">
            {action.error}
          </p>
        ) : null}
        <div className="flex flex-wrap gap-2">
          <Button type="submit" disabled={action.busy}>
            {action.busy ? t("joining") : t("createAndJoin")}
          </Button>
          <DeclineButton token={token} onDeclined={onDeclined} disabled={action.busy} />
        </div>
      </form>
      <div className="flex flex-col items-start gap-2 border-t pt-4">
        <p className="text-muted-foreground text-sm">{t("haveAccount")}</p>
        <Button variant="secondary" asChild>
          {/* A plain link: the login page reads ?next= and returns here. */}
          <a href={loginHref}>{t("signInToAccept")}</a>
        </Button>
      </div>
    </div>
  );
}
