import { PlusOutlined, SendOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Table, Tag, Tooltip, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { RowEditDelete } from "../../components/RowEditDelete";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { formatBeijingTime } from "../../time";
import { type Channel, channelApi, type TestOutcome } from "./channelApi";
import { targetOf } from "./channelModel";
import { ChannelEditor } from "./ChannelEditor";

const PAGE_SIZE = 20;

/** The channels: type, where they send, "send test" with its outcome, edit, delete. */
export function ChannelsPanel({ onTested }: { onTested: () => void }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`channels.list.${key}`, values);
  const can = useCan();
  const { message } = App.useApp();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Channel | "new">();
  const [error, setError] = useState<unknown>();
  const [testing, setTesting] = useState<string>();
  const [outcome, setOutcome] = useState<{ name: string; result: TestOutcome }>();
  const channels = useQuery({
    queryKey: ["data", "notification-channels", "list", page],
    queryFn: () => channelApi.list(page, PAGE_SIZE),
    placeholderData: (previous) => previous,
  });
  const confirm = useConfirmedAction(setError, () => channels.refetch());

  const sendTest = async (channel: Channel) => {
    setTesting(channel.id);
    setError(undefined);
    setOutcome(undefined);
    try {
      const result = await channelApi.test(channel);
      setOutcome({ name: channel.name, result });
      if (result.ok) message.success(t("tested"));
      onTested();
    } catch (caught) {
      setError(caught);
    } finally {
      setTesting(undefined);
    }
  };
  const target = (c: Channel) =>
    c.type === "console"
      ? [
          ...((c.config.roles as string[] | undefined) ?? []).map((r) => translate(`channels.form.roleNames.${r}`)),
          ...(((c.config.userIds as string[] | undefined) ?? []).length > 0
            ? [`${translate("channels.form.userIds")} ${(c.config.userIds as string[]).length}`]
            : []),
        ].join("、")
      : targetOf(c.type, c.config);

  return (
    <Card
      styles={{ body: { padding: 0 } }}
      extra={
        can("create", "NotificationChannel") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="channel-create">
            {t("create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? channels.error} onClose={() => setError(undefined)} testId="channels-problem" />
      {outcome && (
        <Alert
          showIcon
          closable
          onClose={() => setOutcome(undefined)}
          style={{ margin: 16 }}
          type={outcome.result.ok ? "success" : "error"}
          data-testid="channel-test-outcome"
          data-ok={outcome.result.ok ? "true" : "false"}
          message={
            outcome.result.ok
              ? `${outcome.name}: ${t("tested")} (${outcome.result.ms} ms)`
              : `${outcome.name}: ${t("testFailed", { error: outcome.result.error ?? outcome.result.status ?? "" })}`
          }
        />
      )}
      <Table<Channel>
        rowKey="id"
        size="middle"
        loading={channels.isFetching && !channels.data}
        dataSource={channels.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        scroll={{ x: "max-content" }}
        onRow={rowHooks}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: channels.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => t("total", { total }),
        )}
        columns={[
          {
            title: t("name"),
            dataIndex: "name",
            render: (name: string, c) => (
              <>
                <Typography.Text strong>{name}</Typography.Text>
                {c.description && (
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {c.description}
                    </Typography.Text>
                  </div>
                )}
              </>
            ),
          },
          {
            title: t("type"),
            dataIndex: "type",
            render: (type: Channel["type"]) => <Tag>{translate(`channels.types.${type}`)}</Tag>,
          },
          { title: t("target"), key: "target", render: (_, c) => target(c) },
          {
            title: t("enabled"),
            dataIndex: "enabled",
            render: (on: boolean) =>
              on ? <Tag color="green">{t("enabled")}</Tag> : <Tag>{translate("alerts.rules.disabled")}</Tag>,
          },
          { title: t("updatedAt"), dataIndex: "updatedAt", render: (iso: string) => formatBeijingTime(iso) },
          {
            title: translate("incidents.common.actions"),
            key: "ops",
            render: (_, c) => (
              <RowEditDelete
                onEdit={can("update", "NotificationChannel") ? () => setEditing(c) : undefined}
                onDelete={
                  can("delete", "NotificationChannel")
                    ? () =>
                        confirm({
                          title: t("deleteTitle", { name: c.name }),
                          danger: true,
                          run: () => channelApi.remove(c),
                          success: t("deleted"),
                        })
                    : undefined
                }
                editLabel={t("edit")}
                deleteLabel={t("delete")}
                editTestId="channel-edit"
              >
                {can("update", "NotificationChannel") && (
                  <Tooltip title={t("test")}>
                    <Button
                      size="small"
                      type="text"
                      icon={<SendOutlined />}
                      loading={testing === c.id}
                      aria-label={t("test")}
                      onClick={() => void sendTest(c)}
                      data-testid="channel-test"
                    />
                  </Tooltip>
                )}
              </RowEditDelete>
            ),
          },
        ]}
      />
      <ChannelEditor editing={editing} onClose={() => setEditing(undefined)} onSaved={() => channels.refetch()} />
    </Card>
  );
}

function rowHooks(c: Channel): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "channel-row", "data-name": c.name };
  return hooks as HTMLAttributes<HTMLElement>;
}
