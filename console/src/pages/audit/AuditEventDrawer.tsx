import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import type { HTMLAttributes } from "react";
import { Descriptions, Drawer, Spin, Table, Tag, Typography } from "antd";
import { isRole } from "../../../../policies/subjects";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { formatBeijingTime } from "../../time";
import { auditApi } from "./auditApi";
import { type AuditChange, formatValue, RESULT_COLORS } from "./auditEvent";

/** The server lists changed paths; should it ever send an unchanged one too, only real changes are marked. */
const isChanged = (change: AuditChange) => JSON.stringify(change.before) !== JSON.stringify(change.after);

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", fontSize: 12 };

/** A value of the diff: absent (the field did not exist on that side) is shown as a dash, not as empty text. */
function DiffValue({ value, tone, changed }: { value: unknown; tone: "before" | "after"; changed: boolean }) {
  if (value === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
  if (!changed)
    return <span style={{ ...mono, whiteSpace: "pre-wrap", wordBreak: "break-all" }}>{formatValue(value)}</span>;
  return (
    <span
      style={{
        ...mono,
        whiteSpace: "pre-wrap",
        wordBreak: "break-all",
        padding: "1px 4px",
        borderRadius: 4,
        background: tone === "before" ? "#fff1f0" : "#f6ffed",
        color: tone === "before" ? "#a8071a" : "#135200",
      }}
    >
      {formatValue(value)}
    </span>
  );
}

/**
 * One audit event: who, what, when, from where, whether it is sealed into the chain yet, and what it changed —
 * the server's before/after diff as a table, one changed path a row, the old value in red and the new in green.
 * An event the caller may not read answers 404, shown like any other problem.
 */
export function AuditEventDrawer({ seq, onClose }: { seq: string; onClose: () => void }) {
  const translate = useTranslate();
  const t = (key: string, options?: Record<string, unknown>) => translate(`audit.detail.${key}`, options);
  const field = (key: string) => translate(`audit.fields.${key}`);
  const query = useQuery({ queryKey: ["audit-event", seq], queryFn: () => auditApi.event(seq), retry: false });
  const event = query.data;
  const changes = event?.changes ?? [];

  return (
    <Drawer open width={760} onClose={onClose} title={t("title", { seq })} data-testid="audit-drawer" destroyOnHidden>
      <ProblemAlert error={query.error} testId="audit-detail-problem" />
      {query.isLoading && <Spin style={{ display: "block", margin: "48px auto" }} />}
      {event && (
        <>
          <Descriptions
            size="small"
            bordered
            column={2}
            style={{ marginBottom: 20 }}
            data-testid="audit-detail-meta"
            items={[
              { key: "occurredAt", label: field("occurredAt"), children: formatBeijingTime(event.occurredAt) },
              {
                key: "result",
                label: field("result"),
                children: (
                  <Tag color={RESULT_COLORS[event.result] ?? "default"}>
                    {translate(`audit.results.${event.result}`)}
                  </Tag>
                ),
              },
              { key: "actorName", label: field("actorName"), children: event.actorName ?? "—" },
              {
                key: "actorRole",
                label: field("actorRole"),
                children: isRole(event.actorRole) ? translate(`roles.${event.actorRole}`) : (event.actorRole ?? "—"),
              },
              { key: "action", label: field("action"), children: <Tag>{event.action}</Tag> },
              {
                key: "target",
                label: field("targetType"),
                children: event.targetType ?? "—",
              },
              {
                key: "targetId",
                label: field("targetId"),
                span: 2,
                children: event.targetId ? <span style={mono}>{event.targetId}</span> : "—",
              },
              { key: "ip", label: field("ip"), children: event.ip ?? "—" },
              {
                key: "sealed",
                label: t("chain"),
                children:
                  event.sealed === false ? (
                    <Tag color="processing">{t("unsealed")}</Tag>
                  ) : (
                    <Tag color="success">{t("sealed")}</Tag>
                  ),
              },
              {
                key: "requestId",
                label: field("requestId"),
                span: 2,
                children: event.requestId ? <span style={mono}>{event.requestId}</span> : "—",
              },
              {
                key: "userAgent",
                label: t("userAgent"),
                span: 2,
                children: <span style={{ wordBreak: "break-all" }}>{event.userAgent ?? "—"}</span>,
              },
            ]}
          />
          <Typography.Title level={5}>{t("changes")}</Typography.Title>
          <Table<AuditChange>
            size="small"
            bordered
            data-testid="audit-diff"
            rowKey="path"
            dataSource={changes}
            pagination={false}
            locale={{ emptyText: t("noChanges") }}
            onRow={(change) =>
              ({
                "data-testid": "audit-diff-row",
                "data-path": change.path,
                "data-changed": String(isChanged(change)),
              }) as HTMLAttributes<HTMLElement>
            }
            columns={[
              {
                dataIndex: "path",
                title: t("path"),
                width: 180,
                render: (path: string, change) => (
                  <Typography.Text strong={isChanged(change)} mark={isChanged(change)} style={mono}>
                    {path}
                  </Typography.Text>
                ),
              },
              {
                dataIndex: "before",
                title: t("before"),
                render: (value: unknown, change) => (
                  <DiffValue value={value} tone="before" changed={isChanged(change)} />
                ),
              },
              {
                dataIndex: "after",
                title: t("after"),
                render: (value: unknown, change) => (
                  <DiffValue value={value} tone="after" changed={isChanged(change)} />
                ),
              },
            ]}
          />
          <Typography.Title level={5} style={{ marginTop: 20 }}>
            {t("raw")}
          </Typography.Title>
          <pre
            style={{ ...mono, background: "#fafafa", padding: 12, borderRadius: 6, maxHeight: 320, overflow: "auto" }}
            data-testid="audit-detail-raw"
          >
            {JSON.stringify(event.detail ?? {}, null, 2)}
          </pre>
        </>
      )}
    </Drawer>
  );
}
