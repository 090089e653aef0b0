import { DownloadOutlined, MoreOutlined, PlusOutlined, ReloadOutlined, UploadOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { type CrudFilter, useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, App, Button, Card, Dropdown, Space, Table } from "antd";
import type { HTMLAttributes } from "react";
import { useRef, useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { downloadFile } from "../../api/files";
import { downloadBlob } from "../../components/download";
import { PageContainer } from "../../components/PageContainer";
import { useErrorText } from "../../hooks/useErrorText";
import { listQuery, MAX_PAGE_SIZE } from "../../providers/dataProvider";
import type { ConsoleResource } from "../../resources";
import { useSession } from "../../session/session";
import { ImportModal } from "./ImportModal";
import { OneTimePasswordModal } from "./OneTimePasswordModal";
import { UserFilters, type UserFilterValues } from "./UserFilters";
import { UserFormModal } from "./UserFormModal";
import { userColumns } from "./userColumns";
import type { User } from "./userApi";
import { useUserActions } from "./useUserActions";

function toFilters(values: UserFilterValues): CrudFilter[] {
  const filters: CrudFilter[] = [];
  if (values.q?.trim()) filters.push({ field: "q", operator: "contains", value: values.q.trim() });
  if (values.phone?.trim()) filters.push({ field: "phone", operator: "eq", value: values.phone.trim() });
  if (values.status) filters.push({ field: "status", operator: "eq", value: values.status });
  if (values.departmentId) {
    filters.push({ field: "departmentId", operator: "eq", value: values.departmentId });
    filters.push({
      field: "includeSubDepartments",
      operator: "eq",
      value: String(values.includeSubDepartments ?? true),
    });
  }
  return filters;
}

const rowHooks = (user: User): HTMLAttributes<HTMLElement> =>
  ({ "data-testid": "user-row", "data-username": user.username }) as HTMLAttributes<HTMLElement>;

/**
 * Users (sysadmin; a scoped admin sees its subtree because the server filters): search, filters, server-side
 * paging and sorting; create (one-time password shown once), lifecycle actions, import and export.
 */
export function UserList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const session = useSession();
  const canCreate = session?.ability.can("create", "User") ?? false;
  const [dialog, setDialog] = useState<"create" | "import" | null>(null);
  const [created, setCreated] = useState<{ username: string; password: string; reason: "created" } | null>(null);
  const filtersRef = useRef<CrudFilter[]>([]);
  const { tableProps, sorters, tableQuery, setFilters } = useTable<User, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "createdAt", order: "desc" }] },
    filters: { mode: "server" },
    syncWithLocation: false,
  });
  const refetch = () => void tableQuery.refetch();
  const actions = useUserActions({ onChanged: refetch, onDeleted: refetch });

  const exportUsers = useMutation({
    mutationFn: () => downloadFile("/users/export", listQuery({ mode: "off" }, [], filtersRef.current), "users.xlsx"),
    onSuccess: ({ blob, filename }) => downloadBlob(filename, blob),
    onError: (error) => message.error(`${translate("people.list.exportFailed")}: ${errorText(error)}`),
  });

  return (
    <PageContainer
      resource={resource}
      extra={
        <Space wrap>
          <Button icon={<ReloadOutlined />} onClick={refetch} loading={tableQuery.isFetching} />
          <Button icon={<DownloadOutlined />} loading={exportUsers.isPending} onClick={() => exportUsers.mutate()}>
            {translate("people.list.export")}
          </Button>
          {canCreate && (
            <Button icon={<UploadOutlined />} onClick={() => setDialog("import")} data-testid="user-import">
              {translate("people.list.import")}
            </Button>
          )}
          {canCreate && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setDialog("create")}
              data-testid="user-create"
            >
              {translate("people.list.create")}
            </Button>
          )}
        </Space>
      }
    >
      <UserFilters
        onSearch={(values) => {
          filtersRef.current = toFilters(values);
          setFilters(filtersRef.current, "replace");
        }}
      />
      {tableQuery.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("people.list.loadFailed")}
          description={errorText(tableQuery.error)}
        />
      )}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<User>
          {...tableProps}
          data-testid="user-table"
          rowKey="id"
          size="middle"
          onRow={rowHooks}
          scroll={{ x: "max-content" }}
          columns={[
            ...userColumns(translate, sorters),
            {
              key: "actions",
              title: translate("people.fields.actions"),
              width: 80,
              fixed: "right",
              render: (_: unknown, user: User) => {
                const items = actions.items(user);
                return items.length > 0 ? (
                  <Dropdown menu={{ items }} trigger={["click"]}>
                    <Button size="small" icon={<MoreOutlined />} aria-label={translate("people.list.more")} />
                  </Dropdown>
                ) : null;
              },
            },
          ]}
          pagination={
            tableProps.pagination && {
              ...tableProps.pagination,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100, MAX_PAGE_SIZE],
              showTotal: (total) => translate("people.list.total", { total }),
              style: { paddingInline: 16 },
            }
          }
        />
      </Card>
      <UserFormModal
        open={dialog === "create"}
        onClose={() => setDialog(null)}
        onCreated={({ user, oneTimePassword }) => {
          setDialog(null);
          setCreated({ username: user.username, password: oneTimePassword, reason: "created" });
          refetch();
        }}
      />
      <ImportModal
        open={dialog === "import"}
        onClose={() => setDialog(null)}
        onImported={() => {
          refetch();
        }}
      />
      <OneTimePasswordModal value={created} onClose={() => setCreated(null)} />
      {actions.modals}
    </PageContainer>
  );
}
