import { PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Segmented, Table, Tag, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { RowEditDelete } from "../../components/RowEditDelete";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { GRADE_COLOR } from "../incidents/incidentModel";
import { type AlertRule, alertApi } from "./alertApi";
import { ALERT_CATEGORIES, type AlertCategory, SEVERITY_COLOR, summaryValues } from "./alertModel";
import { RuleEditor } from "./RuleEditor";

const PAGE_SIZE = 20;

/** Warning rules by category: the condition in words, severity, channels, the incident grade it opens. */
export function RulesPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`alerts.rules.${key}`, values);
  const can = useCan();
  const [page, setPage] = useState(1);
  const [category, setCategory] = useState<AlertCategory | "all">("all");
  const [editing, setEditing] = useState<AlertRule | "new">();
  const [error, setError] = useState<unknown>();
  const rules = useQuery({
    queryKey: ["data", "alert-rules", "list", category, page],
    queryFn: () => alertApi.rules(page, PAGE_SIZE, category === "all" ? {} : { category }),
    placeholderData: (previous) => previous,
  });
  const confirm = useConfirmedAction(setError, () => rules.refetch());

  return (
    <Card
      styles={{ body: { padding: 0 } }}
      title={
        <Segmented
          size="small"
          value={category}
          onChange={(value) => {
            setCategory(value as AlertCategory | "all");
            setPage(1);
          }}
          options={[
            { value: "all", label: translate("alerts.filters.all") },
            ...ALERT_CATEGORIES.map((c) => ({ value: c, label: translate(`alerts.categories.${c}`) })),
          ]}
        />
      }
      extra={
        can("create", "Alert") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing("new")} data-testid="rule-create">
            {t("create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? rules.error} onClose={() => setError(undefined)} testId="rules-problem" />
      <Table<AlertRule>
        rowKey="id"
        size="middle"
        loading={rules.isFetching && !rules.data}
        dataSource={rules.data?.rows ?? []}
        locale={{ emptyText: t("empty") }}
        scroll={{ x: "max-content" }}
        onRow={rowHooks}
        pagination={withTotal(
          {
            current: page,
            pageSize: PAGE_SIZE,
            total: rules.data?.total ?? 0,
            showSizeChanger: false,
            onChange: setPage,
          },
          (total) => translate("alerts.list.total", { total }),
        )}
        columns={[
          {
            title: t("name"),
            dataIndex: "name",
            render: (name: string, r) => (
              <>
                <Typography.Text strong>{name}</Typography.Text>
                {!r.enabled && <Tag style={{ marginInlineStart: 8 }}>{t("disabled")}</Tag>}
                {r.description && (
                  <div>
                    <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                      {r.description}
                    </Typography.Text>
                  </div>
                )}
              </>
            ),
          },
          {
            title: t("category"),
            dataIndex: "category",
            render: (c: AlertCategory) => <Tag>{translate(`alerts.categories.${c}`)}</Tag>,
          },
          {
            title: t("params"),
            key: "params",
            render: (_, r) => (
              <span data-testid="rule-summary">
                {t(`summaries.${r.category}`, summaryValues(r.category, r.params))}
              </span>
            ),
          },
          {
            title: t("severity"),
            dataIndex: "severity",
            render: (s: AlertRule["severity"]) => (
              <Tag color={SEVERITY_COLOR[s]}>{translate(`alerts.severities.${s}`)}</Tag>
            ),
          },
          { title: t("channels"), dataIndex: "channelIds", align: "right", render: (ids: string[]) => ids.length },
          {
            title: t("incidentGrade"),
            dataIndex: "incidentGrade",
            render: (g: AlertRule["incidentGrade"]) =>
              g ? <Tag color={GRADE_COLOR[g]}>{translate(`incidents.gradesShort.${g}`)}</Tag> : "—",
          },
          {
            title: translate("incidents.common.actions"),
            key: "ops",
            render: (_, r) => (
              <RowEditDelete
                onEdit={can("update", "Alert") ? () => setEditing(r) : undefined}
                onDelete={
                  can("delete", "Alert")
                    ? () =>
                        confirm({
                          title: t("deleteTitle", { name: r.name }),
                          danger: true,
                          run: () => alertApi.removeRule(r),
                          success: t("deleted"),
                        })
                    : undefined
                }
                editLabel={t("edit")}
                deleteLabel={t("delete")}
                editTestId="rule-edit"
              />
            ),
          },
        ]}
      />
      <RuleEditor editing={editing} onClose={() => setEditing(undefined)} onSaved={() => rules.refetch()} />
    </Card>
  );
}

function rowHooks(r: AlertRule): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "rule-row", "data-name": r.name };
  return hooks as HTMLAttributes<HTMLElement>;
}
