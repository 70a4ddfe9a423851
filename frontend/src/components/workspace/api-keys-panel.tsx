"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { api, unwrap } from "@/lib/api/client";
import { useApiKeys, type ApiKey } from "@/lib/api/hooks";
import { SecretReveal } from "./secret-reveal";
import { useApiErrors } from "@/lib/api/use-api-errors";

export function ApiKeysPanel() {
  const apiErrors = useApiErrors();
  const t = useTranslations("workspace");
  const tc = useTranslations("common");
  const format = useFormatter();
  const toast = useToast();
  const { data, error, mutate } = useApiKeys();
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setNameError(undefined);
    try {
      const key = unwrap(await api.POST("/api/v1/workspace/api-keys", { body: { name } }));
      setCreated(key.key);
      setName("");
      await mutate();
    } catch (err) {
      setNameError(apiErrors.fields(err).name ?? apiErrors.describe(err));
    } finally {
      setBusy(false);
    }
  }

  async function revoke(key: ApiKey) {
    try {
      unwrap(await api.DELETE("/api/v1/workspace/api-keys/{key_id}", { params: { path: { key_id: key.id } } }));
      toast({ title: t("keyRevoked"), tone: "success" });
      await mutate();
    } catch (err) {
      toast({ title: apiErrors.describe(err), tone: "error" });
    }
  }

  return (
    <section className="flex flex-col gap-4">
      <p className="text-muted-foreground text-sm">{t("apiKeysIntro")}</p>
      <form onSubmit={create} className="flex flex-col gap-2 sm:flex-row sm:items-end" noValidate>
        <div className="flex-1">
          <Field id="api-key-name" label={t("keyName")} error={nameError}>
            <Input
              id="api-key-name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              placeholder={t("keyNamePlaceholder")}
              aria-invalid={nameError ? true : undefined}
            />
          </Field>
        </div>
        <Button type="submit" disabled={busy || !name.trim()}>
          {t("createKey")}
        </Button>
      </form>
      {error && !data ? (
        <ErrorState error={error} onRetry={() => mutate()} />
      ) : !data ? (
        <Skeleton className="h-24" />
      ) : data.items.length === 0 ? (
        <p className="text-muted-foreground text-sm">{t("noKeys")}</p>
      ) : (
        <ul className="divide-y rounded-lg border">
          {data.items.map((key) => (
            <li key={key.id} className="flex flex-wrap items-center gap-3 p-3">
              <div className="flex min-w-0 flex-1 flex-col">
                <span className="font-medium">{key.name}</span>
                <span className="text-muted-foreground text-xs">
                  {t("keyPrefix", { prefix: key.prefix })} ·{" "}
                  {t("keyCreated", { when: format.relativeTime(new Date(key.created_at)) })} ·{" "}
                  {t("keyLastUsed", {
                    when: key.last_used_at ? format.relativeTime(new Date(key.last_used_at)) : tc("never"),
                  })}
                </span>
              </div>
              {key.revoked_at ? (
                <Badge tone="danger">{t("revoked")}</Badge>
              ) : (
                <Button variant="secondary" size="sm" onClick={() => setRevoking(key)}>
                  {t("revoke")}
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <Dialog open={created !== null} onOpenChange={(open) => !open && setCreated(null)}>
        <DialogContent title={t("keyCreatedTitle")} description={t("keyCreatedDescription")} closeLabel={tc("close")}>
          {created ? <SecretReveal value={created} label={t("keyCreatedTitle")} /> : null}
          <DialogFooter>
            <Button onClick={() => setCreated(null)}>{tc("close")}</Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={t("revokeTitle", { name: revoking?.name ?? "" })}
        description={t("revokeDescription")}
        confirmLabel={t("revoke")}
        onConfirm={() => (revoking ? revoke(revoking) : undefined)}
      />
    </section>
  );
}
