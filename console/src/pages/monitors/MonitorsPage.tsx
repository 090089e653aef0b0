import { useTranslate } from "@refinedev/core";
import { Tabs } from "antd";
import { useSearchParams } from "react-router";
import { PageContainer } from "../../components/PageContainer";
import type { ConsoleResource } from "../../resources";
import { AppsPanel } from "./AppsPanel";
import { MaintenancePanel } from "./MaintenancePanel";
import { MonitorList } from "./MonitorList";

const TABS = ["monitors", "apps", "maintenance"] as const;
type Tab = (typeof TABS)[number];

/**
 * 监控 (sysadmin): the monitors with their state, the apps and platform services they belong to, and the
 * maintenance windows left out of the SLA. The tab is in the address (?tab=apps) so it can be linked.
 */
export function MonitorsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: Tab = (TABS as readonly string[]).includes(asked ?? "") ? (asked as Tab) : "monitors";
  return (
    <PageContainer resource={resource}>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams(key === "monitors" ? {} : { tab: key }, { replace: true })}
        destroyOnHidden
        items={[
          {
            key: "monitors",
            label: <span data-testid="tab-monitors">{translate("monitors.tabs.monitors")}</span>,
            children: <MonitorList />,
          },
          {
            key: "apps",
            label: <span data-testid="tab-apps">{translate("monitors.tabs.apps")}</span>,
            children: <AppsPanel />,
          },
          {
            key: "maintenance",
            label: <span data-testid="tab-maintenance">{translate("monitors.tabs.maintenance")}</span>,
            children: <MaintenancePanel />,
          },
        ]}
      />
    </PageContainer>
  );
}
