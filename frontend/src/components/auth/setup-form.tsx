"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Link, useRouter } from "@/i18n/navigation";
import { api, unwrap } from "@/lib/api/client";
import { ApiError } from "@/lib/api/errors";
import { keys } from "@/lib/api/hooks";
import { useApiErrors } from "@/lib/api/use-api-errors";

/** First run: create the owner account and the workspace, then go to the agents. */
export function SetupForm() {
  const apiErrors = useApiErrors();
  const t = useTranslations("auth");
  const router = useRouter();
  const { mutate } = useSWRConfig();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [alreadyDone, setAlreadyDone] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let cancelled = false;
    api.GET("/api/v1/auth/status").then(({ data }) => {
      if (!cancelled && data && !data.setup_required) setAlreadyDone(true);
    }, () => undefined);
    return () => {
      cancelled = true;
    };
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      unwrap(
        await api.POST("/api/v1/auth/setup", {
          body: {
            name: String(form.get("name") ?? ""),
            email: String(form.get("email") ?? ""),
            password: String(form.get("password") ?? ""),
            workspace_name: String(form.get("workspace_name") ?? ""),
          },
        }),
      );
      await mutate(keys.me, undefined, { revalidate: true });
      router.replace("/agents");
    } catch (error) {
      const byField = apiErrors.fields(error);
      setErrors(byField);
      if (error instanceof ApiError && error.status === 409) setAlreadyDone(true);
      setFormError(Object.keys(byField).length > 0 ? null : apiErrors.describe(error));
      setBusy(false);
    }
  }

  const invalid = (name: string) => (errors[name] ? { "aria-invalid": true, "aria-describedby": `${name}-error` } : {});

  return (
    <div className="flex flex-col gap-6">
      <div className="flex flex-col gap-2">
        <h1 className="text-2xl font-semibold">{t("setupTitle")}</h1>
        <p className="text-muted-foreground text-sm">{t("setupIntro")}</p>
      </div>
      {alreadyDone ? (
        <p role="status" className="bg-muted rounded-md p-3 text-sm">
          {t("setupDone")}{" "}
          <Link href="/login" className="text-primary font-medium underline">
            {t("signIn")}
          </Link>
        </p>
      ) : null}
      <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
        <Field id="name" label={t("name")} error={errors.name}>
          <Input id="name" name="name" autoComplete="name" required {...invalid("name")} />
        </Field>
        <Field id="email" label={t("email")} error={errors.email}>
          <Input id="email" name="email" type="email" autoComplete="email" required {...invalid("email")} />
        </Field>
        <Field id="password" label={t("password")} error={errors.password} hint={t("passwordHint")}>
          <Input
            id="password"
            name="password"
            type="password"
            autoComplete="new-password"
            required
            {...invalid("password")}
          />
        </Field>
        <Field id="workspace_name" label={t("workspaceName")} error={errors.workspace_name}>
          <Input id="workspace_name" name="workspace_name" required {...invalid("workspace_name")} />
        </Field>
        {formError ? (
          <p role="alert" className="text-destructive text-sm">
            {formError}
          </p>
        ) : null}
        <Button type="submit" disabled={busy}>
          {busy ? t("creating") : t("createOwner")}
        </Button>
      </form>
    </div>
  );
}
