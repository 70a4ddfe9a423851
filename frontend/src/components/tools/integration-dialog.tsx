"use client";

import { Plus, Trash2 } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { createIntegration, updateIntegration, type Integration } from "@/hooks/use-integrations";
import {
  AUTH_CHOICES,
  SECRET_FIELDS,
  authFormFrom,
  createPayload,
  emptyAuthForm,
  secretRetargetOf,
  secretsEnteredAgain,
  updatePayload,
  type AuthFormState,
  type SecretRetarget,
} from "./auth-form-model";
import { FormError, useFormErrors } from "./form-error";
import { SecretInput } from "./secret-input";

type IntegrationDialogProps = {
  agentId: string;
  /** The integration to edit; absent to add a new one. */
  integration?: Integration;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved: (integration: Integration) => void;
};

const FIELDS = ["name", "base_url", "auth_type", "auth_config", "secrets"];

/** Add or edit a custom HTTP API: where it lives and how to authenticate to it. */
export function IntegrationDialog({ agentId, integration, open, onOpenChange, onSaved }: IntegrationDialogProps) {
  const t = useTranslations("tools.integration");
  const tc = useTranslations("common");
  const [name, setName] = useState(integration?.name ?? "");
  const [baseUrl, setBaseUrl] = useState(integration?.base_url ?? "");
  const [auth, setAuth] = useState<AuthFormState>(integration ? authFormFrom(integration) : emptyAuthForm);
  const [error, setError] = useState<unknown>(null);
  // The API refused to send the saved secrets to a new address: enter them again or confirm.
  const [retarget, setRetarget] = useState<SecretRetarget | null>(null);
  const [saving, setSaving] = useState(false);
  const { fields, general } = useFormErrors(error, FIELDS);
  // Masks apply only while the auth type is the saved one (a new type starts without secrets).
  const savedMasks =
    integration && authFormFrom(integration).choice === auth.choice ? (integration.secrets ?? {}) : {};

  const update = (patch: Partial<AuthFormState>) => setAuth((current) => ({ ...current, ...patch }));
  const setSecret = (field: string, value: string) =>
    setAuth((current) => ({ ...current, secrets: { ...current.secrets, [field]: value } }));

  async function save(confirmRetarget: boolean) {
    setSaving(true);
    setError(null);
    try {
      const saved = integration
        ? await updateIntegration(integration.id, updatePayload(integration, name, baseUrl, auth, { confirmRetarget }))
        : await createIntegration(agentId, createPayload(name, baseUrl, auth));
      onSaved(saved);
      onOpenChange(false);
    } catch (caught) {
      const refused = secretRetargetOf(caught);
      setRetarget(refused);
      setError(refused ? null : caught);
    } finally {
      setSaving(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void save(false);
  }

  const secretLabel = (field: string) => {
    const known = SECRET_FIELDS[auth.choice].find((secret) => secret.name === field);
    return known ? t(`secretField.${known.name}`) : field;
  };

  const oauth = auth.choice === "oauth2_client_credentials" || auth.choice === "oauth2_refresh_token";

  return (
    <Dialog open={open} onOpenChange={(next) => !saving && onOpenChange(next)}>
      <DialogContent
        title={integration ? t("editTitle") : t("addTitle")}
        description={t("description")}
        closeLabel={tc("close")}
        className="max-w-xl"
      >
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field id="integration-name" label={t("name")} error={fields.name}>
            <Input
              id="integration-name"
              value={name}
              onChange={(event) => setName(event.target.value)}
              aria-invalid={Boolean(fields.name) || undefined}
              placeholder={t("namePlaceholder")}
            />
          </Field>
          <Field id="integration-base-url" label={t("baseUrl")} error={fields.base_url} hint={t("baseUrlHint")}>
            <Input
              id="integration-base-url"
              type="url"
              inputMode="url"
              value={baseUrl}
              onChange={(event) => {
                setBaseUrl(event.target.value);
                setRetarget(null);
              }}
              aria-invalid={Boolean(fields.base_url) || undefined}
              placeholder="https://api.example.com/v1"
            />
          </Field>
          <Field id="integration-auth" label={t("authType")} error={fields.auth_type}>
            <Select
              id="integration-auth"
              value={auth.choice}
              onValueChange={(value) => update({ choice: value as AuthFormState["choice"], secrets: {} })}
              options={AUTH_CHOICES.map((choice) => ({ value: choice, label: t(`auth.${choice}`) }))}
            />
          </Field>

          {auth.choice === "api_key" ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <Field id="api-key-location" label={t("apiKeyLocation")}>
                <Select
                  id="api-key-location"
                  value={auth.apiKeyLocation}
                  onValueChange={(value) => update({ apiKeyLocation: value as "header" | "query" })}
                  options={[
                    { value: "header", label: t("locationHeader") },
                    { value: "query", label: t("locationQuery") },
                  ]}
                />
              </Field>
              <Field id="api-key-name" label={auth.apiKeyLocation === "header" ? t("headerName") : t("queryName")}>
                <Input id="api-key-name" value={auth.apiKeyName} onChange={(event) => update({ apiKeyName: event.target.value })} />
              </Field>
            </div>
          ) : null}

          {auth.choice === "basic" ? (
            <Field id="basic-username" label={t("username")}>
              <Input id="basic-username" autoComplete="off" value={auth.username} onChange={(event) => update({ username: event.target.value })} />
            </Field>
          ) : null}

          {oauth ? (
            <div className="grid gap-4 sm:grid-cols-2">
              <div className="sm:col-span-2">
                <Field id="oauth-token-url" label={t("tokenUrl")}>
                  <Input id="oauth-token-url" type="url" value={auth.tokenUrl} onChange={(event) => update({ tokenUrl: event.target.value })} placeholder="https://auth.example.com/oauth/token" />
                </Field>
              </div>
              <Field id="oauth-client-id" label={t("clientId")}>
                <Input id="oauth-client-id" autoComplete="off" value={auth.clientId} onChange={(event) => update({ clientId: event.target.value })} />
              </Field>
              <Field id="oauth-scope" label={t("scope")}>
                <Input id="oauth-scope" value={auth.scope} onChange={(event) => update({ scope: event.target.value })} />
              </Field>
              {auth.choice === "oauth2_client_credentials" ? (
                <Field id="oauth-audience" label={t("audience")}>
                  <Input id="oauth-audience" value={auth.audience} onChange={(event) => update({ audience: event.target.value })} />
                </Field>
              ) : null}
              <Field id="oauth-client-auth" label={t("clientAuth")}>
                <Select
                  id="oauth-client-auth"
                  value={auth.clientAuth}
                  onValueChange={(value) => update({ clientAuth: value as "body" | "basic" })}
                  options={[
                    { value: "body", label: t("clientAuthBody") },
                    { value: "basic", label: t("clientAuthBasic") },
                  ]}
                />
              </Field>
            </div>
          ) : null}

          {SECRET_FIELDS[auth.choice].map((secret) => (
            <Field
              key={secret.name}
              id={`secret-${secret.name}`}
              label={`${t(`secretField.${secret.name}`)}${secret.required ? "" : ` ${t("optional")}`}`}
              hint={t("secretHint")}
              error={fields[`secrets.${secret.name}`]}
            >
              <SecretInput
                id={`secret-${secret.name}`}
                mask={savedMasks[secret.name]}
                value={auth.secrets[secret.name] ?? ""}
                onChange={(value) => setSecret(secret.name, value)}
                required={secret.required}
              />
            </Field>
          ))}

          {auth.choice === "custom_headers" ? (
            <fieldset className="flex flex-col gap-2">
              <legend className="mb-1 text-sm font-medium">{t("headers")}</legend>
              <p className="text-muted-foreground text-xs">{t("headersHint")}</p>
              {auth.headers.map((row, index) =>
                row.removed ? null : (
                  <div key={index} className="flex flex-wrap items-center gap-2 sm:flex-nowrap">
                    <Input
                      aria-label={t("headerName")}
                      value={row.name}
                      disabled={row.saved}
                      placeholder="X-Tenant"
                      className="sm:w-48"
                      onChange={(event) =>
                        update({ headers: auth.headers.map((h, i) => (i === index ? { ...h, name: event.target.value } : h)) })
                      }
                    />
                    <div className="min-w-0 flex-1">
                      <SecretInput
                        id={`header-value-${index}`}
                        mask={row.saved ? savedMasks[row.name] : undefined}
                        value={row.value}
                        onChange={(value) =>
                          update({ headers: auth.headers.map((h, i) => (i === index ? { ...h, value } : h)) })
                        }
                      />
                    </div>
                    <Button
                      variant="ghost"
                      size="icon"
                      aria-label={t("removeHeader")}
                      onClick={() =>
                        update({
                          headers: row.saved
                            ? auth.headers.map((h, i) => (i === index ? { ...h, removed: true } : h))
                            : auth.headers.filter((_, i) => i !== index),
                        })
                      }
                    >
                      <Trash2 className="size-4" aria-hidden />
                    </Button>
                  </div>
                ),
              )}
              <Button
                variant="secondary"
                size="sm"
                className="w-fit"
                onClick={() => update({ headers: [...auth.headers, { name: "", value: "", saved: false, removed: false }] })}
              >
                <Plus className="size-4" aria-hidden />
                {t("addHeader")}
              </Button>
            </fieldset>
          ) : null}

          {general ? <FormError error={error} /> : null}

          {retarget ? (
            <div role="alert" className="flex flex-col gap-2 rounded-md border border-amber-500/50 bg-amber-500/10 px-3 py-2 text-sm">
              <p className="font-medium">{t("retarget.title")}</p>
              <p>
                {t("retarget.body", {
                  secrets: retarget.secrets.map(secretLabel).join(", "),
                  from: retarget.moves.map((move) => move.from).join(", "),
                  to: retarget.moves.map((move) => move.to).join(", "),
                })}
              </p>
              <p className="text-muted-foreground text-xs">{t("retarget.enterAgain")}</p>
              <Button
                variant="secondary"
                size="sm"
                className="w-fit"
                disabled={saving || secretsEnteredAgain(auth, retarget)}
                onClick={() => void save(true)}
              >
                {t("retarget.confirm")}
              </Button>
            </div>
          ) : null}

          <DialogFooter>
            <Button variant="secondary" onClick={() => onOpenChange(false)} disabled={saving}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={saving}>
              {saving ? tc("saving") : integration ? tc("save") : t("add")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
