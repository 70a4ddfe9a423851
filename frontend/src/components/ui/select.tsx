"use client";

import { Select as SelectPrimitive } from "radix-ui";
import { Check, ChevronDown } from "lucide-react";
import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/lib/utils";
import { fieldClasses } from "./input";

export type SelectOption = { value: string; label: ReactNode; disabled?: boolean };

type SelectProps = Omit<ComponentProps<typeof SelectPrimitive.Root>, "children"> & {
  id?: string;
  options: SelectOption[];
  placeholder?: string;
  className?: string;
  "aria-invalid"?: boolean;
  "aria-label"?: string;
  "aria-describedby"?: string;
};

/** A keyboard-friendly select (Radix) over a flat list of options. */
export function Select({
  id,
  options,
  placeholder,
  className,
  "aria-invalid": invalid,
  "aria-label": ariaLabel,
  "aria-describedby": describedBy,
  ...props
}: SelectProps) {
  return (
    <SelectPrimitive.Root {...props}>
      <SelectPrimitive.Trigger
        id={id}
        aria-invalid={invalid}
        aria-label={ariaLabel}
        aria-describedby={describedBy}
        className={cn(fieldClasses, "flex h-9 items-center justify-between gap-2 text-left", className)}
      >
        <SelectPrimitive.Value placeholder={placeholder} />
        <SelectPrimitive.Icon>
          <ChevronDown className="size-4 opacity-60" aria-hidden />
        </SelectPrimitive.Icon>
      </SelectPrimitive.Trigger>
      <SelectPrimitive.Portal>
        <SelectPrimitive.Content
          position="popper"
          sideOffset={4}
          className="bg-card text-foreground z-50 max-h-80 min-w-(--radix-select-trigger-width) overflow-hidden rounded-md border shadow-lg"
        >
          <SelectPrimitive.Viewport className="p-1">
            {options.map((option) => (
              <SelectPrimitive.Item
                key={option.value}
                value={option.value}
                disabled={option.disabled}
                className="data-highlighted:bg-muted relative flex cursor-default items-center rounded py-1.5 pr-2 pl-7 text-sm outline-none select-none data-disabled:opacity-50"
              >
                <SelectPrimitive.ItemIndicator className="absolute left-2">
                  <Check className="size-4" aria-hidden />
                </SelectPrimitive.ItemIndicator>
                <SelectPrimitive.ItemText>{option.label}</SelectPrimitive.ItemText>
              </SelectPrimitive.Item>
            ))}
          </SelectPrimitive.Viewport>
        </SelectPrimitive.Content>
      </SelectPrimitive.Portal>
    </SelectPrimitive.Root>
  );
}
