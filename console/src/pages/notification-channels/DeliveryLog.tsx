import { ReloadOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Select, Space, Table, Tag, Tooltip, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { useLocale } from "../../i18n/localeStore";
import { formatBeijingTime } from "../../time";
import { channelApi, channelRefs, type Delivery, DELIVERY_STATES, type DeliveryState } from "./channelApi";

const PAGE_SIZE = 20;
const REFRESH_MS = 5_000;
const STATE_COLOR: Record<DeliveryState, string> = { pending: "processing", delivered: "green", failed: "red" };

/** The delivery log: every notification per channel with its state, attempts and last error; retry a failed one. */
export function DeliveryLog() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`channels.deliveries.${key}`, values);
  const locale = useLocale();
  const can = useCan();
  const [page, setPage] = useState(1);
  const [state, setState] = useState<DeliveryState>();
  const [channelId, setChannelId] = useState<string>();
  const [error, setError] = useState<unknown>();
  const channels = useQuery({ queryKey: ["data", "notification-channels", "refs"], queryFn: channelRefs });
  const deliveries = useQuery({
    queryKey: ["data", "notification-deliveries", "list", state, channelId, page],
    queryFn: () => channelApi.deliveries(page, PAGE_SIZE, { state, channelId }),
    placeholderData: (previous) => previous,
    refetchInterval: REFRESH_MS,
  });
  const confirm = useConfirmedAction(setError, () => deliveries.refetch());

  return (
    <Card
      styles={{ body: { padding: 0 } }}
      title={
        <Space wrap>
          <Select
            size="small"
            allowClear
            style={{ width: 130 }}
            value={state}
            placeholder={t("anyState")}
            onChange={(v?: DeliveryState) => {
              setState(v);
              setPage(1);
            }}
            options={DELIVERY_STATES.map((s) => ({ value: s, label: t(`states.${s}`) }))}
            data-testid="delivery-state-filter"
          />
          <Select
            size="small"
            allowClear
            style={{ width: 200 }}
            value={channelId}
            placeholder={t("anyChannel")}
            optionFilterProp="label"
            showSearch
            onChange={(v?: string) => {
              setChannelId(v);
              setPage(1);
            }}
            options={(channels.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Space>
      }
      extra={
        <Tooltip title={translate("incidents.filters.refresh")}>
          <Button size="small" type="text" icon={<ReloadOutlined />} onClick={() => void deliveries.refetch()} />
        </Tooltip>
      }
    >
      <ProblemAlert error={error ?? deliveries.error} onClose={() => setError(undefined)} testId="deliveries-problem" />
      <Table<Delivery>
        rowKey="id"
        size="middle"
        loading={deliveries.isFetching && !deliveries.data}
        dataSource={deliveries.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        scroll={{ x: "max-content" }}
        onRow={rowHooks}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: deliveries.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => translate("channels.list.total", { total }),
        )}
        columns={[
          { title: t("createdAt"), dataIndex: "createdAt", render: (iso: string) => formatBeijingTime(iso) },
          {
            title: t("channel"),
            key: "channel",
            render: (_, d) => (
              <>
                {d.channelName} <Tag bordered={false}>{translate(`channels.types.${d.channelType}`)}</Tag>
              </>
            ),
          },
          {
            title: t("source"),
            key: "source",
            render: (_, d) => <Tag>{t(`sources.${d.source.kind}`)}</Tag>,
          },
          {
            title: t("title"),
            key: "title",
            render: (_, d) => (
              <Typography.Text style={{ maxWidth: 320 }} ellipsis>
                {locale === "zh-CN" ? d.title.zh || d.title.en : d.title.en || d.title.zh}
              </Typography.Text>
            ),
          },
          {
            title: t("state"),
            dataIndex: "state",
            render: (s: DeliveryState, d) => (
              <Tooltip
                title={
                  s === "pending" && d.nextAttemptAt
                    ? `${t("nextAttemptAt")} ${formatBeijingTime(d.nextAttemptAt)}`
                    : undefined
                }
              >
                <Tag color={STATE_COLOR[s]} data-testid="delivery-state" data-state={s}>
                  {t(`states.${s}`)}
                </Tag>
              </Tooltip>
            ),
          },
          {
            title: t("attempts"),
            key: "attempts",
            align: "right",
            render: (_, d) => `${d.attempts} / ${d.maxAttempts}`,
          },
          {
            title: t("lastError"),
            key: "lastError",
            render: (_, d) =>
              d.lastError ? (
                <Typography.Text type="danger" style={{ maxWidth: 320 }} ellipsis={{ tooltip: d.lastError }}>
                  {d.lastStatus ? `[${d.lastStatus}] ` : ""}
                  {d.lastError}
                </Typography.Text>
              ) : (
                "—"
              ),
          },
          {
            title: translate("incidents.common.actions"),
            key: "ops",
            render: (_, d) =>
              // The server retries failed alert and incident deliveries whose channel still exists (not tests).
              d.state === "failed" &&
              d.source.kind !== "test" &&
              d.channelId !== null &&
              can("update", "NotificationChannel") && (
                <Button
                  size="small"
                  onClick={() =>
                    confirm({
                      title: `${t("retry")} · ${d.channelName}`,
                      run: () => channelApi.retry(d),
                      success: t("retried"),
                    })
                  }
                  data-testid="delivery-retry"
                >
                  {t("retry")}
                </Button>
              ),
          },
        ]}
      />
    </Card>
  );
}

function rowHooks(d: Delivery): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = {
    "data-testid": "delivery-row",
    "data-channel": d.channelName,
    "data-source": d.source.kind,
    "data-state": d.state,
  };
  return hooks as HTMLAttributes<HTMLElement>;
}
