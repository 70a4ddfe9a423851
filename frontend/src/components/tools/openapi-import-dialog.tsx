"use client";

import { useTranslations } from "next-intl";
import { useState, type ChangeEvent, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { Textarea } from "@/components/ui/textarea";
import { importOpenApi, type OpenAPIImportResult } from "@/hooks/use-integrations";
import { authChoiceOf } from "./auth-form-model";
import { FormError, useFormErrors } from "./form-error";
import {
  DEFAULT_MAX_TOOLS,
  importRequest,
  initialSelection,
  operationsOf,
  prefixProblem,
  warningsOf,
  type ImportPreview,
  type ImportRequest,
} from "./openapi-import-model";
import { ImportWarnings, NamePrefixField, ServerFields } from "./openapi-import-options";
import { OperationPicker } from "./openapi-operation-picker";
import { SecretInput } from "./secret-input";

type Source = "paste" | "file" | "url";

type OpenApiImportDialogProps = {
  agentId: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onImported: (result: OpenAPIImportResult) => void;
};

/**
 * Import an OpenAPI 3 document (pasted, from a file, or from a URL) as a custom API with one
 * tool per chosen operation. "Preview" asks the API for a dry run, which lists every operation
 * (grouped by tag here, with checkboxes), the servers and the warnings; the user picks
 * operations, a tool-name prefix and the server's variables. Nothing is created until "Import".
 */
export function OpenApiImportDialog({ agentId, open, onOpenChange, onImported }: OpenApiImportDialogProps) {
  const t = useTranslations("tools.import");
  const ti = useTranslations("tools.integration");
  const tc = useTranslations("common");
  const [source, setSource] = useState<Source>("paste");
  const [spec, setSpec] = useState("");
  const [fileName, setFileName] = useState<string | null>(null);
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [namePrefix, setNamePrefix] = useState("");
  const [serverIndex, setServerIndex] = useState(0);
  const [variables, setVariables] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const { fields, general } = useFormErrors(error, ["spec", "url", "name", "base_url", "name_prefix"]);

  function request(dryRun: boolean): ImportRequest {
    const body: ImportRequest = { dry_run: dryRun };
    if (source === "url") body.url = url.trim();
    else body.spec = spec;
    if (name.trim()) body.name = name.trim();
    if (baseUrl.trim()) body.base_url = baseUrl.trim();
    const typed = Object.fromEntries(Object.entries(secrets).filter(([, value]) => value));
    if (!dryRun && Object.keys(typed).length > 0) body.secrets = typed;
    return body;
  }

  function showPreview(result: ImportPreview) {
    setPreview(result);
    setSelected(initialSelection(operationsOf(result)));
    setServerIndex(0);
    setVariables({});
  }

  async function call(dryRun: boolean) {
    setBusy(true);
    setError(null);
    try {
      const body =
        dryRun || !preview
          ? request(dryRun)
          : importRequest(request(false), {
              selected,
              operations: operationsOf(preview),
              namePrefix: namePrefix.trim(),
              serverIndex,
              variables,
              servers: preview.servers ?? [],
              documentUrl: source === "url" ? url.trim() : undefined,
            });
      // The request and preview carry the import API's selection fields (openapi-import-model).
      const result = (await importOpenApi(agentId, body)) as ImportPreview;
      if (dryRun) showPreview(result);
      else {
        onImported(result as OpenAPIImportResult);
        onOpenChange(false);
      }
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function readFile(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    setFileName(file.name);
    setSpec(await file.text());
    setPreview(null);
  }

  const changed = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setPreview(null);
  };

  const ready = source === "url" ? url.trim() !== "" : spec.trim() !== "";
  const maxTools = preview?.max_tools ?? DEFAULT_MAX_TOOLS;
  const canImport = selected.size > 0 && selected.size <= maxTools && prefixProblem(namePrefix.trim()) === null;

  return (
    <Dialog open={open} onOpenChange={(next) => !busy && onOpenChange(next)}>
      <DialogContent title={t("title")} description={t("description")} closeLabel={tc("close")} className="max-w-3xl">
        <form
          className="flex flex-col gap-4"
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            void call(preview === null);
          }}
        >
          <Tabs value={source} onValueChange={(value) => changed(setSource)(value as Source)}>
            <TabsList aria-label={t("sourceLabel")}>
              <TabsTrigger value="paste">{t("paste")}</TabsTrigger>
              <TabsTrigger value="file">{t("file")}</TabsTrigger>
              <TabsTrigger value="url">{t("url")}</TabsTrigger>
            </TabsList>
            <TabsContent value="paste">
              <Field id="openapi-spec" label={t("specLabel")} error={fields.spec}>
                <Textarea
                  id="openapi-spec"
                  rows={10}
                  spellCheck={false}
                  className="font-mono text-xs"
                  value={spec}
                  placeholder={'{"openapi": "3.0.3", ...}'}
                  onChange={(event) => changed(setSpec)(event.target.value)}
                />
              </Field>
            </TabsContent>
            <TabsContent value="file">
              <Field id="openapi-file" label={t("fileLabel")} hint={fileName ? t("fileLoaded", { name: fileName }) : t("fileHint")}>
                <Input id="openapi-file" type="file" accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml" onChange={readFile} className="py-1.5" />
              </Field>
            </TabsContent>
            <TabsContent value="url">
              <Field id="openapi-url" label={t("urlLabel")} error={fields.url} hint={t("urlHint")}>
                <Input id="openapi-url" type="url" value={url} onChange={(event) => changed(setUrl)(event.target.value)} placeholder="https://api.example.com/openapi.json" />
              </Field>
            </TabsContent>
          </Tabs>

          <div className="grid gap-4 sm:grid-cols-2">
            <Field id="openapi-name" label={t("nameOverride")} error={fields.name}>
              <Input id="openapi-name" value={name} onChange={(event) => changed(setName)(event.target.value)} />
            </Field>
            <Field id="openapi-base-url" label={t("baseUrlOverride")} error={fields.base_url}>
              <Input id="openapi-base-url" type="url" value={baseUrl} onChange={(event) => changed(setBaseUrl)(event.target.value)} />
            </Field>
          </div>

          {general ? <FormError error={error} /> : null}

          {preview ? (
            <section aria-label={t("previewLabel")} data-testid="openapi-preview" className="flex flex-col gap-3 rounded-lg border p-3">
              <div className="flex flex-col gap-1">
                <span className="font-semibold">{preview.integration.name}</span>
                <span className="text-muted-foreground font-mono text-xs break-all">{preview.integration.base_url}</span>
                <span className="text-muted-foreground text-xs">
                  {t("authDetected", {
                    type: ti(`auth.${authChoiceOf(preview.integration.auth_type, preview.integration.auth_config)}`),
                  })}
                </span>
              </div>
              <p className="text-sm font-medium">{t("willCreate", { count: selected.size })}</p>
              <NamePrefixField value={namePrefix} onChange={setNamePrefix} serverError={fields.name_prefix} />
              <ServerFields
                servers={preview.servers ?? []}
                index={serverIndex}
                onIndexChange={(index) => {
                  setServerIndex(index);
                  setVariables({});
                }}
                values={variables}
                onValuesChange={setVariables}
                documentUrl={source === "url" ? url.trim() : undefined}
                overridden={baseUrl.trim() !== ""}
              />
              <OperationPicker
                operations={operationsOf(preview)}
                selected={selected}
                onChange={setSelected}
                maxTools={maxTools}
                namePrefix={namePrefix.trim()}
              />
              <ImportWarnings warnings={warningsOf(preview)} />
              {preview.integration.missing_secrets.map((secret) => (
                <Field key={secret} id={`import-secret-${secret}`} label={t("secretFor", { name: secret })} hint={t("secretHint")}>
                  <SecretInput
                    id={`import-secret-${secret}`}
                    value={secrets[secret] ?? ""}
                    onChange={(value) => setSecrets((current) => ({ ...current, [secret]: value }))}
                  />
                </Field>
              ))}
            </section>
          ) : null}

          <DialogFooter>
            <Button variant="secondary" onClick={() => onOpenChange(false)} disabled={busy}>
              {tc("cancel")}
            </Button>
            {preview ? (
              <Button type="submit" disabled={busy || !canImport}>
                {busy ? t("importing") : t("confirm", { count: selected.size })}
              </Button>
            ) : (
              <Button type="submit" disabled={busy || !ready}>
                {busy ? t("previewing") : t("preview")}
              </Button>
            )}
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
