import {
  DeleteOutlined,
  EditOutlined,
  MoreOutlined,
  PauseCircleOutlined,
  PlayCircleOutlined,
  PlusOutlined,
  ReloadOutlined,
  ThunderboltOutlined,
} from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Dropdown, Input, Select, Space, Table, Tag, Typography } from "antd";
import type { SorterResult } from "antd/es/table/interface";
import { type HTMLAttributes, useState } from "react";
import { Link } from "react-router";
import { OneTimeSecret } from "../../components/org/OneTimeSecret";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { MAX_PAGE_SIZE } from "../../providers/dataProvider";
import { formatBeijingTime } from "../../time";
import { allApps, type Monitor, monitorApi, type MonitorListParams, MONITOR_STATES, MONITOR_TYPES } from "./monitorApi";
import { displayState, targetOf } from "./monitorModel";
import { MonitorFormDialog } from "./MonitorFormDialog";
import { StateTag, useReasonText } from "./StateTag";
import { useMonitorActions } from "./useMonitorActions";

type Filters = Omit<MonitorListParams, "page" | "pageSize" | "sort">;

export const monitorPath = (id: string) => `/system/monitors/${encodeURIComponent(id)}`;

const rowHooks = (m: Monitor): HTMLAttributes<HTMLElement> =>
  ({ "data-testid": "monitor-row", "data-name": m.name, "data-state": displayState(m) }) as HTMLAttributes<HTMLElement>;

