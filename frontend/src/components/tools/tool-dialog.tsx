"use client";

import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Textarea } from "@/components/ui/textarea";
import { createTool, updateTool, type Tool, type ToolCreate } from "@/hooks/use-integrations";
import { FormError, useFormErrors } from "./form-error";
import { JsonEditor, parseJson } from "./json-editor";

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
type Method = (typeof METHODS)[number];
const FIELDS = ["name", "description", "method", "path", "input_schema", "timeout_s"];

const EXAMPLE_SCHEMA = {
  type: "object",
  properties: { city: { type: "string", description: "City name" } },
  required: ["city"],
};

type ToolDialogProps = {
  integrationId: string;
  /** The tool to edit; absent to add one to the integration. */
  tool?: Tool;
  /** Built-in tools keep their call and schema; only name, description and timeout change. */
  builtin?: boolean;
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onSaved: (tool: Tool) => void;
};

/**
 * A tool of a custom API: its name and description (what the model sees), the HTTP call it
 * makes, and the JSON Schema of its arguments, checked as JSON here and as a schema by the API.
 */
export function ToolDialog({ integrationId, tool, builtin = false, open, onOpenChange, onSaved }: ToolDialogProps) {
  const t = useTranslations("tools.tool");
  const tc = useTranslations("common");
  const [name, setName] = useState(tool?.name ?? "");
  const [description, setDescription] = useState(tool?.description ?? "");
  const [method, setMethod] = useState<Method>((tool?.method as Method | undefined) ?? "GET");
  const [path, setPath] = useState(tool?.path ?? "/");
  const [timeout, setTimeoutS] = useState(String(tool?.timeout_s ?? 30));
  const [enabled, setEnabled] = useState(tool?.enabled ?? true);
  const [schemaText, setSchemaText] = useState(JSON.stringify(tool?.input_schema ?? EXAMPLE_SCHEMA, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const parsed = parseJson(schemaText);
  const { fields, general } = useFormErrors(error, FIELDS);
  const schemaError = parsed.error ? t("invalidJson", { error: parsed.error }) : fields.input_schema;

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (parsed.error && !builtin) return;
    setSaving(true);
    setError(null);
    const body: ToolCreate = {
      name: name.trim(),
      description,
      method,
      path: path.trim(),
      input_schema: parsed.value as Record<string, unknown>,
      timeout_s: Number(timeout),
      enabled,
    };
    try {
      const saved = tool
        ? await updateTool(tool.id, builtin ? { name: body.name, description, timeout_s: body.timeout_s, enabled } : body)
        : await createTool(integrationId, body);
      onSaved(saved);
      onOpenChange(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={(next) => !saving && onOpenChange(next)}>
      <DialogContent
        title={tool ? t("editTitle", { name: tool.name }) : t("addTitle")}
        description={t("description")}
        closeLabel={tc("close")}
        className="max-w-2xl"
      >
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <div className="grid gap-4 sm:grid-cols-2">
            <Field id="tool-name" label={t("name")} error={fields.name} hint={t("nameHint")}>
              <Input
                id="tool-name"
                value={name}
                onChange={(event) => setName(event.target.value)}
                aria-invalid={Boolean(fields.name) || undefined}
                placeholder="get_weather"
              />
            </Field>
            <Field id="tool-timeout" label={t("timeout")} error={fields.timeout_s}>
              <Input
                id="tool-timeout"
                type="number"
                min={1}
                max={300}
                step="any"
                value={timeout}
                onChange={(event) => setTimeoutS(event.target.value)}
                aria-invalid={Boolean(fields.timeout_s) || undefined}
              />
            </Field>
          </div>
          <Field id="tool-description" label={t("descriptionLabel")} error={fields.description} hint={t("descriptionHint")}>
            <Textarea id="tool-description" rows={2} value={description} onChange={(event) => setDescription(event.target.value)} />
          </Field>
          {builtin ? null : (
            <div className="grid gap-4 sm:grid-cols-[8rem_minmax(0,1fr)]">
              <Field id="tool-method" label={t("method")} error={fields.method}>
                <Select
                  id="tool-method"
                  value={method}
                  onValueChange={(value) => setMethod(value as Method)}
                  options={METHODS.map((m) => ({ value: m, label: m }))}
                />
              </Field>
              <Field id="tool-path" label={t("path")} error={fields.path} hint={t("pathHint")}>
                <Input id="tool-path" value={path} onChange={(event) => setPath(event.target.value)} placeholder="/weather" />
              </Field>
            </div>
          )}
          {builtin ? null : (
            <>
              <JsonEditor id="tool-schema" label={t("schema")} value={schemaText} onChange={setSchemaText} error={schemaError} rows={12} />
              <p className="text-muted-foreground -mt-2 text-xs">{t("schemaHint")}</p>
            </>
          )}
          <label className="flex items-center gap-2 text-sm">
            <input
              type="checkbox"
              checked={enabled}
              onChange={(event) => setEnabled(event.target.checked)}
              className="accent-primary size-4"
            />
            {t("enabled")}
          </label>
          {general ? <FormError error={error} /> : null}
          <DialogFooter>
            <Button variant="secondary" onClick={() => onOpenChange(false)} disabled={saving}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={saving || (!builtin && Boolean(parsed.error))}>
              {saving ? tc("saving") : tool ? tc("save") : t("add")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
