import { PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { Button, Card, Form, Input, Space, Table, Tag } from "antd";
import { useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import { FormDialog } from "../../components/FormDialog";
import { PageContainer } from "../../components/PageContainer";
import { OneTimeSecret, type SecretRow } from "../../components/org/OneTimeSecret";
import { ifMatch, type Tenant, type TenantAdminPassword } from "../../components/org/orgApi";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";
import { useConfirmedAction } from "../../components/useConfirmedAction";

interface CreateValues {
  code: string;
  name: string;
}

/**
 * 租户 (platform sysadmin): the tenants of the platform. A new tenant comes with its own three admins, whose
 * one-time passwords are shown once here and must be handed over out of band.
 */
export function TenantList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const can = useCan();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const [secrets, setSecrets] = useState<SecretRow[] | undefined>();
  const [form] = Form.useForm<CreateValues>();
  const { tableProps, tableQuery } = useTable<Tenant, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "createdAt", order: "asc" }] },
    syncWithLocation: false,
  });
  const confirm = useConfirmedAction(setError, tableQuery.refetch);

  const create = async (values: CreateValues) => {
    const { data } = await apiRequest<{ tenant: Tenant; admins: TenantAdminPassword[] }>("/tenants", {
      method: "POST",
      body: { code: values.code.trim(), name: values.name.trim() },
    });
    setSecrets(
      data.admins.map((admin) => ({
        label: translate(`roles.${admin.role}`),
        account: admin.username,
        secret: admin.oneTimePassword,
      })),
    );
    void tableQuery.refetch();
  };

  const setEnabled = (tenant: Tenant, enable: boolean) =>
    confirm({
      title: translate(enable ? "org.tenants.confirmEnable" : "org.tenants.confirmDisable", { name: tenant.name }),
      content: enable ? undefined : translate("org.tenants.disableHint"),
      run: () =>
        apiRequest(`/tenants/${encodeURIComponent(tenant.id)}/${enable ? "enable" : "disable"}`, {
          method: "POST",
          headers: ifMatch(tenant.version),
        }),
      success: translate(enable ? "org.tenants.enabled" : "org.tenants.disabled", { name: tenant.name }),
    });

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "Tenant") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="tenant-create">
            {translate("org.tenants.create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? tableQuery.error} onClose={() => setError(undefined)} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<Tenant>
          {...tableProps}
          rowKey="id"
          data-testid="tenant-table"
          onRow={(tenant) => ({ "data-testid": "tenant-row", "data-code": tenant.code }) as object}
          columns={[
            { dataIndex: "code", title: translate("org.fields.code"), sorter: true },
            { dataIndex: "name", title: translate("org.fields.name"), sorter: true },
            {
              dataIndex: "status",
              title: translate("org.fields.status"),
              render: (status: Tenant["status"], tenant) => (
                <>
                  <Tag color={status === "active" ? "green" : "default"}>{translate(`org.tenantStatus.${status}`)}</Tag>
                  {tenant.platform && <Tag color="blue">{translate("org.tenants.platform")}</Tag>}
                </>
              ),
            },
            {
              dataIndex: "createdAt",
              title: translate("org.fields.createdAt"),
              sorter: true,
              render: (value: string) => formatBeijingTime(value),
            },
            {
              key: "actions",
              title: translate("org.common.actions"),
              render: (_, tenant) =>
                // The platform tenant holds the platform's own admins: it is never disabled.
                !tenant.platform &&
                can("update", "Tenant", tenant) && (
                  <Space>
                    {tenant.status === "active" ? (
                      <Button
                        size="small"
                        danger
                        onClick={() => setEnabled(tenant, false)}
                        data-testid="tenant-disable"
                      >
                        {translate("org.common.disable")}
                      </Button>
                    ) : (
                      <Button size="small" onClick={() => setEnabled(tenant, true)} data-testid="tenant-enable">
                        {translate("org.common.enable")}
                      </Button>
                    )}
                  </Space>
                ),
            },
          ]}
          pagination={withTotal(tableProps.pagination, (total) => translate("org.common.total", { total }))}
        />
      </Card>
      <FormDialog<CreateValues>
        open={creating}
        onClose={() => setCreating(false)}
        onSubmit={create}
        form={form}
        title={translate("org.tenants.create")}
        okText={translate("org.common.ok")}
        cancelText={translate("org.common.cancel")}
        autoFocusField="code"
      >
        <Form.Item
          name="code"
          label={translate("org.fields.code")}
          extra={translate("org.tenants.codeHint")}
          rules={[
            { required: true, message: translate("org.validation.tenantCode") },
            { pattern: /^[a-z0-9][a-z0-9-]{0,62}$/, message: translate("org.validation.tenantCode") },
          ]}
        >
          <Input maxLength={63} data-testid="tenant-code" />
        </Form.Item>
        <Form.Item
          name="name"
          label={translate("org.fields.name")}
          rules={[{ required: true, whitespace: true, max: 100, message: translate("org.validation.name") }]}
        >
          <Input maxLength={100} data-testid="tenant-name" />
        </Form.Item>
      </FormDialog>
      {secrets && (
        <OneTimeSecret
          title={translate("org.tenants.passwordsTitle")}
          rows={secrets}
          onClose={() => setSecrets(undefined)}
        />
      )}
    </PageContainer>
  );
}
