import { buttonTestId } from "../../components/org/testIds";
import { PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { App, Button, Card, Form, Input, Modal, Table, Tag } from "antd";
import { useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import type { ApiClient } from "../../components/authz/authzApi";
import { PageContainer } from "../../components/PageContainer";
import { OneTimeSecret } from "../../components/org/OneTimeSecret";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import type { ConsoleResource } from "../../resources";
import { formatBeijingTime } from "../../time";

/**
 * API 客户端 (secadmin): credentials of the business apps that ask the policy decision point
 * (POST /api/v1/authz/check). The server keeps only a digest of the secret, so it is shown once, at creation.
 */
export function ApiClientList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const can = useCan();
  const { message, modal } = App.useApp();
  const [creating, setCreating] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>();
  const [form] = Form.useForm<{ name: string }>();
  const { tableProps, tableQuery } = useTable<ApiClient, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "createdAt", order: "desc" }] },
    syncWithLocation: false,
  });

  const create = async ({ name }: { name: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await apiRequest<{ client: ApiClient; secret: string }>("/api-clients", {
        method: "POST",
        body: { name: name.trim() },
      });
      setCreating(false);
      setSecret({ name: data.client.name, secret: data.secret });
      void tableQuery.refetch();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const revoke = (client: ApiClient) =>
    modal.confirm({
      title: translate("authz.clients.confirmRevoke", { name: client.name }),
      content: translate("authz.clients.revokeHint"),
      okType: "danger",
      okButtonProps: buttonTestId("confirm-ok"),
      onOk: async () => {
        setError(undefined);
        try {
          await apiRequest(`/api-clients/${encodeURIComponent(client.id)}`, { method: "DELETE" });
          message.success(translate("authz.clients.revoked", { name: client.name }));
        } catch (caught) {
          setError(caught);
        }
        void tableQuery.refetch();
      },
    });

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "ApiClient") && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="client-create"
            onClick={() => {
              setError(undefined);
              form.resetFields();
              setCreating(true);
            }}
          >
            {translate("authz.clients.create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={creating ? undefined : (error ?? tableQuery.error)} onClose={() => setError(undefined)} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<ApiClient>
          {...tableProps}
          rowKey="id"
          data-testid="api-client-table"
          columns={[
            { dataIndex: "name", title: translate("authz.clients.name") },
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
          pagination={
            tableProps.pagination && {
              ...tableProps.pagination,
              showTotal: (total) => translate("authz.common.total", { total }),
              style: { paddingInline: 16 },
            }
          }
        />
      </Card>
      <Modal
        open={creating}
        title={translate("authz.clients.create")}
        onCancel={() => setCreating(false)}
        onOk={() => form.submit()}
        confirmLoading={busy}
        okText={translate("authz.common.submit")}
        cancelText={translate("authz.common.cancel")}
        okButtonProps={buttonTestId("dialog-ok")}
        forceRender
      >
        <ProblemAlert error={creating ? error : undefined} testId="dialog-problem" />
        <Form form={form} layout="vertical" onFinish={create}>
          <Form.Item
            name="name"
            label={translate("authz.clients.name")}
            extra={translate("authz.clients.nameHint")}
            rules={[{ required: true, whitespace: true, max: 100, message: translate("authz.validation.name") }]}
          >
            <Input maxLength={100} data-testid="client-name" />
          </Form.Item>
        </Form>
      </Modal>
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
