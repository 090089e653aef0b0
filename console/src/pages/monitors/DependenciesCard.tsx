import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { App, Button, Card, Select, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { allMonitors, dependencyApi, type Monitor } from "./monitorApi";

/**
 * What a monitor depends on directly (the identity service, a database…), and what depends on it. The
 * server refuses a choice that would make a cycle and names it; the message stays on the card.
 */
export function DependenciesCard({ monitor }: { monitor: Monitor }) {
  const translate = useTranslate();
  const t = (key: string) => translate(`monitors.deps.${key}`);
  const can = useCan();
  const { message } = App.useApp();
  const deps = useQuery({
    queryKey: ["data", "monitors", "dependencies", monitor.id],
    queryFn: () => dependencyApi.get(monitor.id),
    retry: false,
  });
  const candidates = useQuery({ queryKey: ["monitors", "monitors", "all"], queryFn: allMonitors });
  // The choice being edited; undefined: what is stored.
  const [edited, setEdited] = useState<string[]>();
  const stored = deps.data?.dependsOn.map((d) => d.id) ?? [];
  const picked = edited ?? stored;
  const save = useMutation({
    mutationFn: () => dependencyApi.set(monitor.id, picked),
    onSuccess: () => {
      message.success(t("saved"));
      void deps.refetch().then(() => setEdited(undefined));
    },
  });
  const changed = picked.length !== stored.length || picked.some((id) => !stored.includes(id));

  return (
    <Card size="small" title={t("title")} data-testid="monitor-dependencies">
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t("help")}
      </Typography.Paragraph>
      <ProblemAlert error={save.error ?? deps.error} onClose={() => save.reset()} testId="dependencies-problem" />
      {deps.data && (
        <>
          <Space.Compact style={{ width: "100%", maxWidth: 720 }}>
            <Select
              mode="multiple"
              style={{ width: "100%" }}
              placeholder={t("pick")}
              optionFilterProp="label"
              value={picked}
              onChange={setEdited}
              disabled={!can("update", "Monitor")}
              loading={candidates.isFetching}
              data-testid="dependencies-select"
              options={(candidates.data ?? [])
                .filter((c) => c.id !== monitor.id)
                .map((c) => ({ value: c.id, label: c.name }))}
            />
            {can("update", "Monitor") && (
              <Button
                type="primary"
                disabled={!changed}
                loading={save.isPending}
                onClick={() => save.mutate()}
                data-testid="dependencies-save"
              >
                {t("save")}
              </Button>
            )}
          </Space.Compact>
          <div style={{ marginTop: 8 }} data-testid="dependencies-dependents">
            <Typography.Text type="secondary">{t("dependents")} </Typography.Text>
            {deps.data.dependents.length === 0
              ? translate("monitors.common.none")
              : deps.data.dependents.map((d) => (
                  <Tag key={d.id}>
                    <Link to={`/system/monitors/${encodeURIComponent(d.id)}`}>{d.name}</Link>
                  </Tag>
                ))}
          </div>
        </>
      )}
    </Card>
  );
}
