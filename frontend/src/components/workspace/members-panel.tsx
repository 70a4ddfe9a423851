"use client";

import { UserPlus } from "lucide-react";
import { useFormatter, useTranslations } from "next-intl";
import { useState } from "react";
import { useSWRConfig } from "swr";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { ErrorState } from "@/components/ui/error-state";
import { Select } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { useToast } from "@/components/ui/toast";
import { api, unwrap } from "@/lib/api/client";
import { keys, useMe, useMembers, type InvitationCreated, type Member, type Role } from "@/lib/api/hooks";
import { InviteDialog, InviteLinkDialog, PendingInvitations } from "./invitations";
import { useApiErrors } from "@/lib/api/use-api-errors";

const ROLES: Role[] = ["owner", "admin", "member"];

export function MembersPanel() {
  const apiErrors = useApiErrors();
  const t = useTranslations("workspace");
  const format = useFormatter();
  const toast = useToast();
  const me = useMe();
  const { data, error, mutate } = useMembers();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  // The invitation just created or re-sent: its link is shown once, then only its hash is kept.
  const [invite, setInvite] = useState<InvitationCreated | null>(null);
  const { mutate: mutateInvitations } = useSWRConfig();
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
            {t("invite")}
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
      {canManage ? <PendingInvitations onLink={setInvite} /> : null}
      <InviteDialog
        open={adding}
        onOpenChange={setAdding}
        onCreated={async (created) => {
          toast({ title: t("invitationCreated"), tone: "success" });
          setInvite(created);
          await mutateInvitations(keys.invitations);
        }}
      />
      <InviteLinkDialog created={invite} onClose={() => setInvite(null)} />
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
