"use client";

import { Check, Copy } from "lucide-react";
import { useTranslations } from "next-intl";
import { useState } from "react";
import { Button } from "@/components/ui/button";

/** A secret shown once (new API key, invite token), with a copy button. */
export function SecretReveal({ value, label }: { value: string; label: string }) {
  const tc = useTranslations("common");
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex items-center gap-2">
      <code
        aria-label={label}
        className="bg-muted flex-1 overflow-x-auto rounded-md px-3 py-2 font-mono text-sm break-all select-all"
      >
        {value}
      </code>
      <Button
        variant="secondary"
        size="sm"
        onClick={async () => {
          await navigator.clipboard?.writeText(value).catch(() => undefined);
          setCopied(true);
        }}
      >
        {copied ? <Check className="size-4" aria-hidden /> : <Copy className="size-4" aria-hidden />}
        {copied ? tc("copied") : tc("copy")}
      </Button>
    </div>
  );
}
