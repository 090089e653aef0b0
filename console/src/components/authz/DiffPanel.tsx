import { useTranslate } from "@refinedev/core";
import { Button, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { ProblemAlert } from "../org/ProblemAlert";
import { type DecisionChange, type DiffResult, policyOps } from "./authzApi";

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", fontSize: 12 };

/**
 * A subject or resource of the diff in one line: a subject by its username, a resource as its type with its
 * attributes (the tenant id, the same on every row, left out), anything else as compact JSON.
 */
function describe(value: unknown): string {
  if (typeof value !== "object" || value === null) return String(value ?? "");
  const v = value as Record<string, unknown>;
  const name = v.label ?? v.displayName ?? v.username ?? v.name;
  if (typeof name === "string") return name;
  if (typeof v.type === "string") {
    const { tenantId: _tenant, ...attributes } = (v.attributes ?? {}) as Record<string, unknown>;
    return Object.keys(attributes).length > 0 ? `${v.type} ${JSON.stringify(attributes)}` : v.type;
  }
  return JSON.stringify(value);
}

/**
 * What publishing a version would change: every (subject, action, resource) decision over the server's
 * sample that flips between the policy in force and this version, as a table.
 */
export function DiffPanel({ policyId, version }: { policyId: string; version: number }) {
  const translate = useTranslate();
  const [result, setResult] = useState<DiffResult | undefined>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      setResult(await policyOps.diff(policyId, version));
    } catch (caught) {
      setError(caught);
      setResult(undefined);
    } finally {
      setBusy(false);
    }
  };

  const decision = (allowed: boolean) => (
    <Tag color={allowed ? "green" : "red"}>{translate(allowed ? "authz.explain.allow" : "authz.explain.deny")}</Tag>
  );

  return (
    <div data-testid="diff">
      <Space style={{ marginBottom: 12 }}>
        <Button type="primary" onClick={run} loading={busy} data-testid="diff-run">
          {translate("authz.diff.run", { version })}
        </Button>
        {result && (
          <Typography.Text type="secondary" data-testid="diff-summary">
            {translate("authz.diff.summary", { evaluated: result.evaluated, changed: result.changes.length })}
            {result.sample && ` · ${translate("authz.diff.sample", { users: result.sample.users })}`}
            {result.truncated && ` · ${translate("authz.diff.truncated")}`}
          </Typography.Text>
        )}
      </Space>
      <ProblemAlert error={error} testId="diff-problem" />
      {result && (
        <Table<DecisionChange>
          size="small"
          data-testid="diff-table"
          rowKey={(_, index) => String(index)}
          dataSource={result.changes}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          locale={{ emptyText: translate("authz.diff.none") }}
          columns={[
            {
              key: "subject",
              title: translate("authz.diff.subject"),
              render: (_, change) => <span style={mono}>{describe(change.subject)}</span>,
            },
            { dataIndex: "action", title: translate("authz.diff.action") },
            {
              key: "resource",
              title: translate("authz.diff.resource"),
              render: (_, change) => <span style={mono}>{describe(change.resource)}</span>,
            },
            { key: "before", title: translate("authz.diff.before"), render: (_, change) => decision(change.before) },
            { key: "after", title: translate("authz.diff.after"), render: (_, change) => decision(change.after) },
          ]}
        />
      )}
    </div>
  );
}
