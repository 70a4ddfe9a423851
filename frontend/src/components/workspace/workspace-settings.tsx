"use client";

import { useSearchParams } from "next/navigation";
import { useTranslations } from "next-intl";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { ApiKeysPanel } from "./api-keys-panel";
import { MembersPanel } from "./members-panel";
import { ProviderKeysPanel } from "./provider-keys-panel";

const TABS = ["members", "api-keys", "provider-keys"] as const;
type Tab = (typeof TABS)[number];

/** Members, API keys and provider keys; `?tab=` picks the section (links can point at one). */
export function WorkspaceSettings() {
  const t = useTranslations("workspace");
  const requested = useSearchParams().get("tab");
  const initial: Tab = (TABS as readonly string[]).includes(requested ?? "") ? (requested as Tab) : "members";

  function remember(tab: string) {
    const url = new URL(window.location.href);
    url.searchParams.set("tab", tab);
    window.history.replaceState(window.history.state, "", url);
  }

  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">{t("title")}</h1>
      <Tabs defaultValue={initial} onValueChange={remember}>
        <TabsList aria-label={t("tabsLabel")}>
          <TabsTrigger value="members">{t("members")}</TabsTrigger>
          <TabsTrigger value="api-keys">{t("apiKeys")}</TabsTrigger>
          <TabsTrigger value="provider-keys">{t("providerKeys")}</TabsTrigger>
        </TabsList>
        <TabsContent value="members">
          <MembersPanel />
        </TabsContent>
        <TabsContent value="api-keys">
          <ApiKeysPanel />
        </TabsContent>
        <TabsContent value="provider-keys">
          <ProviderKeysPanel />
        </TabsContent>
      </Tabs>
    </div>
  );
}
