"use client";

import { Search } from "lucide-react";
import { useTranslations } from "next-intl";
import { useId, useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { cn } from "@/lib/utils";
import { filterOperations, groupByTag, prefixedName, toggleAll, type PreviewOperation } from "./openapi-import-model";

type OperationPickerProps = {
  operations: PreviewOperation[];
  selected: Set<string>;
  onChange: (selected: Set<string>) => void;
  maxTools: number;
  namePrefix: string;
};

/**
 * Every operation of the document, grouped by tag, each with a checkbox; per tag "all" and
 * "none" (of the operations the search shows), a search box, and the count against the cap.
 */
export function OperationPicker({ operations, selected, onChange, maxTools, namePrefix }: OperationPickerProps) {
  const t = useTranslations("tools.import");
  const [query, setQuery] = useState("");
  const searchId = useId();
  const shown = useMemo(() => filterOperations(operations, query), [operations, query]);
  const groups = useMemo(() => groupByTag(shown), [shown]);
  const over = selected.size > maxTools;

  return (
    <div className="flex flex-col gap-2" data-testid="openapi-operations">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p
          className={cn("text-sm font-medium", over && "text-destructive")}
          aria-live="polite"
          data-testid="openapi-selected-count"
        >
          {t("selectedCount", { selected: selected.size, total: operations.length, max: maxTools })}
        </p>
        <div className="flex gap-1">
          <Button size="sm" variant="ghost" onClick={() => onChange(toggleAll(selected, shown, true))}>
            {query ? t("selectShown") : t("selectAll")}
          </Button>
          <Button size="sm" variant="ghost" onClick={() => onChange(toggleAll(selected, shown, false))}>
            {query ? t("selectNoneShown") : t("selectNone")}
          </Button>
        </div>
      </div>
      {over ? (
        <p role="alert" className="text-destructive text-xs">
          {t("tooMany", { max: maxTools })}
        </p>
      ) : null}
      <div className="relative">
        <Search className="text-muted-foreground pointer-events-none absolute top-2.5 left-2.5 size-4" aria-hidden />
        <Input
          id={searchId}
          type="search"
          aria-label={t("searchLabel")}
          placeholder={t("searchPlaceholder")}
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          className="pl-8"
        />
      </div>
      <div className="flex max-h-80 flex-col gap-3 overflow-y-auto pr-1">
        {groups.length === 0 ? <p className="text-muted-foreground text-sm">{t("noMatch")}</p> : null}
        {groups.map((group) => {
          const label = group.tag || t("untagged");
          const chosen = group.operations.filter((operation) => selected.has(operation.key)).length;
          return (
            <fieldset key={group.tag} className="flex flex-col gap-1" data-testid="openapi-tag-group">
              <legend className="flex w-full flex-wrap items-center gap-2 text-sm font-semibold">
                <span>{label}</span>
                <span className="text-muted-foreground text-xs font-normal">
                  {t("groupCount", { selected: chosen, total: group.operations.length })}
                </span>
                <span className="ml-auto flex gap-1">
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={t("selectTag", { tag: label })}
                    onClick={() => onChange(toggleAll(selected, group.operations, true))}
                  >
                    {t("all")}
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    aria-label={t("deselectTag", { tag: label })}
                    onClick={() => onChange(toggleAll(selected, group.operations, false))}
                  >
                    {t("none")}
                  </Button>
                </span>
              </legend>
              <ul className="flex flex-col gap-0.5">
                {group.operations.map((operation) => (
                  <OperationRow
                    key={operation.key}
                    operation={operation}
                    checked={selected.has(operation.key)}
                    namePrefix={namePrefix}
                    onToggle={(on) => onChange(toggleAll(selected, [operation], on))}
                  />
                ))}
              </ul>
            </fieldset>
          );
        })}
      </div>
    </div>
  );
}

function OperationRow({
  operation,
  checked,
  namePrefix,
  onToggle,
}: {
  operation: PreviewOperation;
  checked: boolean;
  namePrefix: string;
  onToggle: (on: boolean) => void;
}) {
  const t = useTranslations("tools.import");
  const id = useId();
  return (
    <li className="flex items-start gap-2 rounded px-1 py-0.5 text-sm hover:bg-muted/50" data-testid="openapi-operation">
      <input
        id={id}
        type="checkbox"
        className="mt-1 size-4 shrink-0 accent-[var(--color-primary)]"
        checked={checked}
        aria-label={operation.key}
        aria-describedby={`${id}-about`}
        onChange={(event) => onToggle(event.target.checked)}
      />
      <label htmlFor={id} className="flex min-w-0 flex-1 flex-wrap items-baseline gap-x-2 gap-y-0.5">
        <Badge>{operation.method}</Badge>
        <span className={cn("font-mono text-xs break-all", operation.deprecated && "line-through")}>{operation.path}</span>
        {operation.deprecated ? <Badge tone="warning">{t("deprecated")}</Badge> : null}
        <span id={`${id}-about`} className="contents">
          <span className="text-muted-foreground font-mono text-xs">{prefixedName(namePrefix, operation.tool_name)}</span>
          {operation.summary ? <span className="text-muted-foreground w-full truncate text-xs">{operation.summary}</span> : null}
        </span>
      </label>
    </li>
  );
}
