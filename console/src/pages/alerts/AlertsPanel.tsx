import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { Link } from "react-router";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { useLocale } from "../../i18n/localeStore";
import { formatBeijingTime } from "../../time";
import { type Alert, alertApi } from "./alertApi";
import { ALERT_CATEGORIES, ALERT_STATE_COLOR, SEVERITIES, SEVERITY_COLOR } from "./alertModel";
import { useMonitorNames } from "./useRefs";

const PAGE_SIZE = 20;
const REFRESH_MS = 10_000;
type StateFilter = "open" | "firing" | "acknowledged" | "resolved" | "all";
// Shown elsewhere in the row (rule, category, severity) or as a name (the monitor id beside monitor_name).
const HIDDEN_LABELS = new Set(["rule", "category", "severity", "monitor"]);

/**
 * Current alerts: one row per rule and label set, grouped under the root cause (the deepest failed dependency)
 * with the monitors it took down listed; acknowledge and resolve by hand.
 */
export function AlertsPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`alerts.list.${key}`, values);
  const locale = useLocale();
  const can = useCan();
  const names = useMonitorNames();
  const [page, setPage] = useState(1);
  const [state, setState] = useState<StateFilter>("open");
  const [severity, setSeverity] = useState<string>();
  const [category, setCategory] = useState<string>();
  const [error, setError] = useState<unknown>();
  const alerts = useQuery({
    queryKey: ["data", "alerts", "list", state, severity, category, page],
    queryFn: () => alertApi.alerts(page, PAGE_SIZE, { ...(state === "all" ? {} : { state }), severity, category }),
    placeholderData: (previous) => previous,
    refetchInterval: REFRESH_MS,
  });
  const confirm = useConfirmedAction(setError, () => alerts.refetch());
  const mayUpdate = can("update", "Alert");
  const reset = () => setPage(1);

  return (
    <Card
      styles={{ body: { padding: 0 } }}
      title={
        <Space wrap>
          <Segmented
            size="small"
            value={state}
            data-testid="alert-state-filter"
            onChange={(value) => {
              setState(value as StateFilter);
              reset();
            }}
            options={[
              { value: "open", label: translate("alerts.filters.open") },
              ...(["firing", "acknowledged", "resolved"] as const).map((s) => ({
                value: s,
                label: translate(`alerts.states.${s}`),
              })),
              { value: "all", label: translate("alerts.filters.all") },
            ]}
          />
          <Select
            size="small"
            allowClear
            style={{ width: 120 }}
            value={severity}
            placeholder={translate("alerts.filters.anySeverity")}
            onChange={(v?: string) => {
              setSeverity(v);
              reset();
            }}
            options={SEVERITIES.map((s) => ({ value: s, label: translate(`alerts.severities.${s}`) }))}
          />
          <Select
            size="small"
            allowClear
            style={{ width: 150 }}
            value={category}
            placeholder={translate("alerts.filters.category")}
            onChange={(v?: string) => {
              setCategory(v);
              reset();
            }}
            options={ALERT_CATEGORIES.map((c) => ({ value: c, label: translate(`alerts.categories.${c}`) }))}
          />
        </Space>
      }
    >
      <ProblemAlert error={error ?? alerts.error} onClose={() => setError(undefined)} testId="alerts-problem" />
      <Table<Alert>
        rowKey="id"
        size="middle"
        loading={alerts.isFetching && !alerts.data}
        dataSource={alerts.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        scroll={{ x: "max-content" }}
        onRow={rowHooks}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: alerts.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => t("total", { total }),
        )}
        columns={[
          {
            title: t("severity"),
            dataIndex: "severity",
            render: (s: Alert["severity"]) => (
              <Tag color={SEVERITY_COLOR[s]}>{translate(`alerts.severities.${s}`)}</Tag>
            ),
          },
          {
            title: t("summary"),
            key: "summary",
            render: (_, a) => (
              <div style={{ maxWidth: 420 }}>
                <Typography.Text strong>{locale === "zh-CN" ? a.summaryZh || a.summary : a.summary}</Typography.Text>
                <div>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {a.ruleName} · {translate(`alerts.categories.${a.category}`)}
                  </Typography.Text>
                  {a.silenced && <Tag style={{ marginInlineStart: 8 }}>{t("silenced")}</Tag>}
                </div>
              </div>
            ),
          },
          {
            title: t("rootCause"),
            key: "root",
            render: (_, a) =>
              a.rootMonitorId ? (
                <div data-testid="alert-root-cause">
                  <Tag color="volcano">{names.name(a.rootMonitorId)}</Tag>
                  {a.dependents.length > 0 && (
                    <Tooltip title={a.dependents.map(names.name).join("、")}>
                      <Typography.Text type="secondary" data-testid="alert-dependents">
                        {t("dependents", { count: a.dependents.length })}
                      </Typography.Text>
                    </Tooltip>
                  )}
                </div>
              ) : (
                "—"
              ),
          },
          {
            title: t("labels"),
            dataIndex: "labels",
            render: (labels: Alert["labels"]) => (
              <Space size={[4, 4]} wrap style={{ maxWidth: 280 }}>
                {Object.entries(labels)
                  .filter(([k]) => !HIDDEN_LABELS.has(k))
                  .map(([k, v]) => (
                    <Tag key={k} bordered={false}>
                      {k}={v}
                    </Tag>
                  ))}
              </Space>
            ),
          },
          {
            title: t("state"),
            dataIndex: "state",
            render: (s: Alert["state"]) => (
              <Tag color={ALERT_STATE_COLOR[s]} data-testid="alert-state" data-state={s}>
                {translate(`alerts.states.${s}`)}
              </Tag>
            ),
          },
          { title: t("firstSeen"), dataIndex: "firstSeen", render: (iso: string) => formatBeijingTime(iso) },
          { title: t("lastSeen"), dataIndex: "lastSeen", render: (iso: string) => formatBeijingTime(iso) },
          { title: t("count"), dataIndex: "count", align: "right" },
          {
            title: t("incident"),
            dataIndex: "incidentId",
            render: (id: string | null) =>
              id ? (
                <Link to={`/system/incidents?incident=${id}`} data-testid="alert-incident">
                  {t("openIncident")}
                </Link>
              ) : (
                "—"
              ),
          },
          {
            title: translate("incidents.common.actions"),
            key: "ops",
            render: (_, a) =>
              mayUpdate &&
              a.state !== "resolved" && (
                <Space size={4}>
                  {a.state === "firing" && (
                    <Button
                      size="small"
                      onClick={() =>
                        confirm({
                          title: `${t("acknowledge")} · ${a.ruleName}`,
                          run: () => alertApi.acknowledge(a),
                          success: t("acknowledged"),
                        })
                      }
                      data-testid="alert-acknowledge"
                    >
                      {t("acknowledge")}
                    </Button>
                  )}
                  <Button
                    size="small"
                    onClick={() =>
                      confirm({
                        title: t("confirmResolve"),
                        run: () => alertApi.resolve(a),
                        success: t("resolved"),
                      })
                    }
                    data-testid="alert-resolve"
                  >
                    {t("resolve")}
                  </Button>
                </Space>
              ),
          },
        ]}
      />
    </Card>
  );
}

function rowHooks(a: Alert): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "alert-row", "data-rule": a.ruleName, "data-state": a.state };
  return hooks as HTMLAttributes<HTMLElement>;
}
