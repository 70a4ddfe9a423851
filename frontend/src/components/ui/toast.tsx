"use client";

import { Toast as ToastPrimitive } from "radix-ui";
import { X } from "lucide-react";
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { cn } from "@/lib/utils";

type ToastTone = "success" | "error" | "info";
type ToastMessage = { id: number; title: string; description?: string; tone: ToastTone };
type ShowToast = (toast: Omit<ToastMessage, "id" | "tone"> & { tone?: ToastTone }) => void;

const ToastContext = createContext<ShowToast | null>(null);

/** Show a short notice in the corner: `const toast = useToast(); toast({ title })`. */
export function useToast(): ShowToast {
  const show = useContext(ToastContext);
  if (!show) throw new Error("useToast must be used inside <ToastProvider>");
  return show;
}

const toneClasses: Record<ToastTone, string> = {
  success: "border-success/40",
  error: "border-destructive/60",
  info: "border-border",
};

export function ToastProvider({ children, closeLabel }: { children: ReactNode; closeLabel: string }) {
  const [toasts, setToasts] = useState<ToastMessage[]>([]);
  const show = useCallback<ShowToast>((toast) => {
    setToasts((current) => [...current, { id: Date.now() + Math.random(), tone: "info", ...toast }]);
  }, []);
  const remove = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);
  const value = useMemo(() => show, [show]);

  return (
    <ToastContext.Provider value={value}>
      <ToastPrimitive.Provider swipeDirection="right" duration={5000}>
        {children}
        {toasts.map((toast) => (
          <ToastPrimitive.Root
            key={toast.id}
            type={toast.tone === "error" ? "foreground" : "background"}
            onOpenChange={(open) => !open && remove(toast.id)}
            className={cn(
              "bg-card text-foreground flex items-start gap-3 rounded-lg border-l-4 p-4 shadow-lg",
              toneClasses[toast.tone],
            )}
          >
            <div className="flex flex-1 flex-col gap-1">
              <ToastPrimitive.Title className="text-sm font-semibold">{toast.title}</ToastPrimitive.Title>
              {toast.description ? (
                <ToastPrimitive.Description className="text-muted-foreground text-sm">
                  {toast.description}
                </ToastPrimitive.Description>
              ) : null}
            </div>
            <ToastPrimitive.Close aria-label={closeLabel} className="hover:bg-muted rounded p-1">
              <X className="size-4" aria-hidden />
            </ToastPrimitive.Close>
          </ToastPrimitive.Root>
        ))}
        <ToastPrimitive.Viewport className="fixed right-0 bottom-0 z-[60] flex w-full max-w-sm flex-col gap-2 p-4 outline-none" />
      </ToastPrimitive.Provider>
    </ToastContext.Provider>
  );
}
