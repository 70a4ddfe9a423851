"use client";

import { useTranslations } from "next-intl";
import { useMemo, useState, type FormEvent } from "react";
import { useSWRConfig } from "swr";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { useToast } from "@/components/ui/toast";
import { useRouter } from "@/i18n/navigation";
import { api, unwrap } from "@/lib/api/client";
import { isAgentListKey, keys, type Agent, type AgentStatus } from "@/lib/api/hooks";
import { useUnsavedChangesGuard } from "@/lib/use-unsaved-changes";
import {
  agentPayload,
  emptyAgentForm,
  fieldForApiPath,
  formValuesFromAgent,
  isDirty,
  LIMITS,
  validateAgentForm,
  type AgentFormField,
  type AgentFormValues,
  type ClientIssue,
} from "./agent-form-model";
import { ModelPicker } from "./model-picker";
import { useApiErrors } from "@/lib/api/use-api-errors";

const STATUSES: AgentStatus[] = ["draft", "active", "inactive"];

type AgentFormProps = { agent?: Agent };

/** Create an agent (no `agent`) or edit one: its Settings tab. */
export function AgentForm({ agent }: AgentFormProps) {
  const apiErrors = useApiErrors();
  const t = useTranslations("agentForm");
  const ts = useTranslations("agents.status");
  const tc = useTranslations("common");
  const router = useRouter();
  const toast = useToast();
  const { mutate } = useSWRConfig();

  const initial = useMemo(() => (agent ? formValuesFromAgent(agent) : emptyAgentForm), [agent]);
  const [saved, setSaved] = useState(initial);
  const [values, setValues] = useState(initial);
  const [serverErrors, setServerErrors] = useState<Partial<Record<AgentFormField | "_", string>>>({});
  const [clientIssues, setClientIssues] = useState<Partial<Record<AgentFormField, ClientIssue>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const dirty = isDirty(values, saved);
  useUnsavedChangesGuard(dirty && !busy, tc("unsavedChanges"));

  function set<K extends AgentFormField>(field: K, value: AgentFormValues[K]) {
    setValues((current) => ({ ...current, [field]: value }));
    setServerErrors((current) => without(current, field));
    setClientIssues((current) => without(current, field));
  }

  function issueText(issue: ClientIssue, field: AgentFormField): string {
    if (issue === "tooLong") {
      const max = field === "name" ? LIMITS.name : field === "description" ? LIMITS.description : LIMITS.systemPrompt;
      return t("issues.tooLong", { max });
    }
    return t(`issues.${issue}`);
  }

  function errorFor(field: AgentFormField): string | undefined {
    const issue = clientIssues[field];
    return issue ? issueText(issue, field) : serverErrors[field];
  }

  function invalid(field: AgentFormField) {
    return errorFor(field) ? { "aria-invalid": true, "aria-describedby": `${field}-error` } : {};
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const issues = validateAgentForm(values);
    setClientIssues(issues);
    setServerErrors({});
    setFormError(null);
    if (Object.keys(issues).length > 0) {
      setFormError(t("fixErrors"));
      focusFirstInvalid(Object.keys(issues));
      return;
    }
    setBusy(true);
    try {
      const body = agentPayload(values);
      const result = agent
        ? unwrap(await api.PATCH("/api/v1/agents/{agent_id}", { params: { path: { agent_id: agent.id } }, body }))
        : unwrap(await api.POST("/api/v1/agents", { body }));
      await mutate(isAgentListKey);
      await mutate(keys.agent(result.id), result, { revalidate: false });
      const next = formValuesFromAgent(result);
      setSaved(next);
      setValues(next);
      toast({ title: agent ? t("saved") : t("created"), tone: "success" });
      if (!agent) router.push(`/agents/${result.id}`);
    } catch (error) {
      const byPath = apiErrors.fields(error);
      const byField: Partial<Record<AgentFormField | "_", string>> = {};
      for (const [path, message] of Object.entries(byPath)) {
        byField[fieldForApiPath(path)] ??= message;
      }
      setServerErrors(byField);
      const fieldsWithErrors = Object.keys(byField).filter((key) => key !== "_");
      if (fieldsWithErrors.length > 0) {
        setFormError(byField._ ?? t("fixErrors"));
        focusFirstInvalid(fieldsWithErrors);
      } else {
        setFormError(byField._ ?? apiErrors.describe(error));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="flex flex-col gap-6" noValidate aria-label={agent ? t("save") : t("create")}>
      <Card className="flex flex-col gap-4 p-5">
        <h2 className="font-semibold">{t("basics")}</h2>
        <div className="grid gap-4 md:grid-cols-2">
          <Field id="name" label={t("name")} error={errorFor("name")}>
            <Input
              id="name"
              value={values.name}
              onChange={(event) => set("name", event.target.value)}
              placeholder={t("namePlaceholder")}
              maxLength={LIMITS.name + 50}
              required
              {...invalid("name")}
            />
          </Field>
          <Field id="status" label={t("statusLabel")} error={errorFor("status")} hint={t("statusHint")}>
            <Select
              id="status"
              value={values.status}
              onValueChange={(value) => set("status", value as AgentStatus)}
              options={STATUSES.map((value) => ({ value, label: ts(value) }))}
            />
          </Field>
        </div>
        <Field id="description" label={t("description")} error={errorFor("description")}>
          <Input
            id="description"
            value={values.description}
            onChange={(event) => set("description", event.target.value)}
            placeholder={t("descriptionPlaceholder")}
            {...invalid("description")}
          />
        </Field>
        <Field
          id="system_prompt"
          label={t("systemPrompt")}
          error={errorFor("system_prompt")}
          hint={
            <>
              {t("systemPromptHint")}{" "}
              <span className="tabular-nums">{t("characters", { count: values.system_prompt.length })}</span>
            </>
          }
        >
          <Textarea
            id="system_prompt"
            value={values.system_prompt}
            onChange={(event) => set("system_prompt", event.target.value)}
            placeholder={t("systemPromptPlaceholder")}
            rows={14}
            spellCheck
            className="min-h-64 resize-y font-mono text-[13px] leading-relaxed"
            {...invalid("system_prompt")}
          />
        </Field>
      </Card>

      <Card className="flex flex-col gap-4 p-5">
        <h2 className="font-semibold">{t("model")}</h2>
        <ModelPicker
          provider={values.provider}
          model={values.model}
          baseUrl={values.base_url}
          onProviderChange={(provider) => {
            set("provider", provider);
            set("model", "");
          }}
          onModelChange={(model) => set("model", model)}
          onBaseUrlChange={(url) => set("base_url", url)}
          errors={{ provider: errorFor("provider"), model: errorFor("model"), base_url: errorFor("base_url") }}
        />
      </Card>

      <Card className="flex flex-col gap-4 p-5">
        <h2 className="font-semibold">{t("sampling")}</h2>
        <div className="grid gap-4 md:grid-cols-2">
          <Field id="temperature" label={t("temperature")} error={errorFor("temperature")} hint={t("temperatureHint")}>
            <Input
              id="temperature"
              type="number"
              inputMode="decimal"
              min={0}
              max={2}
              step={0.1}
              value={values.temperature}
              onChange={(event) => set("temperature", event.target.value)}
              {...invalid("temperature")}
            />
          </Field>
          <Field id="max_tokens" label={t("maxTokens")} error={errorFor("max_tokens")} hint={t("maxTokensHint")}>
            <Input
              id="max_tokens"
              type="number"
              inputMode="numeric"
              min={1}
              step={1}
              value={values.max_tokens}
              onChange={(event) => set("max_tokens", event.target.value)}
              {...invalid("max_tokens")}
            />
          </Field>
        </div>
      </Card>

      <div className="bg-background/95 sticky bottom-0 -mx-4 flex flex-wrap items-center justify-end gap-3 border-t px-4 py-3 backdrop-blur">
        {formError ? (
          <p role="alert" className="text-destructive mr-auto text-sm">
            {formError}
          </p>
        ) : null}
        {agent && dirty ? (
          <Button variant="ghost" onClick={() => setValues(saved)} disabled={busy}>
            {tc("cancel")}
          </Button>
        ) : null}
        <Button type="submit" disabled={busy || (Boolean(agent) && !dirty)}>
          {busy ? tc("saving") : agent ? t("save") : t("create")}
        </Button>
      </div>
    </form>
  );
}

function without<T extends object>(record: T, key: PropertyKey): T {
  const copy = { ...record };
  delete copy[key as keyof T];
  return copy;
}

function focusFirstInvalid(fields: string[]) {
  const order = ["name", "status", "description", "system_prompt", "provider", "model", "base_url", "temperature", "max_tokens"];
  const first = order.find((field) => fields.includes(field));
  if (first) requestAnimationFrame(() => document.getElementById(first)?.focus());
}
