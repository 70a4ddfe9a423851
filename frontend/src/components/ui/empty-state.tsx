import type { ReactNode } from "react";

type EmptyStateProps = { title: string; description?: string; action?: ReactNode; icon?: ReactNode };

/** Nothing here yet: says so, and offers the next step. */
export function EmptyState({ title, description, action, icon }: EmptyStateProps) {
  return (
    <div className="flex flex-col items-center gap-3 rounded-lg border border-dashed px-6 py-12 text-center">
      {icon}
      <h2 className="text-base font-semibold">{title}</h2>
      {description ? <p className="text-muted-foreground max-w-md text-sm">{description}</p> : null}
      {action}
    </div>
  );
}
