"use client";

import { AlertTriangle } from "lucide-react";
import { useTranslations } from "next-intl";
import { Button } from "./button";
import { useApiErrors } from "@/lib/api/use-api-errors";

type ErrorStateProps = {
  /** What failed; any thrown value (an ApiError gives the API's own message). */
  error: unknown;
  /** Shown as a Retry button when given. */
  onRetry?: () => void;
  title?: string;
};

/** A failed load: what went wrong in words, and a way to try again. */
export function ErrorState({ error, onRetry, title }: ErrorStateProps) {
  const apiErrors = useApiErrors();
  const t = useTranslations("common");
  return (
    <div
      role="alert"
      className="border-destructive/40 bg-destructive/5 flex flex-col items-start gap-3 rounded-lg border p-4"
    >
      <div className="flex items-center gap-2 font-medium">
        <AlertTriangle className="text-destructive size-4" aria-hidden />
        {title ?? t("loadFailed")}
      </div>
      <p className="text-muted-foreground text-sm">{apiErrors.describe(error)}</p>
      {onRetry ? (
        <Button variant="secondary" size="sm" onClick={onRetry}>
          {t("retry")}
        </Button>
      ) : null}
    </div>
  );
}
