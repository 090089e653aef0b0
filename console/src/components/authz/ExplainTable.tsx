import { useTranslate } from "@refinedev/core";
import { Table, Tag, Typography } from "antd";
import type { ExplainEntry } from "./authzApi";

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace", fontSize: 12 };

const text = (value: unknown): string =>
  value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);

/**
 * The rules of an explanation: where each came from (duty matrix, scoped-admin grant, policy name/version/
 * rule number), its effect, actions, resource type and conditions. Unknown fields are shown as JSON rather
 * than dropped, so the explanation stays complete whatever the server adds.
 */
export function ExplainTable({ entries, testId }: { entries: ExplainEntry[]; testId?: string }) {
  const translate = useTranslate();
  const sourceText = (source: unknown): string => {
    if (typeof source !== "object" || source === null) return text(source);
    const s = source as Record<string, unknown>;
    switch (s.kind) {
      case "duty":
        return translate("authz.explain.duty", { role: translate(`roles.${text(s.role)}`, text(s.role)) });
      case "grant":
        return translate("authz.explain.grant", { id: text(s.grantId).slice(0, 8) });
      case "policy":
        return translate("authz.explain.policy", {
          name: text(s.policyName),
          version: text(s.version),
          rule: typeof s.ruleIndex === "number" ? s.ruleIndex + 1 : text(s.ruleIndex),
        });
      default:
        return text(source);
    }
  };
  const known = new Set([
    "source",
    "effect",
    "inverted",
    "action",
    "actions",
    "subject",
    "resource",
    "conditions",
    "matched",
    "notes",
  ]);
  return (
    <Table<ExplainEntry>
      size="small"
      pagination={false}
      data-testid={testId}
      rowKey={(_, index) => String(index)}
      dataSource={entries}
      locale={{ emptyText: translate("authz.explain.none") }}
      columns={[
        { key: "source", title: translate("authz.explain.source"), render: (_, entry) => sourceText(entry.source) },
        {
          key: "effect",
          title: translate("authz.explain.effect"),
          render: (_, entry) => {
            const deny = entry.effect === "deny" || entry.inverted === true;
            return (
              <Tag color={deny ? "red" : "green"}>{translate(deny ? "authz.explain.deny" : "authz.explain.allow")}</Tag>
            );
          },
        },
        {
          key: "matched",
          title: translate("authz.explain.matched"),
          render: (_, entry) =>
            typeof entry.matched === "boolean" ? translate(entry.matched ? "authz.common.yes" : "authz.common.no") : "",
        },
        {
          key: "actions",
          title: translate("authz.explain.actions"),
          render: (_, entry) => text(entry.actions ?? entry.action),
        },
        {
          key: "resource",
          title: translate("authz.explain.resource"),
          render: (_, entry) => text(entry.resource ?? entry.subject),
        },
        {
          key: "conditions",
          title: translate("authz.explain.conditions"),
          render: (_, entry) => {
            const rest = Object.fromEntries(Object.entries(entry).filter(([key]) => !known.has(key)));
            const conditions = entry.conditions;
            return (
              <Typography.Text style={mono}>
                {conditions === undefined || (Array.isArray(conditions) && conditions.length === 0)
                  ? ""
                  : text(conditions)}
                {Array.isArray(entry.notes) && entry.notes.length > 0 && <div>{entry.notes.map(text).join("; ")}</div>}
                {Object.keys(rest).length > 0 && <div>{JSON.stringify(rest)}</div>}
              </Typography.Text>
            );
          },
        },
      ]}
    />
  );
}
