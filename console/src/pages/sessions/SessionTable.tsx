import { useTranslate } from "@refinedev/core";
import { Button, Popconfirm, Table, Tag, Tooltip } from "antd";
import { formatBeijingTime } from "../../time";
import { browserSummary, type SessionRow } from "./sessionTypes";

/** Sessions with their device, address and second factor; the current one is marked and cannot be revoked here. */
export function SessionTable({
  sessions,
  loading,
  revoking,
  onRevoke,
  canRevoke = true,
  emptyText,
}: {
  sessions: SessionRow[] | undefined;
  loading: boolean;
  revoking?: string | undefined;
  onRevoke: (session: SessionRow) => void;
  canRevoke?: boolean;
  emptyText?: string;
}) {
  const translate = useTranslate();
  const t = (key: string) => translate(`identity.sessions.${key}`);
  return (
    <Table<SessionRow>
      rowKey="id"
      size="middle"
      loading={loading}
      dataSource={sessions}
      pagination={false}
      scroll={{ x: "max-content" }}
      locale={{ emptyText: emptyText ?? t("empty") }}
      onRow={(row) => ({ "data-testid": "session-row", "data-current": String(Boolean(row.current)) }) as object}
      columns={[
        {
          dataIndex: "createdAt",
          title: t("createdAt"),
          width: 170,
          render: (value: string, row) => (
            <>
              {formatBeijingTime(value)}
              {row.current && (
                <Tag color="green" style={{ marginInlineStart: 8 }} data-testid="session-current">
                  {t("current")}
                </Tag>
              )}
            </>
          ),
        },
        { dataIndex: "lastSeenAt", title: t("lastSeenAt"), width: 170, render: formatBeijingTime },
        { dataIndex: "expiresAt", title: t("expiresAt"), width: 170, render: formatBeijingTime },
        { dataIndex: "ip", title: t("ip"), width: 130 },
        {
          dataIndex: "userAgent",
          title: t("userAgent"),
          width: 170,
          render: (value: string | null) => <Tooltip title={value}>{browserSummary(value)}</Tooltip>,
        },
        {
          dataIndex: "mfaMethod",
          title: t("mfaMethod"),
          width: 110,
          render: (value: SessionRow["mfaMethod"]) => translate(`identity.sessions.methods.${value ?? "none"}`),
        },
        ...(canRevoke
          ? [
              {
                key: "actions",
                width: 90,
                render: (_: unknown, row: SessionRow) =>
                  row.current ? null : (
                    <Popconfirm title={t("revokeConfirm")} onConfirm={() => onRevoke(row)}>
                      <Button size="small" danger loading={revoking === row.id} data-testid="session-revoke">
                        {t("revoke")}
                      </Button>
                    </Popconfirm>
                  ),
              },
            ]
          : []),
      ]}
    />
  );
}
