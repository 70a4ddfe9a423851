"use client";

import { useSearchParams } from "next/navigation";

/** The `?next=` path to return to after signing in, when it is a path on this site. */
export function useSafeNext(): string | null {
  const next = useSearchParams().get("next");
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.includes("\\")) return null;
  return next;
}
