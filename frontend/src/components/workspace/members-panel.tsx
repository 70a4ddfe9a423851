"use client";

import { UserPlus } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
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
import { api, unwrap } from "@/lib/api/client";
import { useMe, useMembers, type Member, type Role } from "@/lib/api/hooks";
import { SecretReveal } from "./secret-reveal";
import { useApiErrors } from "@/lib/api/use-api-errors";

const ROLES: Role[] = ["owner", "admin", "member"];

export function MembersPanel() {
  const apiErrors = useApiErrors();
  const t = useTranslations("workspace");
  const tc = useTranslations("common");
  const format = useFormatter();
  const toast = useToast();
  const me = useMe();
  const { data, error, mutate } = useMembers();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [invite, setInvite] = useState<{ email: string; token: string } | null>(null);
  const canManage = me.data?.role === "owner" || me.data?.role === "admin";
  const roleOptions = ROLES.map((value) => ({ value, label: t(`role.${value}`) }));

  async function changeRole(member: Member, role: Role) {
    try {
      unwrap(
        await api.PATCH("/api/v1/workspace/members/{user_id}", {
          params: { path: { user_id: member.user_id } },
          body: { role },
        }),
      );
      toast({ title: t("roleChanged"), tone: "success" });
    } catch (err) {
      toast({ title: apiErrors.describe(err), tone: "error" });
    }
    await mutate();
  }

  async function remove(member: Member) {
    try {
      unwrap(
        await api.DELETE("/api/v1/workspace/members/{user_id}", { params: { path: { user_id: member.user_id } } }),
      );
      toast({ title: t("memberRemoved"), tone: "success" });
      await mutate();
    } catch (err) {
      toast({ title: apiErrors.describe(err), tone: "error" });
    }
  }

  return (
    <section className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-muted-foreground text-sm">{t("membersIntro")}</p>
        {canManage ? (
          <Button onClick={() => setAdding(true)}>
            <UserPlus className="size-4" aria-hidden />
            {t("addMember")}
          </Button>
        ) : null}
      </div>
      {error && !data ? (
        <ErrorState error={error} onRetry={() => mutate()} />
      ) : !data ? (
        <Skeleton className="h-32" />
      ) : (
        <ul className="divide-y rounded-lg border">
          {data.items.map((member) => {
            const isMe = member.user_id === me.data?.user?.id;
            return (
              <li key={member.user_id} className="flex flex-wrap items-center gap-3 p-3">
                <div className="flex min-w-0 flex-1 flex-col">
                  <span className="font-medium">
                    {member.name} {isMe ? <span className="text-muted-foreground text-xs">({t("you")})</span> : null}
                  </span>
                  <span className="text-muted-foreground truncate text-xs">
                    {member.email} · {t("joined", { when: format.relativeTime(new Date(member.joined_at)) })}
                  </span>
                </div>
                {member.invite_pending ? <Badge tone="warning">{t("invitePending")}</Badge> : null}
                {canManage && !isMe ? (
                  <>
                    <Select
                      aria-label={t("changeRoleFor", { name: member.name })}
                      value={member.role}
                      onValueChange={(role) => changeRole(member, role as Role)}
                      options={roleOptions}
                      className="w-32"
                    />
                    <Button variant="secondary" size="sm" onClick={() => setRemoving(member)}>
                      {t("removeMember")}
                    </Button>
                  </>
                ) : (
                  <Badge>{t(`role.${member.role}`)}</Badge>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <AddMemberDialog
        open={adding}
        onOpenChange={setAdding}
        onAdded={async (email, token) => {
          toast({ title: t("memberAdded"), tone: "success" });
          if (token) setInvite({ email, token });
          await mutate();
        }}
      />
      <Dialog open={invite !== null} onOpenChange={(open) => !open && setInvite(null)}>
        <DialogContent
          title={t("inviteTitle")}
          description={t("inviteDescription", { email: invite?.email ?? "" })}
          closeLabel={tc("close")}
        >
          {invite ? <SecretReveal value={invite.token} label={t("inviteTitle")} /> : null}
        </DialogContent>
      </Dialog>
      <ConfirmDialog
        open={removing !== null}
        onOpenChange={(open) => !open && setRemoving(null)}
        title={t("removeTitle", { name: removing?.name ?? "" })}
        description={t("removeDescription")}
        confirmLabel={t("removeMember")}
        onConfirm={() => (removing ? remove(removing) : undefined)}
      />
    </section>
  );
}

function AddMemberDialog({
  open,
  onOpenChange,
  onAdded,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  onAdded: (email: string, inviteToken: string | null) => Promise<void>;
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
    const password = String(form.get("password") ?? "");
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const created = unwrap(
        await api.POST("/api/v1/workspace/members", {
          body: {
            email: String(form.get("email") ?? ""),
            name: String(form.get("name") ?? ""),
            role,
            password: password || null,
          },
        }),
      );
      onOpenChange(false);
      await onAdded(created.email, created.invite_token ?? null);
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
      <DialogContent title={t("addMember")} closeLabel={tc("close")}>
        <form onSubmit={submit} className="flex flex-col gap-4" noValidate>
          <Field id="member-name" label={t("memberName")} error={errors.name}>
            <Input id="member-name" name="name" required aria-invalid={errors.name ? true : undefined} />
          </Field>
          <Field id="member-email" label={t("memberEmail")} error={errors.email}>
            <Input id="member-email" name="email" type="email" required aria-invalid={errors.email ? true : undefined} />
          </Field>
          <Field id="member-role" label={t("memberRole")} error={errors.role}>
            <Select
              id="member-role"
              value={role}
              onValueChange={(value) => setRole(value as Role)}
              options={ROLES.map((value) => ({ value, label: t(`role.${value}`) }))}
            />
          </Field>
          <Field id="member-password" label={t("memberPassword")} error={errors.password} hint={t("memberPasswordHint")}>
            <Input id="member-password" name="password" type="password" autoComplete="new-password" />
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
              {t("addMember")}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
