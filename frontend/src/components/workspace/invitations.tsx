"use client";

import { useFormatter, useLocale, useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Dialog, DialogContent, DialogFooter } from "@/components/ui/dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { getPathname } from "@/i18n/navigation";
import type { Locale } from "@/i18n/routing";
import { api, unwrap } from "@/lib/api/client";
import { useInvitations, type Invitation, type InvitationCreated, type Role } from "@/lib/api/hooks";
import { useApiErrors } from "@/lib/api/use-api-errors";
import { SecretReveal } from "./secret-reveal";

const ROLES: Role[] = ["owner", "admin", "member"];

/**
 * The link an invitee opens. The token rides in the fragment (`#…`), which browsers never send
 * to a server, so it stays out of every access log and proxy on the way.
 */
export function inviteLink(token: string, locale: Locale): string {
  return `${window.location.origin}${getPathname({ href: "/invite", locale })}#${token}`;
}

/** The invitation just created or re-sent, its link shown once. */
export function InviteLinkDialog({ created, onClose }: { created: InvitationCreated | null; onClose: () => void }) {
  const t = useTranslations("workspace");
  const tc = useTranslations("common");
  const locale = useLocale() as Locale;
  const format = useFormatter();
  return (
    <Dialog open={created !== null} onOpenChange={(open) => !open && onClose()}>
      <DialogContent
        title={t("inviteLinkTitle")}
        description={
          created
            ? t("inviteLinkDescription", {
                email: created.email,
                when: format.relativeTime(new Date(created.expires_at)),
              })
            : undefined
        }
        closeLabel={tc("close")}
      >
        {created ? <SecretReveal value={inviteLink(created.token, locale)} label={t("inviteLinkTitle")} /> : null}
      </DialogContent>
    </Dialog>
  );
}

/** Open invitations with a new link (re-send) and revoke; owners and admins only. */
export function PendingInvitations({ onLink }: { onLink: (created: InvitationCreated) => void }) {
  const t = useTranslations("workspace");
  const format = useFormatter();
  const toast = useToast();
  const apiErrors = useApiErrors();
  const { data, error, mutate } = useInvitations(true);
  const [revoking, setRevoking] = useState<Invitation | null>(null);

  async function resend(invitation: Invitation) {
    try {
      const created = unwrap(
        await api.POST("/api/v1/workspace/invitations/{invitation_id}/resend", {
          params: { path: { invitation_id: invitation.id } },
        }),
      );
      onLink(created);
    } catch (err) {
      toast({ title: apiErrors.describe(err), tone: "error" });
    }
    await mutate();
  }

  async function revoke(invitation: Invitation) {
    try {
      unwrap(
        await api.DELETE("/api/v1/workspace/invitations/{invitation_id}", {
          params: { path: { invitation_id: invitation.id } },
        }),
      );
      toast({ title: t("invitationRevoked"), tone: "success" });
    } catch (err) {
      toast({ title: apiErrors.describe(err), tone: "error" });
    }
    await mutate();
  }

  if (error && !data) return <ErrorState error={error} onRetry={() => mutate()} />;
  if (!data) return <Skeleton className="h-16" />;
  return (
    <section aria-labelledby="pending-invitations" className="flex flex-col gap-2">
      <h2 id="pending-invitations" className="text-sm font-medium">
        {t("pendingInvitations")}
      </h2>
      {data.items.length === 0 ? (
        <p className="text-muted-foreground text-sm">{t("noInvitations")}</p>
      ) : (
        <ul className="divide-y rounded-lg border" aria-labelledby="pending-invitations">
          {data.items.map((invitation) => (
            <li key={invitation.id} className="flex flex-wrap items-center gap-3 p-3">
              <div className="flex min-w-0 flex-1 flex-col">
                <span className="truncate font-medium">{invitation.email}</span>
                <span className="text-muted-foreground text-xs">
                  {invitation.invited_by ? `${t("invitedBy", { name: invitation.invited_by })} · ` : null}
                  {invitation.status === "expired"
                    ? t("invitationExpired")
                    : t("invitationExpires", { when: format.relativeTime(new Date(invitation.expires_at)) })}
                </span>
              </div>
              {invitation.status === "expired" ? <Badge tone="warning">{t("invitationExpired")}</Badge> : null}
              <Badge>{t(`role.${invitation.role}`)}</Badge>
              <Button
                variant="secondary"
                size="sm"
                aria-label={t("newLinkFor", { email: invitation.email })}
                onClick={() => resend(invitation)}
              >
                {t("newLink")}
              </Button>
              <Button
                variant="secondary"
                size="sm"
                aria-label={t("revokeInvitationFor", { email: invitation.email })}
                onClick={() => setRevoking(invitation)}
              >
                {t("revoke")}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={t("revokeInvitationTitle", { email: revoking?.email ?? "" })}
        description={t("revokeInvitationDescription")}
        confirmLabel={t("revoke")}
        onConfirm={() => (revoking ? revoke(revoking) : undefined)}
      />
    </section>
  );
}

/** Invite an email with a role; nobody joins until they accept. */
export function InviteDialog({
  open,
  onOpenChange,
  onCreated,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onCreated: (created: InvitationCreated) => Promise<void>;
}) {
  const apiErrors = useApiErrors();
  const t = useTranslations("workspace");
  const tc = useTranslations("common");
  const [role, setRole] = useState<Role>("member");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const created = unwrap(
        await api.POST("/api/v1/workspace/invitations", {
          body: { email: String(form.get("email") ?? ""), role },
        }),
      );
      onOpenChange(false);
      await onCreated(created);
    } catch (err) {
      const byField = apiErrors.fields(err);
      setErrors(byField);
      if (Object.keys(byField).length === 0) setFormError(apiErrors.describe(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent title={t("inviteTitle")} description={t("inviteIntro")} closeLabel={tc("close")}>
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field id="invite-email" label={t("memberEmail")} error={errors.email}>
            <Input id="invite-email" name="email" type="email" required aria-invalid={errors.email ? true : undefined} />
          </Field>
          <Field id="invite-role" label={t("memberRole")} error={errors.role}>
            <Select
              id="invite-role"
              value={role}
              onValueChange={(value) => setRole(value as Role)}
              options={ROLES.map((value) => ({ value, label: t(`role.${value}`) }))}
            />
          </Field>
          {formError ? (
            <p role="alert" className="text-destructive text-sm">
              {formError}
            </p>
          ) : null}
          <DialogFooter>
            <Button variant="secondary" onClick={() => onOpenChange(false)}>
              {tc("cancel")}
            </Button>
            <Button type="submit" disabled={busy}>
              {t("createInvitation")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
