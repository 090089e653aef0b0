import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { type BaseRecord, useTranslate } from "@refinedev/core";
import { App, Button, Card, Form, type FormInstance, Space, Table } from "antd";
import type { ColumnsType } from "antd/es/table";
import { type ReactNode, useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import type { Subject } from "../../../../policies/subjects";
import { FormDialog } from "../FormDialog";
import { PageContainer } from "../PageContainer";
import { withTotal } from "../tablePagination";
import type { ConsoleResource } from "../../resources";
import { ifMatch } from "./orgApi";
import { ProblemAlert } from "./ProblemAlert";
import { useCan } from "./useCan";
import { useConfirmedAction } from "../useConfirmedAction";

export interface VersionedRecord extends BaseRecord {
  id: string;
  name: string;
  version: number;
}

/**
 * A list of small versioned records (dimensions, posts) with create, edit and delete in a dialog. Edits and
 * deletes carry If-Match with the version the row was read at, so a concurrent edit answers 409 instead of
 * being overwritten; the server's message says so, and the list reloads.
 */
export function CrudTable<T extends VersionedRecord, V extends object>({
  resource,
  subject,
  columns,
  formItems,
  toBody,
  initialValues,
  sortField = "sortOrder",
}: {
  resource: ConsoleResource;
  subject: Subject;
  columns: ColumnsType<T>;
  /** The dialog's fields; `editing` is undefined when creating. */
  formItems: (editing: T | undefined, form: FormInstance<V>) => ReactNode;
  toBody: (values: V, editing: T | undefined) => object;
  initialValues: (editing: T | undefined) => Partial<V>;
  sortField?: string;
}) {
  const translate = useTranslate();
  const can = useCan();
  const { message } = App.useApp();
  const [form] = Form.useForm<V>();
  const [editing, setEditing] = useState<{ record?: T } | undefined>();
  const [error, setError] = useState<unknown>();
  const { tableProps, tableQuery } = useTable<T, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: sortField, order: "asc" }] },
    syncWithLocation: false,
  });
  const confirm = useConfirmedAction(setError, tableQuery.refetch);
  const path = (record: T) => `/${resource.apiPath}/${encodeURIComponent(record.id)}`;

  const save = async (values: V) => {
    const record = editing?.record;
    try {
      if (record) {
        await apiRequest(path(record), {
          method: "PATCH",
          body: toBody(values, record),
          headers: ifMatch(record.version),
        });
      } else {
        await apiRequest(`/${resource.apiPath}`, { method: "POST", body: toBody(values, undefined) });
      }
      message.success(translate(record ? "org.common.saved" : "org.common.created"));
    } finally {
      // Also after a refusal: a 409 means the row changed, and the list should show what is there now.
      void tableQuery.refetch();
    }
  };

  const remove = (record: T) =>
    confirm({
      title: translate("org.common.confirmDelete", { name: record.name }),
      danger: true,
      run: () => apiRequest(path(record), { method: "DELETE", headers: ifMatch(record.version) }),
      success: translate("org.common.deleted", { name: record.name }),
    });

  const open = (record?: T) => {
    setError(undefined);
    setEditing({ record });
  };

  const actions: ColumnsType<T> = [
    {
      key: "actions",
      title: translate("org.common.actions"),
      width: 120,
      render: (_, record) => (
        <Space size={4}>
          {can("update", subject, record) && (
            <Button
              size="small"
              type="text"
              icon={<EditOutlined />}
              aria-label={translate("org.common.edit")}
              onClick={() => open(record)}
              data-testid="row-edit"
            />
          )}
          {can("delete", subject, record) && (
            <Button
              size="small"
              type="text"
              danger
              icon={<DeleteOutlined />}
              aria-label={translate("org.common.delete")}
              onClick={() => remove(record)}
              data-testid="row-delete"
            />
          )}
        </Space>
      ),
    },
  ];

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", subject) && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => open()} data-testid="row-create">
            {translate("org.common.create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={error ?? tableQuery.error} onClose={() => setError(undefined)} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<T>
          {...tableProps}
          rowKey="id"
          data-testid={`${resource.name}-table`}
          columns={[...columns, ...actions]}
          onRow={(record) => ({ "data-testid": "crud-row", "data-name": record.name }) as object}
          pagination={withTotal(tableProps.pagination, (total) => translate("org.common.total", { total }))}
        />
      </Card>
      <FormDialog<V>
        open={editing !== undefined}
        onClose={() => setEditing(undefined)}
        onSubmit={save}
        form={form}
        title={translate(editing?.record ? "org.common.edit" : "org.common.create")}
        okText={translate("org.common.ok")}
        cancelText={translate("org.common.cancel")}
        initialValues={editing && initialValues(editing.record)}
      >
        {formItems(editing?.record, form)}
      </FormDialog>
    </PageContainer>
  );
}
