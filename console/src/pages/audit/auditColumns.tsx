import { ClockCircleOutlined } from "@ant-design/icons";
import { getDefaultSortOrder } from "@refinedev/antd";
import type { CrudSort } from "@refinedev/core";
import { Tag, Tooltip, Typography } from "antd";
import type { ColumnsType } from "antd/es/table";
import { isRole } from "../../../../policies/subjects";
import { formatBeijingTime } from "../../time";
import { type AuditEvent, RESULT_COLORS } from "./auditEvent";

type Translate = (key: string) => string;

/** Identifiers stay on one line (full value in the tooltip) and can be copied for a support ticket. */
const identifier = (value: string | null) =>
  value ? (
    <Typography.Text
      copyable={{ text: value }}
      ellipsis={{ tooltip: value }}
      style={{ maxWidth: "100%", fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", fontSize: 12 }}
    >
      {value}
    </Typography.Text>
  ) : null;

/** The audit table's columns; labels follow the UI language, times are shown in Beijing time. */
export function auditColumns(translate: Translate, sorters: CrudSort[]): ColumnsType<AuditEvent> {
  const title = (field: keyof AuditEvent) => translate(`audit.fields.${field}`);
  return [
    {
      dataIndex: "seq",
      title: title("seq"),
      width: 80,
      fixed: "left",
      sorter: true,
      defaultSortOrder: getDefaultSortOrder("seq", sorters),
      // Written but not yet chained by the sealer (about a second): marked so a fresh event is not mistaken.
      render: (value: string, event) =>
        event.sealed === false ? (
          <Tooltip title={translate("audit.detail.unsealed")}>
            <span data-sealed="false">
              {value} <ClockCircleOutlined style={{ color: "#1677ff", fontSize: 11 }} />
            </span>
          </Tooltip>
        ) : (
          value
        ),
    },
    {
      dataIndex: "occurredAt",
      title: title("occurredAt"),
      width: 175,
      fixed: "left",
      sorter: true,
      defaultSortOrder: getDefaultSortOrder("occurredAt", sorters),
      render: (value: string) => formatBeijingTime(value),
    },
    { dataIndex: "actorName", title: title("actorName"), width: 120, ellipsis: true },
    {
      dataIndex: "actorRole",
      title: title("actorRole"),
      width: 170,
      render: (value: string | null) => (isRole(value) ? translate(`roles.${value}`) : value),
    },
    { dataIndex: "action", title: title("action"), width: 180, render: (value: string) => <Tag>{value}</Tag> },
    { dataIndex: "targetType", title: title("targetType"), width: 110 },
    { dataIndex: "targetId", title: title("targetId"), width: 170, render: identifier },
    {
      dataIndex: "result",
      title: title("result"),
      width: 90,
      render: (value: AuditEvent["result"]) => (
        <Tag color={RESULT_COLORS[value] ?? "default"}>{translate(`audit.results.${value}`)}</Tag>
      ),
    },
    { dataIndex: "ip", title: title("ip"), width: 130 },
    { dataIndex: "requestId", title: title("requestId"), width: 190, render: identifier },
  ];
}
