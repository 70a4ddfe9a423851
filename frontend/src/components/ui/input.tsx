import type { ComponentProps } from "react";
import { cn } from "@/lib/utils";

export const fieldClasses =
  "w-full rounded-md border border-border bg-background px-3 text-sm placeholder:text-muted-foreground " +
  "focus-visible:ring-ring focus-visible:ring-2 focus-visible:outline-none disabled:opacity-50 " +
  "aria-invalid:border-destructive";

export function Input({ className, ...props }: ComponentProps<"input">) {
  return <input className={cn(fieldClasses, "h-9", className)} {...props} />;
}
