import { PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { Button, Card, Checkbox, Form, Input, Space, Table, Tag } from "antd";
import { useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import type { ApiClient } from "../../components/authz/authzApi";
import { FormDialog } from "../../components/FormDialog";
import { PageContainer } from "../../components/PageContainer";
import { OneTimeSecret } from "../../components/org/OneTimeSecret";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import { withTotal } from "../../components/tablePagination";
import { useConfirmedAction } from "../../components/useConfirmedAction";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";

interface CreateValues {
  name: string;
  scopes: string[];
}

/** The scopes a client may hold (api/src/http/route.ts), each with its label key. */
const SCOPES = [
  { value: "authz:check", label: "authz.clients.scope.authzCheck" },
  { value: "org:read", label: "authz.clients.scope.orgRead" },
] as const;

/**
 * API 客户端 (secadmin): credentials of the business apps that ask the policy decision point
 * (POST /api/v1/authz/check) or read the org change feed (GET /api/v1/org-changes). The server keeps
 * only a digest of the secret, so it is shown once, at creation.
 */
export function ApiClientList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const can = useCan();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>();
  const [form] = Form.useForm<CreateValues>();
  const { tableProps, tableQuery } = useTable<ApiClient, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "createdAt", order: "desc" }] },
    syncWithLocation: false,
  });

  const create = async ({ name, scopes }: CreateValues) => {
    const { data } = await apiRequest<{ client: ApiClient; secret: string }>("/api-clients", {
      method: "POST",
      body: { name: name.trim(), scopes },
    });
    setSecret({ name: data.client.name, secret: data.secret });
    void tableQuery.refetch();
  };

  const confirm = useConfirmedAction(setError, tableQuery.refetch);
  const revoke = (client: ApiClient) =>
    confirm({
      title: translate("authz.clients.confirmRevoke", { name: client.name }),
      content: translate("authz.clients.revokeHint"),
      danger: true,
      run: () => apiRequest(`/api-clients/${encodeURIComponent(client.id)}`, { method: "DELETE" }),
      success: translate("authz.clients.revoked", { name: client.name }),
    });

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "ApiClient") && (
          <Button type="primary" icon={<PlusOutlined />} data-testid="client-create" onClick={() => setCreating(true)}>
            {translate("authz.clients.create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? tableQuery.error} onClose={() => setError(undefined)} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<ApiClient>
          {...tableProps}
          rowKey="id"
          data-testid="api-client-table"
          columns={[
            { dataIndex: "name", title: translate("authz.clients.name") },
            {
              dataIndex: "scopes",
              title: translate("authz.clients.scopes"),
              render: (scopes: string[] | undefined) => (
                <Space size={[0, 4]} wrap>
                  {(scopes ?? []).map((scope) => {
                    const known = SCOPES.find((s) => s.value === scope);
                    return <Tag key={scope}>{known ? translate(known.label) : scope}</Tag>;
                  })}
                </Space>
              ),
            },
            {
              key: "status",
              title: translate("authz.clients.status"),
              render: (_, client) =>
                client.revokedAt ? (
                  <Tag>{translate("authz.clients.revokedTag")}</Tag>
                ) : (
                  <Tag color="green">{translate("authz.clients.active")}</Tag>
                ),
            },
            {
              dataIndex: "createdAt",
              title: translate("authz.common.createdAt"),
              sorter: true,
              render: (value: string) => formatBeijingTime(value),
            },
            {
              dataIndex: "lastUsedAt",
              title: translate("authz.clients.lastUsedAt"),
              render: (value: string | null) =>
                value ? formatBeijingTime(value) : translate("authz.clients.neverUsed"),
            },
            {
              key: "actions",
              title: translate("authz.common.actions"),
              render: (_, client) =>
                !client.revokedAt &&
                can("delete", "ApiClient") && (
                  <Button size="small" danger onClick={() => revoke(client)} data-testid="client-revoke">
                    {translate("authz.common.revoke")}
                  </Button>
                ),
            },
          ]}
          pagination={withTotal(tableProps.pagination, (total) => translate("authz.common.total", { total }))}
        />
      </Card>
      <FormDialog<CreateValues>
        open={creating}
        onClose={() => setCreating(false)}
        onSubmit={create}
        form={form}
        title={translate("authz.clients.create")}
        okText={translate("authz.common.submit")}
        cancelText={translate("authz.common.cancel")}
      >
        <Form.Item
          name="name"
          label={translate("authz.clients.name")}
          extra={translate("authz.clients.nameHint")}
          rules={[{ required: true, whitespace: true, max: 100, message: translate("authz.validation.name") }]}
        >
          <Input maxLength={100} data-testid="client-name" />
        </Form.Item>
        <Form.Item
          name="scopes"
          label={translate("authz.clients.scopes")}
          extra={translate("authz.clients.scopesHint")}
          initialValue={["authz:check"]}
          rules={[{ required: true, type: "array", min: 1, message: translate("authz.validation.scopes") }]}
        >
          <Checkbox.Group
            data-testid="client-scopes"
            options={SCOPES.map((s) => ({ value: s.value, label: translate(s.label) }))}
          />
        </Form.Item>
      </FormDialog>
      {secret && (
        <OneTimeSecret
          title={translate("authz.clients.secretTitle")}
          rows={[{ label: secret.name, secret: secret.secret }]}
          onClose={() => setSecret(undefined)}
        />
      )}
    </PageContainer>
  );
}
