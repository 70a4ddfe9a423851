"use client";

import { AlertTriangle } from "lucide-react";
import { useTranslations } from "next-intl";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { MAX_PREFIX, prefixProblem, serverUrl, variableValues, type ImportWarning, type PreviewServer } from "./openapi-import-model";

/** The tool-name prefix, so two APIs with a `get_item` can live on one agent. */
export function NamePrefixField({
  value,
  onChange,
  serverError,
}: {
  value: string;
  onChange: (value: string) => void;
  serverError?: string;
}) {
  const t = useTranslations("tools.import");
  const problem = prefixProblem(value);
  return (
    <Field
      id="openapi-name-prefix"
      label={t("prefixLabel")}
      hint={t("prefixHint")}
      error={problem ? t(problem === "length" ? "prefixTooLong" : "prefixChars", { max: MAX_PREFIX }) : serverError}
    >
      <Input
        id="openapi-name-prefix"
        value={value}
        placeholder="stripe_"
        aria-invalid={problem !== null || Boolean(serverError)}
        onChange={(event) => onChange(event.target.value)}
      />
    </Field>
  );
}

type ServerFieldsProps = {
  servers: PreviewServer[];
  index: number;
  onIndexChange: (index: number) => void;
  values: Record<string, string>;
  onValuesChange: (values: Record<string, string>) => void;
  documentUrl?: string;
  overridden: boolean;
};

/**
 * The document's servers (a choice when there are several) and the chosen one's variables:
 * a select for a variable with an enum, a text field otherwise, each starting at its default.
 */
export function ServerFields({ servers, index, onIndexChange, values, onValuesChange, documentUrl, overridden }: ServerFieldsProps) {
  const t = useTranslations("tools.import");
  const server = servers[index];
  if (!server) return null;
  const filled = variableValues(server, values);
  const set = (name: string, value: string) => onValuesChange({ ...values, [name]: value });
  return (
    <div className="flex flex-col gap-3" data-testid="openapi-servers">
      {servers.length > 1 ? (
        <Field id="openapi-server" label={t("serverLabel")} hint={overridden ? t("serverOverridden") : undefined}>
          <Select
            id="openapi-server"
            value={String(index)}
            onValueChange={(next) => onIndexChange(Number(next))}
            options={servers.map((option, i) => ({
              value: String(i),
              label: option.description ? `${option.description} (${option.url})` : option.url,
            }))}
          />
        </Field>
      ) : null}
      {Object.entries(server.variables).map(([name, variable]) => {
        const id = `openapi-server-var-${name}`;
        const label = t("variableLabel", { name });
        return (
          <Field key={name} id={id} label={label} hint={variable.description ?? undefined}>
            {variable.enum && variable.enum.length > 0 ? (
              <Select
                id={id}
                aria-label={label}
                value={filled[name]}
                onValueChange={(next) => set(name, next)}
                options={variable.enum.map((option) => ({ value: option, label: option }))}
              />
            ) : (
              <Input id={id} value={filled[name] ?? ""} onChange={(event) => set(name, event.target.value)} />
            )}
          </Field>
        );
      })}
      <p className="text-muted-foreground text-xs">
        {t("serverUrl")} <span className="font-mono break-all" data-testid="openapi-server-url">{serverUrl(server, filled, documentUrl)}</span>
      </p>
    </div>
  );
}

/** The importer's warnings, each with where in the document it applies. */
export function ImportWarnings({ warnings }: { warnings: ImportWarning[] }) {
  const t = useTranslations("tools.import");
  if (warnings.length === 0) return null;
  return (
    <section aria-label={t("warningsLabel")} data-testid="openapi-warnings" className="flex flex-col gap-1">
      <h3 className="text-warning flex items-center gap-1 text-sm font-medium">
        <AlertTriangle className="size-4 shrink-0" aria-hidden />
        {t("warningsTitle", { count: warnings.length })}
      </h3>
      <ul className="flex max-h-40 flex-col gap-1.5 overflow-y-auto text-xs">
        {warnings.map((warning, i) => (
          <li key={`${warning.path}-${i}`} className="flex flex-col" data-testid="openapi-warning">
            <span>{warning.message}</span>
            {warning.path ? <code className="text-muted-foreground font-mono break-all">{warning.path}</code> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
