"use client";

import { Play } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { JsonBlock } from "@/components/playground/json-block";
import { useMetricFormat } from "@/components/playground/metrics";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { testTool, type Tool, type ToolTestResult } from "@/hooks/use-integrations";
import { FormError } from "./form-error";
import { JsonEditor, parseJson } from "./json-editor";

/** Arguments shaped like the tool's schema, as a starting point: one example per property. */
export function exampleArguments(schema: Record<string, unknown>): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, { type?: unknown; default?: unknown; enum?: unknown[] }>;
  const result: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(properties)) {
    if (property.default !== undefined) result[key] = property.default;
    else if (Array.isArray(property.enum) && property.enum.length > 0) result[key] = property.enum[0];
    else if (property.type === "number" || property.type === "integer") result[key] = 0;
    else if (property.type === "boolean") result[key] = false;
    else if (property.type === "array") result[key] = [];
    else if (property.type === "object") result[key] = {};
    else result[key] = "";
  }
  return result;
}

function prettyBody(body: string): string {
  const parsed = parseJson(body);
  return parsed.error ? body : JSON.stringify(parsed.value, null, 2);
}

/** Call a tool for real with arguments and see what came back: status, latency, body. */
export function ToolTestDialog({ tool, open, onOpenChange }: { tool: Tool; open: boolean; onOpenChange: (open: boolean) => void }) {
  const t = useTranslations("tools.test");
  const tc = useTranslations("common");
  const metric = useMetricFormat();
  const [text, setText] = useState(() => JSON.stringify(exampleArguments(tool.input_schema), null, 2));
  const [result, setResult] = useState<ToolTestResult | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [running, setRunning] = useState(false);
  const parsed = parseJson(text);
  const notObject = !parsed.error && (typeof parsed.value !== "object" || parsed.value === null || Array.isArray(parsed.value));
  const inputError = parsed.error ? t("invalidJson", { error: parsed.error }) : notObject ? t("notObject") : null;

  async function run(event: FormEvent) {
    event.preventDefault();
    if (inputError) return;
    setRunning(true);
    setError(null);
    try {
      setResult(await testTool(tool.id, parsed.value as Record<string, unknown>));
    } catch (caught) {
      setResult(null);
      setError(caught);
    } finally {
      setRunning(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={t("title", { name: tool.name })} description={t("description")} closeLabel={tc("close")} className="max-w-2xl">
        <form onSubmit={run} className="flex flex-col gap-3">
          <JsonEditor id="tool-test-arguments" label={t("arguments")} value={text} onChange={setText} error={inputError} rows={6} />
          <Button type="submit" className="w-fit" disabled={running || Boolean(inputError)}>
            <Play className="size-4" aria-hidden />
            {running ? t("running") : t("run")}
          </Button>
        </form>
        <FormError error={error} />
        {result ? (
          <section aria-label={t("resultLabel")} data-testid="tool-test-result" className="flex flex-col gap-2">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <Badge tone={result.ok ? "success" : "danger"}>
                {result.status_code !== null && result.status_code !== undefined
                  ? t("status", { code: result.status_code })
                  : t("noStatus")}
              </Badge>
              <span className="text-muted-foreground">{t("latency", { value: metric.duration(result.latency_ms) })}</span>
              {result.body_truncated ? <Badge tone="warning">{t("truncated")}</Badge> : null}
            </div>
            {result.error && result.error !== `HTTP ${result.status_code}` ? (
              <p role="alert" className="text-destructive text-sm">
                {result.error}
              </p>
            ) : null}
            <div className="text-muted-foreground text-xs font-medium">{t("body")}</div>
            <JsonBlock value={prettyBody(result.body)} />
            {Object.keys(result.headers).length > 0 ? (
              <details className="text-sm">
                <summary className="text-muted-foreground cursor-pointer text-xs font-medium">{t("headers")}</summary>
                <JsonBlock value={result.headers} className="mt-1" />
              </details>
            ) : null}
          </section>
        ) : null}
      </DialogContent>
    </Dialog>
  );
}
