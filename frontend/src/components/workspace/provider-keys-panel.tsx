"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { api, unwrap } from "@/lib/api/client";
import { keys, useProviderKeys, useProviders, type ProviderKey } from "@/lib/api/hooks";
import { useApiErrors } from "@/lib/api/use-api-errors";

/** The workspace's own provider keys: write-only, shown masked once stored. */
export function ProviderKeysPanel() {
  const t = useTranslations("workspace");
  const { data, error, mutate } = useProviderKeys();
  const providers = useProviders();
  const labels = new Map(providers.data?.items.map((item) => [item.name, item.label]));

  return (
    <section className="flex flex-col gap-4">
      <p className="text-muted-foreground text-sm">{t("providerKeysIntro")}</p>
      {error && !data ? (
        <ErrorState error={error} onRetry={() => mutate()} />
      ) : !data ? (
        <Skeleton className="h-40" />
      ) : (
        <div className="grid gap-4 md:grid-cols-2">
          {data.items.map((item) => (
            <ProviderKeyCard
              key={item.provider}
              item={item}
              label={labels.get(item.provider) ?? item.provider}
              onChanged={() => mutate()}
            />
          ))}
        </div>
      )}
    </section>
  );
}

function ProviderKeyCard({
  item,
  label,
  onChanged,
}: {
  item: ProviderKey;
  label: string;
  onChanged: () => Promise<unknown>;
}) {
  const apiErrors = useApiErrors();
  const t = useTranslations("workspace");
  const toast = useToast();
  const { mutate } = useSWRConfig();
  const [apiKey, setApiKey] = useState("");
  const [baseUrl, setBaseUrl] = useState(item.base_url ?? "");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState(false);
  const id = `provider-${item.provider}`;

  async function save(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      unwrap(
        await api.PUT("/api/v1/workspace/provider-keys/{provider}", {
          params: { path: { provider: item.provider } },
          body: { api_key: apiKey, base_url: baseUrl.trim() || null },
        }),
      );
      setApiKey("");
      toast({ title: t("keySaved"), tone: "success" });
      await Promise.all([onChanged(), mutate(keys.providers)]);
    } catch (err) {
      const byField = apiErrors.fields(err);
      setErrors(Object.keys(byField).length ? byField : { api_key: apiErrors.describe(err) });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    try {
      unwrap(
        await api.DELETE("/api/v1/workspace/provider-keys/{provider}", {
          params: { path: { provider: item.provider } },
        }),
      );
      toast({ title: t("keyRemoved"), tone: "success" });
      await Promise.all([onChanged(), mutate(keys.providers)]);
    } catch (err) {
      toast({ title: apiErrors.describe(err), tone: "error" });
    }
  }

  return (
    <Card role="group" aria-labelledby={`${id}-title`} className="flex flex-col gap-3">
      <div className="flex items-center justify-between gap-2">
        <h3 id={`${id}-title`} className="font-semibold">
          {label}
        </h3>
        <Badge tone={item.configured ? "success" : "neutral"}>
          {item.configured ? t("providerConfigured") : t("providerNotConfigured")}
        </Badge>
      </div>
      {item.masked_key ? <code className="text-muted-foreground font-mono text-xs">{item.masked_key}</code> : null}
      <form onSubmit={save} className="flex flex-col gap-3" noValidate>
        <Field id={`${id}-key`} label={item.configured ? t("replaceKey") : t("setKey")} error={errors.api_key}>
          <Input
            id={`${id}-key`}
            type="password"
            autoComplete="off"
            value={apiKey}
            onChange={(event) => setApiKey(event.target.value)}
            placeholder={t("providerKeyPlaceholder")}
            aria-invalid={errors.api_key ? true : undefined}
          />
        </Field>
        <Field id={`${id}-url`} label={t("providerBaseUrl")} error={errors.base_url}>
          <Input
            id={`${id}-url`}
            type="url"
            value={baseUrl}
            onChange={(event) => setBaseUrl(event.target.value)}
            aria-invalid={errors.base_url ? true : undefined}
          />
        </Field>
        <div className="flex flex-wrap justify-end gap-2">
          {item.configured && item.masked_key ? (
            <Button variant="secondary" size="sm" onClick={() => setRemoving(true)}>
              {t("removeKey")}
            </Button>
          ) : null}
          <Button type="submit" size="sm" disabled={busy || !apiKey.trim()}>
            {t("setKey")}
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={removing}
        onOpenChange={setRemoving}
        title={t("removeKeyTitle", { provider: label })}
        description={t("removeKeyDescription", { provider: label })}
        confirmLabel={t("removeKey")}
        onConfirm={remove}
      />
    </Card>
  );
}
