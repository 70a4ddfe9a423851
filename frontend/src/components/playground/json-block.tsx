import { cn } from "@/lib/utils";

/** A JSON value (or plain text) shown as a scrollable, wrapped code block. */
export function JsonBlock({ value, className }: { value: unknown; className?: string }) {
  const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  return (
    <pre
      className={cn(
        "bg-muted max-h-64 overflow-auto rounded-md px-3 py-2 font-mono text-xs break-words whitespace-pre-wrap",
        className,
      )}
    >
      {text ?? "null"}
    </pre>
  );
}