/** 监控项: every monitor with its current state, filters, server-side paging and sorting, and its actions. */
export function MonitorList() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.list.${key}`, values);
  const can = useCan();
  const reasonText = useReasonText();
  const [page, setPage] = useState(1);
  const [pageSize, setPageSize] = useState(20);
  const [sort, setSort] = useState<MonitorListParams["sort"]>({ field: "name", order: "asc" });
  const [filters, setFilters] = useState<Filters>({});
  const [editing, setEditing] = useState<{ monitor?: Monitor }>();
  const [error, setError] = useState<unknown>();
  const [pushToken, setPushToken] = useState<{ id: string; token: string }>();
  const monitors = useQuery({
    queryKey: ["data", "monitors", "list", filters, page, pageSize, sort],
    queryFn: () => monitorApi.list({ ...filters, page, pageSize, sort }),
    placeholderData: (previous) => previous,
    // The states change as the prober writes results: keep the list fresh while it is shown.
    refetchInterval: 15_000,
  });
  const apps = useQuery({ queryKey: ["monitors", "apps", "all"], queryFn: allApps, retry: false });
  const appName = (id: unknown) => (typeof id === "string" ? (apps.data?.find((a) => a.id === id)?.name ?? "") : "");
  const refetch = () => monitors.refetch();
  const actions = useMonitorActions({ setError, onChanged: refetch });
  const filter = (patch: Filters) => {
    setFilters((current) => ({ ...current, ...patch }));
    setPage(1);
  };

  const menu = (m: Monitor) => {
    const items = [];
    if (can("update", "Monitor")) {
      items.push(
        { key: "test", icon: <ThunderboltOutlined />, label: t("testNow"), onClick: () => void actions.testNow(m) },
        m.paused
          ? {
              key: "resume",
              icon: <PlayCircleOutlined />,
              label: t("resume"),
              onClick: () => void actions.setPaused(m, false),
            }
          : {
              key: "pause",
              icon: <PauseCircleOutlined />,
              label: t("pause"),
              onClick: () => void actions.setPaused(m, true),
            },
        {
          key: "edit",
          icon: <EditOutlined />,
          label: translate("monitors.common.edit"),
          onClick: () => setEditing({ monitor: m }),
        },
      );
    }
    if (can("delete", "Monitor")) {
      items.push({
        key: "delete",
        icon: <DeleteOutlined />,
        danger: true,
        label: translate("monitors.common.delete"),
        onClick: () => actions.remove(m),
      });
    }
    return items;
  };

  return (
    <>
      <ProblemAlert error={error ?? monitors.error} onClose={() => setError(undefined)} testId="monitors-problem" />
      <Card
        styles={{ body: { padding: 0 } }}
        title={
          <Space wrap style={{ paddingBlock: 8 }}>
            <Input.Search
              allowClear
              placeholder={t("search")}
              style={{ width: 200 }}
              data-testid="monitor-search"
              onSearch={(q) => filter({ q })}
            />
            <Select
              allowClear
              placeholder={t("type")}
              style={{ width: 140 }}
              data-testid="monitor-filter-type"
              options={MONITOR_TYPES.map((v) => ({ value: v, label: translate(`monitors.types.${v}`) }))}
              onChange={(type) => filter({ type })}
            />
            <Select
              allowClear
              placeholder={t("state")}
              style={{ width: 120 }}
              data-testid="monitor-filter-state"
              options={MONITOR_STATES.map((v) => ({ value: v, label: translate(`monitors.states.${v}`) }))}
              onChange={(state) => filter({ state })}
            />
            <Select
              allowClear
              placeholder={t("paused")}
              style={{ width: 130 }}
              options={[
                { value: "true", label: t("pausedOnly") },
                { value: "false", label: t("activeOnly") },
              ]}
              onChange={(paused) => filter({ paused })}
            />
            <Input.Search
              allowClear
              placeholder={t("tag")}
              style={{ width: 140 }}
              maxLength={50}
              onSearch={(tag) => filter({ tag })}
            />
            <Select
              allowClear
              showSearch
              optionFilterProp="label"
              placeholder={t("app")}
              style={{ width: 160 }}
              options={(apps.data ?? []).map((a) => ({ value: a.id, label: a.name }))}
              onChange={(appId) => filter({ appId })}
            />
          </Space>
        }
        extra={
          <Space>
            <Button
              icon={<ReloadOutlined />}
              onClick={() => void refetch()}
              loading={monitors.isFetching}
              aria-label={translate("monitors.common.refresh")}
            />
            {can("create", "Monitor") && (
              <Button
                type="primary"
                icon={<PlusOutlined />}
                onClick={() => setEditing({})}
                data-testid="monitor-create"
              >
                {t("create")}
              </Button>
            )}
          </Space>
        }
      >
        <Table<Monitor>
          rowKey="id"
          size="middle"
          data-testid="monitor-table"
          loading={monitors.isFetching && !monitors.data}
          dataSource={monitors.data?.rows ?? []}
          locale={{ emptyText: t("empty") }}
          scroll={{ x: "max-content" }}
          onRow={rowHooks}
          onChange={(_, __, sorter) => {
            const s = sorter as SorterResult<Monitor>;
            setSort(s.order ? { field: String(s.field), order: s.order === "ascend" ? "asc" : "desc" } : undefined);
          }}
          pagination={withTotal(
            {
              current: page,
              pageSize,
              total: monitors.data?.total ?? 0,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100, MAX_PAGE_SIZE],
              onChange: (next, size) => {
                setPage(size === pageSize ? next : 1);
                setPageSize(size);
              },
            },
            (total) => translate("monitors.common.total", { total }),
          )}
          columns={[
            {
              title: t("state"),
              key: "state",
              width: 90,
              render: (_, m) => <StateTag state={displayState(m)} testId="monitor-state" />,
            },
            {
              title: t("name"),
              dataIndex: "name",
              sorter: true,
              defaultSortOrder: "ascend",
              render: (name: string, m) => (
                <Link to={monitorPath(m.id)} data-testid="monitor-link">
                  {name}
                </Link>
              ),
            },
            {
              title: t("type"),
              dataIndex: "type",
              sorter: true,
              render: (type: string) => translate(`monitors.types.${type}`),
            },
            {
              title: t("target"),
              key: "target",
              render: (_, m) => (
                <Typography.Text style={{ maxWidth: 320 }} ellipsis={{ tooltip: targetOf(m) }}>
                  {targetOf(m)}
                </Typography.Text>
              ),
            },
            { title: t("app"), key: "app", render: (_, m) => appName(m.definition.appId) },
            {
              title: t("tags"),
              key: "tags",
              render: (_, m) =>
                (Array.isArray(m.definition.tags) ? (m.definition.tags as string[]) : []).map((tag) => (
                  <Tag key={tag}>{tag}</Tag>
                )),
            },
            {
              title: t("lastCheck"),
              key: "lastCheck",
              render: (_, m) =>
                m.status?.lastResultAt ? (
                  <div>
                    <div>{formatBeijingTime(m.status.lastResultAt)}</div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {reasonText(m.status.lastReason)}
                    </Typography.Text>
                  </div>
                ) : (
                  "—"
                ),
            },
            {
              title: t("latency"),
              key: "latency",
              align: "right",
              render: (_, m) =>
                m.status?.lastLatencyMs === null || m.status?.lastLatencyMs === undefined
                  ? "—"
                  : `${m.status.lastLatencyMs} ${translate("monitors.common.ms")}`,
            },
            {
              title: translate("monitors.common.actions"),
              key: "actions",
              fixed: "right",
              width: 120,
              render: (_, m) => {
                const items = menu(m);
                return (
                  <Space size={4}>
                    {can("update", "Monitor") && (
                      <Button
                        size="small"
                        icon={<ThunderboltOutlined />}
                        onClick={() => void actions.testNow(m)}
                        data-testid="monitor-test"
                      >
                        {t("testNow")}
                      </Button>
                    )}
                    {items.length > 0 && (
                      <Dropdown menu={{ items }} trigger={["click"]}>
                        <Button
                          size="small"
                          icon={<MoreOutlined />}
                          aria-label={t("more")}
                          data-testid="monitor-more"
                        />
                      </Dropdown>
                    )}
                  </Space>
                );
              },
            },
          ]}
        />
      </Card>
      <MonitorFormDialog
        open={editing !== undefined}
        editing={editing?.monitor}
        onClose={() => setEditing(undefined)}
        onSaved={(saved) => {
          if (saved.pushToken) setPushToken({ id: saved.id, token: saved.pushToken });
          void refetch();
        }}
      />
      {pushToken && (
        <OneTimeSecret
          title={translate("monitors.detail.pushTokenTitle")}
          rows={[
            {
              label: translate("monitors.detail.pushUrl"),
              secret: `${window.location.origin}/api/v1/push/${pushToken.id}`,
            },
            { label: translate("monitors.detail.pushToken"), secret: pushToken.token },
          ]}
          onClose={() => setPushToken(undefined)}
        />
      )}
      {actions.modal}
    </>
  );
}
