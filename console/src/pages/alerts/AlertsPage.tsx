import { useTranslate } from "@refinedev/core";
import { Tabs } from "antd";
import { useSearchParams } from "react-router";
import { PageContainer } from "../../components/PageContainer";
import type { ConsoleResource } from "../../resources";
import { AlertsPanel } from "./AlertsPanel";
import { RulesPanel } from "./RulesPanel";
import { SilencesPanel } from "./SilencesPanel";

const TABS = ["alerts", "silences", "rules"] as const;
type Tab = (typeof TABS)[number];

/** 告警 (sysadmin): current alerts grouped by root cause, silences, and the warning rules by category. */
export function AlertsPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const [params, setParams] = useSearchParams();
  const asked = params.get("tab");
  const tab: Tab = (TABS as readonly string[]).includes(asked ?? "") ? (asked as Tab) : "alerts";
  return (
    <PageContainer resource={resource}>
      <Tabs
        activeKey={tab}
        onChange={(key) => setParams({ tab: key }, { replace: true })}
        destroyOnHidden
        items={[
          { key: "alerts", label: translate("alerts.tabs.alerts"), children: <AlertsPanel /> },
          { key: "silences", label: translate("alerts.tabs.silences"), children: <SilencesPanel /> },
          { key: "rules", label: translate("alerts.tabs.rules"), children: <RulesPanel /> },
        ]}
      />
    </PageContainer>
  );
}
