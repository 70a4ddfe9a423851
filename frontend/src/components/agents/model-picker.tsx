"use client";

import { Info } from "lucide-react";
import { useLocale, useTranslations } from "next-intl";
import { useState } from "react";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { ErrorState } from "@/components/ui/error-state";
import { Link } from "@/i18n/navigation";
import { useProviders, type ProviderInfo } from "@/lib/api/hooks";
import type { ProviderName } from "./agent-form-model";

const CUSTOM = "__custom__";

type ModelPickerProps = {
  provider: ProviderName | "";
  model: string;
  baseUrl: string;
  onProviderChange: (provider: ProviderName) => void;
  onModelChange: (model: string) => void;
  onBaseUrlChange: (url: string) => void;
  errors: { provider?: string; model?: string; base_url?: string };
};

/**
 * Provider and model from GET /api/v1/providers. Providers without a key stay pickable (an
 * agent can be set up before its key) but are marked, with the server's advice on how to
 * configure them.
 */
export function ModelPicker(props: ModelPickerProps) {
  const t = useTranslations("agentForm");
  const { data, error, isLoading, mutate } = useProviders();

  if (error && !data) {
    return <ErrorState error={error} onRetry={() => mutate()} title={t("providersFailed")} />;
  }
  if (isLoading || !data) {
    return (
      <div className="grid gap-4 md:grid-cols-2" aria-busy="true">
        <Skeleton className="h-14" />
        <Skeleton className="h-14" />
      </div>
    );
  }

  const selected = data.items.find((item) => item.name === props.provider);
  return (
    <div className="flex flex-col gap-4">
      <div className="grid gap-4 md:grid-cols-2">
        <Field id="provider" label={t("provider")} error={props.errors.provider}>
          <Select
            id="provider"
            value={props.provider || undefined}
            onValueChange={(value) => props.onProviderChange(value as ProviderName)}
            placeholder={t("chooseProvider")}
            aria-invalid={props.errors.provider ? true : undefined}
            aria-describedby={props.errors.provider ? "provider-error" : undefined}
            options={data.items.map((item) => ({
              value: item.name,
              label: item.configured ? item.label : `${item.label} (${t("notConfigured")})`,
            }))}
          />
        </Field>
        {selected ? <ModelField {...props} info={selected} /> : null}
      </div>
      {selected ? <ProviderNotice provider={selected} /> : null}
      {props.provider === "openai_compatible" ? (
        <Field id="base_url" label={t("baseUrl")} error={props.errors.base_url} hint={t("baseUrlHint")}>
          <Input
            id="base_url"
            type="url"
            value={props.baseUrl}
            onChange={(event) => props.onBaseUrlChange(event.target.value)}
            placeholder="http://127.0.0.1:11434/v1"
            aria-invalid={props.errors.base_url ? true : undefined}
          />
        </Field>
      ) : null}
    </div>
  );
}

function ModelField({ info: provider, model, onModelChange, errors }: ModelPickerProps & { info: ProviderInfo }) {
  const t = useTranslations("agentForm");
  const [customMode, setCustomMode] = useState(false);
  const known = provider.models.find((item) => item.id === model);
  const custom = provider.models.length === 0 || customMode || (model !== "" && !known);
  const describedBy = errors.model ? "model-error" : undefined;

  return (
    <div className="flex flex-col gap-2">
      <Field
        id="model"
        label={t("modelId")}
        error={errors.model}
        hint={
          known && known.input_usd_per_mtok != null && known.output_usd_per_mtok != null
            ? t("modelPricing", { input: known.input_usd_per_mtok, output: known.output_usd_per_mtok })
            : undefined
        }
      >
        {provider.models.length > 0 ? (
          <Select
            id="model"
            value={custom ? CUSTOM : model || undefined}
            onValueChange={(value) => {
              setCustomMode(value === CUSTOM);
              onModelChange(value === CUSTOM ? "" : value);
            }}
            placeholder={t("chooseModel")}
            aria-invalid={errors.model ? true : undefined}
            aria-describedby={describedBy}
            options={[
              ...provider.models.map((item) => ({ value: item.id, label: item.label })),
              { value: CUSTOM, label: t("customModel") },
            ]}
          />
        ) : (
          <Input
            id="model"
            value={model}
            onChange={(event) => onModelChange(event.target.value)}
            aria-invalid={errors.model ? true : undefined}
            aria-describedby={describedBy}
          />
        )}
      </Field>
      {provider.models.length > 0 && custom ? (
        <Input
          aria-label={t("customModel")}
          value={model}
          onChange={(event) => onModelChange(event.target.value)}
          placeholder={t("customModel")}
          autoFocus
        />
      ) : null}
    </div>
  );
}

function ProviderNotice({ provider }: { provider: ProviderInfo }) {
  const t = useTranslations("agentForm");
  const locale = useLocale();
  // The server's advice is English; other languages use their own words for known providers.
  const howKey = `providerHowTo.${provider.name}` as Parameters<typeof t>[0];
  const how = locale !== "en" && t.has(howKey) ? t(howKey) : provider.how_to_configure;
  if (provider.configured) {
    return (
      <p className="text-muted-foreground text-xs">
        {t("configuredVia", { via: provider.configured_via ?? "other" })}
      </p>
    );
  }
  return (
    <div role="note" className="border-warning/40 bg-warning/10 flex gap-2 rounded-md border p-3 text-sm">
      <Info className="text-warning mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="flex flex-col gap-1">
        <p>{t("howToConfigure", { label: provider.label, how })}</p>
        <Link href="/settings?tab=provider-keys" className="text-primary font-medium underline">
          {t("openProviderKeys")}
        </Link>
      </div>
    </div>
  );
}
