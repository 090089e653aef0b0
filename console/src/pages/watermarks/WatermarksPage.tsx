import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Col, Input, Row, Space, Table, Tag, Typography } from "antd";
import { type HTMLAttributes, useState } from "react";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";
import { PolicyEditor } from "./PolicyEditor";
import { type WatermarkPolicy, watermarkApi } from "./watermarkApi";
import { periodState } from "./watermarkModel";
import { WatermarkTester } from "./WatermarkTester";

const LIST_KEY = ["data", "watermarks", "list"];
const PAGE_SIZE = 20;
const STATE_COLOR = { active: "green", disabled: "default", "not-yet-valid": "blue", expired: "orange" } as const;

/**
 * 水印 (secadmin): the policies, highest priority first, an editor with a live preview, and the tester that
 * says which policy a given viewer gets in a given app and context, and why.
 */
export function WatermarksPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`watermarks.list.${key}`, values);
  const can = useCan();
  const [page, setPage] = useState(1);
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<WatermarkPolicy | "new">();
  const [error, setError] = useState<unknown>();
  const policies = useQuery({
    queryKey: [...LIST_KEY, q, page],
    queryFn: () => watermarkApi.list(page, PAGE_SIZE, q.trim() || undefined),
    placeholderData: (previous) => previous,
  });
  const confirm = useConfirmedAction(setError, () => policies.refetch());
  const now = new Date();

  const scopeText = (p: WatermarkPolicy) => {
    const parts = [
      p.scope.departments.length > 0 && t("departments", { count: p.scope.departments.length }),
      p.scope.apps.length > 0 && p.scope.apps.join(", "),
      p.scope.contexts.length > 0 && p.scope.contexts.map((c) => translate(`watermarks.contexts.${c}`)).join("、"),
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(" · ") : t("everyone");
  };

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "Watermark") && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => setEditing("new")}
            data-testid="watermark-create"
          >
            {t("create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? policies.error} onClose={() => setError(undefined)} testId="watermarks-problem" />
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card
            title={t("title")}
            styles={{ body: { padding: 0 } }}
            extra={
              <Input.Search
                allowClear
                size="small"
                placeholder={t("search")}
                style={{ width: 200 }}
                onSearch={(value) => {
                  setQ(value);
                  setPage(1);
                }}
              />
            }
          >
            <Table<WatermarkPolicy>
              rowKey="id"
              size="middle"
              loading={policies.isFetching}
              dataSource={policies.data?.rows ?? []}
              locale={{ emptyText: t("empty") }}
              scroll={{ x: "max-content" }}
              onRow={rowHooks}
              pagination={withTotal(
                {
                  current: page,
                  pageSize: PAGE_SIZE,
                  total: policies.data?.total ?? 0,
                  showSizeChanger: false,
                  onChange: setPage,
                },
                (total) => translate("watermarks.common.total", { total }),
              )}
              columns={[
                {
                  title: t("name"),
                  dataIndex: "name",
                  render: (name: string, p) => (
                    <>
                      <Typography.Text strong>{name}</Typography.Text>
                      {!p.style.visible && <Tag style={{ marginLeft: 8 }}>{t("invisible")}</Tag>}
                      <div>
                        <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: "pre-line" }}>
                          {p.template}
                        </Typography.Text>
                      </div>
                    </>
                  ),
                },
                { title: t("priority"), dataIndex: "priority", align: "right" },
                { title: t("scope"), key: "scope", render: (_, p) => scopeText(p) },
                {
                  title: t("state"),
                  key: "state",
                  render: (_, p) => {
                    const state = periodState(p, now);
                    return (
                      <Tag color={STATE_COLOR[state]} title={period(p)}>
                        {translate(`watermarks.states.${state}`)}
                      </Tag>
                    );
                  },
                },
                { title: t("updatedAt"), dataIndex: "updatedAt", render: (iso: string) => formatBeijingTime(iso) },
                {
                  title: translate("watermarks.common.actions"),
                  key: "ops",
                  render: (_, p) => (
                    <Space size={4}>
                      {can("update", "Watermark") && (
                        <Button
                          size="small"
                          type="text"
                          icon={<EditOutlined />}
                          onClick={() => setEditing(p)}
                          aria-label={translate("watermarks.common.edit")}
                          data-testid="watermark-edit"
                        />
                      )}
                      {can("delete", "Watermark") && (
                        <Button
                          size="small"
                          type="text"
                          danger
                          icon={<DeleteOutlined />}
                          aria-label={translate("watermarks.common.delete")}
                          onClick={() =>
                            confirm({
                              title: t("deleteTitle", { name: p.name }),
                              danger: true,
                              run: () => watermarkApi.remove(p),
                              success: t("deleted"),
                            })
                          }
                        />
                      )}
                    </Space>
                  ),
                },
              ]}
            />
          </Card>
        </Col>
        <Col span={24}>
          <WatermarkTester />
        </Col>
      </Row>
      <PolicyEditor editing={editing} onClose={() => setEditing(undefined)} onSaved={() => policies.refetch()} />
    </PageContainer>
  );
}

function period(p: WatermarkPolicy): string {
  if (!p.validFrom && !p.validTo) return "";
  return `${p.validFrom ? formatBeijingTime(p.validFrom) : "…"} – ${p.validTo ? formatBeijingTime(p.validTo) : "…"}`;
}

function rowHooks(p: WatermarkPolicy): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = { "data-testid": "watermark-row", "data-name": p.name };
  return hooks as HTMLAttributes<HTMLElement>;
}
