import { useTranslate } from "@refinedev/core";
import { useQueryClient } from "@tanstack/react-query";
import { Tabs } from "antd";
import { useSearchParams } from "react-router";
import { PageContainer } from "../../components/PageContainer";
import type { ConsoleResource } from "../../resources";
import { ChannelsPanel } from "./ChannelsPanel";
import { DeliveryLog } from "./DeliveryLog";

const TABS = ["channels", "deliveries"] as const;
type Tab = (typeof TABS)[number];

/** 通知渠道 (sysadmin): webhook, SMS, e-mail and console channels with test sends; the delivery log. */
export function ChannelsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: Tab = (TABS as readonly string[]).includes(asked ?? "") ? (asked as Tab) : "channels";
  return (
    <PageContainer resource={resource}>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        destroyOnHidden
        items={[
          {
            key: "channels",
            label: translate("channels.tabs.channels"),
            // A test send lands in the log (and, for a console channel, in the message centre).
            children: (
              <ChannelsPanel
                onTested={() => {
                  void queryClient.invalidateQueries({ queryKey: ["data", "notification-deliveries"] });
                  void queryClient.invalidateQueries({ queryKey: ["messages"] });
                }}
              />
            ),
          },
          { key: "deliveries", label: translate("channels.tabs.deliveries"), children: <DeliveryLog /> },
        ]}
      />
    </PageContainer>
  );
}
