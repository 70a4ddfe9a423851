"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

type SecretInputProps = {
  id: string;
  /** The saved value's mask from the API, or undefined when nothing is saved. */
  mask?: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  invalid?: boolean;
};

/**
 * A write-only secret: once saved it shows only its mask, with "Replace" to type a new one;
 * what is typed is never shown back by the API.
 */
export function SecretInput({ id, mask, value, onChange, required, invalid }: SecretInputProps) {
  const t = useTranslations("tools.secret");
  const [replacing, setReplacing] = useState(false);

  if (mask && !replacing) {
    return (
      <div className="flex items-center gap-2">
        <code id={id} className="bg-muted flex-1 truncate rounded-md px-3 py-2 font-mono text-sm" aria-label={t("saved")}>
          {mask}
        </code>
        <Button variant="secondary" size="sm" onClick={() => setReplacing(true)}>
          {t("replace")}
        </Button>
      </div>
    );
  }
  return (
    <div className="flex items-center gap-2">
      <Input
        id={id}
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={value}
        required={required && !mask}
        aria-invalid={invalid || undefined}
        placeholder={mask ? t("newValue") : undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      {mask ? (
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            onChange("");
            setReplacing(false);
          }}
        >
          {t("keep")}
        </Button>
      ) : null}
    </div>
  );
}
