"use client";

import { useId } from "react";
import { Textarea } from "@/components/ui/textarea";

/** Parse JSON text: the value, or the parser's message (shown beside the editor). */
export function parseJson(text: string): { value: unknown; error: null } | { value: undefined; error: string } {
  try {
    return { value: JSON.parse(text) as unknown, error: null };
  } catch (caught) {
    return { value: undefined, error: caught instanceof Error ? caught.message : String(caught) };
  }
}

type JsonEditorProps = {
  id?: string;
  label: string;
  value: string;
  onChange: (text: string) => void;
  /** A message to show under the editor: the parser's or the API's. */
  error?: string | null;
  rows?: number;
};

/** A monospace JSON text area with its error announced under it. */
export function JsonEditor({ id, label, value, onChange, error, rows = 10 }: JsonEditorProps) {
  const generated = useId();
  const editorId = id ?? generated;
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={editorId} className="text-sm font-medium">
        {label}
      </label>
      <Textarea
        id={editorId}
        value={value}
        rows={rows}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${editorId}-error` : undefined}
        onChange={(event) => onChange(event.target.value)}
        className="font-mono text-xs leading-relaxed"
      />
      {error ? (
        <p id={`${editorId}-error`} role="alert" className="text-destructive font-mono text-xs break-words whitespace-pre-wrap">
          {error}
        </p>
      ) : null}
    </div>
  );
}
