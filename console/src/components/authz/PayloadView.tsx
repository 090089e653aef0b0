import { useTranslate } from "@refinedev/core";
import { Descriptions, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import { formatBeijingTime } from "../../time";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", fontSize: 12 };

/**
 * A proposal's payload in a readable form: known fields with their label in the UI language, times in
 * Beijing time, lists as tags, nested objects as nested tables; anything deeper as indented JSON. The
 * approver must understand exactly what takes effect on approval, so nothing is hidden or summarised away.
 */
export function PayloadView({ payload, references = {} }: { payload: unknown; references?: Record<string, string> }) {
  const translate = useTranslate();
  const label = (key: string) => translate(`authz.payloadFields.${key}`, key);

  const value = (item: unknown, depth: number): ReactNode => {
    if (item === null || item === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
    if (typeof item === "boolean") return translate(item ? "authz.common.yes" : "authz.common.no");
    if (typeof item === "number") return String(item);
    if (typeof item === "string") {
      const name = references[item];
      if (name !== undefined) {
        // The name to read, the id beside it: what is carried out is the id.
        return (
          <span>
            {name}{" "}
            <Typography.Text type="secondary" style={{ ...mono, wordBreak: "break-all" }}>
              {item}
            </Typography.Text>
          </span>
        );
      }
      return ISO_TIME.test(item) ? formatBeijingTime(item) : <span style={{ wordBreak: "break-all" }}>{item}</span>;
    }
    if (Array.isArray(item)) {
      if (item.length === 0) return <Typography.Text type="secondary">[]</Typography.Text>;
      if (item.every((entry) => typeof entry === "string" || typeof entry === "number")) {
        // Known values (e.g. a scoped admin's "users.manage") in the UI language, anything else as sent.
        return item.map((entry) => (
          <Tag key={String(entry)}>{translate(`authz.scopedActions.${String(entry)}`, String(entry))}</Tag>
        ));
      }
    }
    if (depth < 2 && typeof item === "object" && !Array.isArray(item)) return table(item as object, depth + 1);
    return <pre style={{ ...mono, margin: 0, whiteSpace: "pre-wrap" }}>{JSON.stringify(item, null, 2)}</pre>;
  };

  const table = (object: object, depth: number) => (
    <Descriptions
      size="small"
      bordered
      column={1}
      styles={{ label: { width: depth === 0 ? 180 : 140, whiteSpace: "nowrap" } }}
      items={Object.entries(object).map(([key, item]) => ({ key, label: label(key), children: value(item, depth) }))}
    />
  );

  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return <>{value(payload, 2)}</>;
  return <div data-testid="approval-payload">{table(payload, 0)}</div>;
}
