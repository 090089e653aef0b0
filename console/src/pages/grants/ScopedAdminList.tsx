import { PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, Checkbox, DatePicker, Form, Segmented, Select, Table, Tag, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useState } from "react";
import { SCOPED_ACTIONS, type ScopedAction } from "../../../../policies/scoped";
import type { ApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import { isPendingApproval, type ScopedAdmin } from "../../components/authz/authzApi";
import { usePendingNotice } from "../../components/authz/PendingNotice";
import { FormDialog } from "../../components/FormDialog";
import { PageContainer } from "../../components/PageContainer";
import { DepartmentPicker } from "../../components/org/DepartmentPicker";
import { listDimensions } from "../../components/org/orgApi";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { UserPicker } from "../../components/org/UserPicker";
import { withTotal } from "../../components/tablePagination";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";
import { useConfirmedAction } from "../../components/useConfirmedAction";

type StatusFilter = "active" | "expired" | "revoked" | "all";

interface Values {
  userId: string;
  dimensionId: string;
  departmentId: string;
  actions: ScopedAction[];
  expiresAt?: Dayjs;
}

const STATUS_COLORS: Record<ScopedAdmin["status"], string> = { active: "green", expired: "orange", revoked: "default" };

/**
 * 分级管理员 (secadmin): who administers which department subtree with which actions. Granting may need the
 * other admin role's approval (two-person rule): the server answers 202 and the grant appears once approved.
 */
export function ScopedAdminList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const can = useCan();
  const { message } = App.useApp();
  const announcePending = usePendingNotice();
  const [status, setStatus] = useState<StatusFilter>("active");
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const [form] = Form.useForm<Values>();
  const dimensionId = Form.useWatch("dimensionId", form);
  const dimensions = useQuery({ queryKey: ["org", "dimensions"], queryFn: listDimensions, enabled: creating });
  const { tableProps, tableQuery } = useTable<ScopedAdmin, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "createdAt", order: "desc" }] },
    filters: { permanent: [{ field: "status", operator: "eq", value: status }] },
    syncWithLocation: false,
  });
  const confirm = useConfirmedAction(setError, tableQuery.refetch);

  const create = async (values: Values) => {
    const { data } = await apiRequest<unknown>("/scoped-admins", {
      method: "POST",
      body: {
        userId: values.userId,
        departmentId: values.departmentId,
        actions: values.actions,
        ...(values.expiresAt ? { expiresAt: values.expiresAt.toISOString() } : {}),
      },
    });
    if (isPendingApproval(data)) announcePending(data);
    else message.success(translate("authz.scoped.granted"));
    void tableQuery.refetch();
  };

  const revoke = (grant: ScopedAdmin) =>
    confirm({
      title: translate("authz.scoped.confirmRevoke", { user: grant.displayName, department: grant.departmentName }),
      content: translate("authz.scoped.revokeHint"),
      danger: true,
      run: () => apiRequest(`/scoped-admins/${encodeURIComponent(grant.id)}`, { method: "DELETE" }),
      success: translate("authz.scoped.revoked"),
    });

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "Grant") && (
          <Button type="primary" icon={<PlusOutlined />} data-testid="grant-create" onClick={() => setCreating(true)}>
            {translate("authz.scoped.create")}
          </Button>
        )
      }
    >
      <Segmented<StatusFilter>
        style={{ marginBottom: 16 }}
        value={status}
        onChange={setStatus}
        options={(["active", "expired", "revoked", "all"] as const).map((value) => ({
          value,
          label: translate(`authz.scoped.status.${value}`),
        }))}
      />
      <ProblemAlert error={error ?? tableQuery.error} onClose={() => setError(undefined)} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<ScopedAdmin>
          {...tableProps}
          rowKey="id"
          data-testid="scoped-admin-table"
          scroll={{ x: "max-content" }}
          columns={[
            {
              key: "user",
              title: translate("authz.scoped.user"),
              render: (_, grant) => (
                <>
                  {grant.displayName} <Typography.Text type="secondary">{grant.username}</Typography.Text>
                </>
              ),
            },
            { dataIndex: "departmentName", title: translate("authz.scoped.department") },
            {
              dataIndex: "actions",
              title: translate("authz.scoped.actions"),
              render: (actions: ScopedAction[]) =>
                actions.map((action) => <Tag key={action}>{translate(`authz.scopedActions.${action}`)}</Tag>),
            },
            {
              dataIndex: "status",
              title: translate("authz.scoped.statusLabel"),
              render: (value: ScopedAdmin["status"]) => (
                <Tag color={STATUS_COLORS[value]}>{translate(`authz.scoped.status.${value}`)}</Tag>
              ),
            },
            {
              dataIndex: "expiresAt",
              title: translate("authz.scoped.expiresAt"),
              sorter: true,
              render: (value: string | null) => (value ? formatBeijingTime(value) : translate("authz.scoped.never")),
            },
            { dataIndex: "grantedByName", title: translate("authz.scoped.grantedBy") },
            {
              dataIndex: "createdAt",
              title: translate("authz.common.createdAt"),
              sorter: true,
              render: (value: string) => formatBeijingTime(value),
            },
            {
              key: "actionsColumn",
              title: translate("authz.common.actions"),
              render: (_, grant) =>
                grant.status === "active" &&
                can("delete", "Grant", { path: grant.departmentPath }) && (
                  <Button size="small" danger onClick={() => revoke(grant)} data-testid="grant-revoke">
                    {translate("authz.common.revoke")}
                  </Button>
                ),
            },
          ]}
          pagination={withTotal(tableProps.pagination, (total) => translate("authz.common.total", { total }))}
        />
      </Card>
      <FormDialog<Values>
        open={creating}
        onClose={() => setCreating(false)}
        onSubmit={create}
        form={form}
        title={translate("authz.scoped.create")}
        okText={translate("authz.common.submit")}
        cancelText={translate("authz.common.cancel")}
        initialValues={{ actions: ["view"] }}
        width={560}
      >
        <Form.Item
          name="userId"
          label={translate("authz.scoped.user")}
          extra={translate("authz.scoped.userHint")}
          rules={[{ required: true, message: translate("authz.validation.user") }]}
        >
          <UserPicker placeholder={translate("authz.scoped.searchUser")} testId="grant-user" />
        </Form.Item>
        <Form.Item
          name="dimensionId"
          label={translate("authz.scoped.dimension")}
          rules={[{ required: true, message: translate("authz.validation.dimension") }]}
        >
          <Select
            data-testid="grant-dimension"
            loading={dimensions.isLoading}
            onChange={() => form.setFieldValue("departmentId", undefined)}
            options={(dimensions.data ?? []).map((dimension) => ({ value: dimension.id, label: dimension.name }))}
          />
        </Form.Item>
        <Form.Item
          name="departmentId"
          label={translate("authz.scoped.subtree")}
          extra={translate("authz.scoped.subtreeHint")}
          rules={[{ required: true, message: translate("authz.validation.department") }]}
        >
          <DepartmentPicker dimensionId={dimensionId} testId="grant-department" />
        </Form.Item>
        <Form.Item
          name="actions"
          label={translate("authz.scoped.actions")}
          rules={[{ required: true, type: "array", min: 1, message: translate("authz.validation.actions") }]}
        >
          <Checkbox.Group
            options={SCOPED_ACTIONS.map((action) => ({
              value: action,
              label: translate(`authz.scopedActions.${action}`),
            }))}
          />
        </Form.Item>
        <Form.Item
          name="expiresAt"
          label={translate("authz.scoped.expiresAt")}
          extra={translate("authz.scoped.expiresHint")}
        >
          <DatePicker showTime style={{ width: "100%" }} disabledDate={(day) => day.isBefore(dayjs().startOf("day"))} />
        </Form.Item>
      </FormDialog>
    </PageContainer>
  );
}
