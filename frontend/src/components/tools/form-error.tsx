"use client";

import { useTranslations } from "next-intl";
import { describeError, fieldErrors } from "@/lib/api/errors";

/** A failed save split for a form: messages per field, and the rest as one sentence. */
export function splitErrors(error: unknown, knownFields: string[]): { fields: Record<string, string>; general: boolean } {
  const fields = fieldErrors(error);
  const shown = Object.keys(fields).some((key) => knownFields.includes(key));
  return { fields, general: error !== null && error !== undefined && !shown };
}

/** The form-level error: the API's message (e.g. a service check that names no field). */
export function FormError({ error }: { error: unknown }) {
  const tc = useTranslations("common");
  if (!error) return null;
  return (
    <p role="alert" className="border-destructive/40 bg-destructive/5 text-destructive rounded-md border px-3 py-2 text-sm">
      {describeError(error, tc("unexpectedError"))}
    </p>
  );
}
