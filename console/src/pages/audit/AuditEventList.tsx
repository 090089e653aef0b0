import { ReloadOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { Alert, Button, Card, Table } from "antd";
import type { HTMLAttributes } from "react";
import type { ApiError } from "../../api/ApiError";
import { PageContainer } from "../../components/PageContainer";
import { useErrorText } from "../../hooks/useErrorText";
import { MAX_PAGE_SIZE } from "../../providers/dataProvider";
import type { ConsoleResource } from "../../resources";
import { auditColumns } from "./auditColumns";
import type { AuditEvent } from "./auditEvent";

/** Stable hooks for the browser tests, which look for who did what without parsing cell text. */
function rowHooks(event: AuditEvent): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, string> = {
    "data-testid": "audit-row",
    "data-action": event.action,
    "data-actor": event.actorName ?? "",
    "data-actor-role": event.actorRole ?? "",
  };
  return hooks;
}

/**
 * Audit events from GET /api/v1/audit/events, paged and sorted on the server. The server decides which
 * events the caller may see (auditadmin: everyone but itself; secadmin: only the auditadmin's), so the same
 * page serves both the audit log and the auditor log.
 */
export function AuditEventList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { tableProps, sorters, tableQuery } = useTable<AuditEvent, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "occurredAt", order: "desc" }] },
    syncWithLocation: false,
  });

  return (
    <PageContainer
      resource={resource}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => tableQuery.refetch()} loading={tableQuery.isFetching}>
          {translate("audit.refresh")}
        </Button>
      }
    >
      {tableQuery.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("audit.loadFailed")}
          description={errorText(tableQuery.error)}
        />
      )}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<AuditEvent>
          {...tableProps}
          data-testid="audit-table"
          rowKey="seq"
          columns={auditColumns(translate, sorters)}
          onRow={rowHooks}
          size="middle"
          scroll={{ x: "max-content" }}
          pagination={
            tableProps.pagination && {
              ...tableProps.pagination,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100, MAX_PAGE_SIZE],
              showTotal: (total) => translate("audit.total", { total }),
              style: { paddingInline: 16 },
            }
          }
        />
      </Card>
    </PageContainer>
  );
}
