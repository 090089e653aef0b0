import { PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { App, Button, Card, Form, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import { FormDialog } from "../../components/FormDialog";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { UserPicker } from "../../components/org/UserPicker";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";

interface Viewer {
  userId: string;
  username: string;
  displayName: string;
  status: "active" | "disabled";
  role: "viewer";
  assignedAt: string;
}

/**
 * 领导账号 (secadmin): who holds the read-only leadership role `viewer`. Granting it is the security
 * administrator's duty; the account itself is created by the system administrator. An account with an admin
 * role is refused (409 ROLE_EXCLUSIVE: one built-in role per account). Either change ends the account's sessions.
 */
export function ViewerList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const t = (key: string, values?: Record<string, unknown>) => translate(`leadership.viewers.${key}`, values);
  const can = useCan();
  const { message } = App.useApp();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const [form] = Form.useForm<{ userId: string }>();
  const { tableProps, tableQuery } = useTable<Viewer, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "assignedAt", order: "desc" }] },
    syncWithLocation: false,
  });
  const confirm = useConfirmedAction(setError, tableQuery.refetch);

  const assign = async ({ userId }: { userId: string }) => {
    await apiRequest("/viewers", { method: "POST", body: { userId } });
    message.success(t("assigned"));
    void tableQuery.refetch();
  };
  const revoke = (viewer: Viewer) =>
    confirm({
      title: t("confirmRevoke", { user: viewer.displayName }),
      content: t("revokeHint"),
      danger: true,
      run: () => apiRequest(`/viewers/${encodeURIComponent(viewer.userId)}`, { method: "DELETE" }),
      success: t("revoked"),
    });

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "Grant") && (
          <Button type="primary" icon={<PlusOutlined />} data-testid="viewer-assign" onClick={() => setCreating(true)}>
            {t("assign")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? tableQuery.error} onClose={() => setError(undefined)} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<Viewer>
          {...tableProps}
          rowKey="userId"
          data-testid="viewer-table"
          columns={[
            {
              key: "user",
              title: t("user"),
              render: (_, v) => (
                <>
                  {v.displayName} <Typography.Text type="secondary">{v.username}</Typography.Text>
                </>
              ),
            },
            {
              dataIndex: "status",
              title: t("status"),
              render: (s: Viewer["status"]) => (
                <Tag color={s === "active" ? "green" : "default"}>{t(`statuses.${s}`)}</Tag>
              ),
            },
            {
              dataIndex: "assignedAt",
              title: t("assignedAt"),
              sorter: true,
              render: (value: string) => formatBeijingTime(value),
            },
            {
              key: "actions",
              title: t("actions"),
              render: (_, v) =>
                can("delete", "Grant") && (
                  <Button size="small" danger onClick={() => revoke(v)} data-testid="viewer-revoke">
                    {t("revoke")}
                  </Button>
                ),
            },
          ]}
          pagination={withTotal(tableProps.pagination, (total) => t("total", { total }))}
        />
      </Card>
      <FormDialog<{ userId: string }>
        open={creating}
        onClose={() => setCreating(false)}
        onSubmit={assign}
        form={form}
        title={t("assign")}
        okText={t("submit")}
        cancelText={t("cancel")}
        width={520}
      >
        <Form.Item
          name="userId"
          label={t("user")}
          extra={t("userHint")}
          rules={[{ required: true, message: t("userRequired") }]}
        >
          <UserPicker placeholder={t("searchUser")} testId="viewer-user" />
        </Form.Item>
      </FormDialog>
    </PageContainer>
  );
}
