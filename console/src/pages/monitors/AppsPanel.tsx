import { PlusOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Col, Form, Input, InputNumber, Radio, Row, Select, Table, Tag } from "antd";
import { type HTMLAttributes, useState } from "react";
import { FormDialog } from "../../components/FormDialog";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { RowEditDelete } from "../../components/RowEditDelete";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import { appApi, type MonitorApp } from "./monitorApi";
import { percent } from "./monitorModel";

const PAGE_SIZE = 20;

interface AppForm {
  name: string;
  kind: MonitorApp["kind"];
  groupName?: string;
  combineRule: MonitorApp["combineRule"];
  /** As a percentage in the form (99.9), a ratio on the wire (0.999). */
  slaPercent: number;
  description?: string;
}

const rowHooks = (a: MonitorApp): HTMLAttributes<HTMLElement> =>
  ({ "data-testid": "app-row", "data-name": a.name }) as HTMLAttributes<HTMLElement>;

/** 应用与服务: the apps and platform services monitors belong to; their rule and SLA target. */
export function AppsPanel() {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`monitors.apps.${key}`, values);
  const can = useCan();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<AppForm>();
  const [page, setPage] = useState(1);
  const [q, setQ] = useState("");
  const [editing, setEditing] = useState<{ app?: MonitorApp }>();
  const [error, setError] = useState<unknown>();
  const apps = useQuery({
    queryKey: ["data", "monitor-apps", "list", q, page],
    queryFn: () => appApi.list(page, PAGE_SIZE, q),
    placeholderData: (previous) => previous,
  });
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: ["monitors", "apps"] });
    return apps.refetch();
  };
  const confirm = useConfirmedAction(setError, refresh);

  const save = async (values: AppForm) => {
    const body = {
      name: values.name.trim(),
      kind: values.kind,
      groupName: values.groupName?.trim() || null,
      combineRule: values.combineRule,
      slaTarget: Math.round(values.slaPercent * 1000) / 100_000,
      description: values.description ?? "",
    };
    const app = editing?.app;
    try {
      if (app) await appApi.update(app, body);
      else await appApi.create(body);
      message.success(translate(app ? "monitors.common.saved" : "monitors.common.created"));
    } finally {
      void refresh();
    }
  };

  const app = editing?.app;
  return (
    <>
      <ProblemAlert error={error ?? apps.error} onClose={() => setError(undefined)} testId="apps-problem" />
      <Card
        styles={{ body: { padding: 0 } }}
        title={
          <Input.Search
            allowClear
            placeholder={translate("monitors.list.search")}
            style={{ width: 220 }}
            onSearch={(value) => {
              setQ(value);
              setPage(1);
            }}
          />
        }
        extra={
          can("create", "Monitor") && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({})} data-testid="app-create">
              {t("create")}
            </Button>
          )
        }
      >
        <Table<MonitorApp>
          rowKey="id"
          size="middle"
          loading={apps.isFetching && !apps.data}
          dataSource={apps.data?.rows ?? []}
          locale={{ emptyText: t("empty") }}
          onRow={rowHooks}
          scroll={{ x: "max-content" }}
          pagination={withTotal(
            {
              current: page,
              pageSize: PAGE_SIZE,
              total: apps.data?.total ?? 0,
              showSizeChanger: false,
              onChange: setPage,
            },
            (total) => translate("monitors.common.total", { total }),
          )}
          columns={[
            { title: t("name"), dataIndex: "name" },
            {
              title: t("kind"),
              dataIndex: "kind",
              render: (kind: string) => (
                <Tag color={kind === "platform" ? "blue" : undefined}>{t(`kinds.${kind}`)}</Tag>
              ),
            },
            { title: t("group"), dataIndex: "groupName", render: (g: string | null) => g ?? "—" },
            { title: t("rule"), dataIndex: "combineRule", render: (r: string) => t(`rules.${r}`) },
            { title: t("slaTarget"), dataIndex: "slaTarget", align: "right", render: (v: number) => percent(v, 3) },
            { title: t("monitors"), dataIndex: "monitorCount", align: "right" },
            { title: t("description"), dataIndex: "description", ellipsis: true },
            {
              title: translate("monitors.common.actions"),
              key: "actions",
              render: (_, a) => (
                <RowEditDelete
                  onEdit={can("update", "Monitor") ? () => setEditing({ app: a }) : undefined}
                  onDelete={
                    can("delete", "Monitor")
                      ? () =>
                          confirm({
                            title: t("deleteTitle", { name: a.name }),
                            danger: true,
                            run: () => appApi.remove(a),
                            success: translate("monitors.common.deleted"),
                          })
                      : undefined
                  }
                  editLabel={translate("monitors.common.edit")}
                  deleteLabel={translate("monitors.common.delete")}
                  editTestId="app-edit"
                />
              ),
            },
          ]}
        />
      </Card>
      <FormDialog<AppForm>
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        onSubmit={save}
        form={form}
        title={app ? t("editTitle", { name: app.name }) : t("createTitle")}
        okText={translate("monitors.common.save")}
        cancelText={translate("monitors.common.cancel")}
        okTestId="app-save"
        autoFocusField="name"
        initialValues={
          app
            ? {
                name: app.name,
                kind: app.kind,
                groupName: app.groupName ?? undefined,
                combineRule: app.combineRule,
                slaPercent: Math.round(app.slaTarget * 100_000) / 1000,
                description: app.description,
              }
            : { kind: "app", combineRule: "all", slaPercent: 99.9 }
        }
      >
        <Row gutter={16}>
          <Col span={14}>
            <Form.Item
              name="name"
              label={t("name")}
              rules={[{ required: true, message: translate("monitors.form.required") }]}
            >
              <Input maxLength={100} data-testid="app-name" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item name="kind" label={t("kind")}>
              <Radio.Group
                optionType="button"
                options={(["app", "platform"] as const).map((k) => ({ value: k, label: t(`kinds.${k}`) }))}
              />
            </Form.Item>
          </Col>
          <Col span={14}>
            <Form.Item name="groupName" label={t("group")} help={t("groupHelp")}>
              <Input maxLength={100} data-testid="app-group" />
            </Form.Item>
          </Col>
          <Col span={10}>
            <Form.Item
              name="slaPercent"
              label={t("slaTarget")}
              rules={[{ required: true, message: translate("monitors.form.required") }]}
            >
              <InputNumber min={90} max={99.999} step={0.01} style={{ width: "100%" }} data-testid="app-sla" />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="combineRule" label={t("rule")}>
          <Select options={(["all", "any"] as const).map((r) => ({ value: r, label: t(`rules.${r}`) }))} />
        </Form.Item>
        <Form.Item name="description" label={t("description")}>
          <Input.TextArea rows={2} maxLength={500} />
        </Form.Item>
      </FormDialog>
    </>
  );
}
