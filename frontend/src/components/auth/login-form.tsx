"use client";

import { useRouter as useRawRouter } from "next/navigation";
import { useTranslations } from "next-intl";
import { useEffect, useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useRouter } from "@/i18n/navigation";
import { api, unwrap } from "@/lib/api/client";
import { keys } from "@/lib/api/hooks";
import { useSafeNext } from "./use-safe-next";
import { useApiErrors } from "@/lib/api/use-api-errors";

/** Sign in; on a fresh install (no owner yet) go to the set-up page instead. */
export function LoginForm() {
  const apiErrors = useApiErrors();
  const t = useTranslations("auth");
  const router = useRouter();
  const rawRouter = useRawRouter();
  const next = useSafeNext();
  const { mutate } = useSWRConfig();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.GET("/api/v1/auth/status").then(({ data }) => {
      if (!cancelled && data?.setup_required) router.replace("/setup");
    }, () => undefined);
    return () => {
      cancelled = true;
    };
  }, [router]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      unwrap(
        await api.POST("/api/v1/auth/login", {
          body: { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") },
        }),
      );
      await mutate(keys.me, undefined, { revalidate: true });
      if (next) rawRouter.replace(next);
      else router.replace("/agents");
    } catch (error) {
      const byField = apiErrors.fields(error);
      setErrors(byField);
      setFormError(Object.keys(byField).length > 0 ? null : apiErrors.describe(error));
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-2">
        <h1 className="text-2xl font-semibold">{t("loginTitle")}</h1>
        <p className="text-muted-foreground text-sm">{t("loginIntro")}</p>
      </div>
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field id="email" label={t("email")} error={errors.email}>
          <Input
            id="email"
            name="email"
            type="email"
            autoComplete="email"
            required
            aria-invalid={errors.email ? true : undefined}
          />
        </Field>
        <Field id="password" label={t("password")} error={errors.password}>
          <Input
            id="password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            aria-invalid={errors.password ? true : undefined}
          />
        </Field>
        {formError ? (
          <p role="alert" className="text-destructive text-sm">
            {formError}
          </p>
        ) : null}
        <Button type="submit" disabled={busy}>
          {busy ? t("signingIn") : t("signIn")}
        </Button>
      </form>
    </div>
  );
}
