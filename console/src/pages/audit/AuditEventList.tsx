import { ReloadOutlined } from "@ant-design/icons";
import { subject as asSubject } from "@casl/ability";
import { useTable } from "@refinedev/antd";
import { type CrudFilter, useTranslate } from "@refinedev/core";
import { Button, Card, Space, Table, Typography } from "antd";
import type { HTMLAttributes } from "react";
import { useSearchParams } from "react-router";
import type { ApiError } from "../../api/ApiError";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { withTotal } from "../../components/tablePagination";
import { MAX_PAGE_SIZE } from "../../providers/dataProvider";
import type { ConsoleResource } from "../../resources";
import { useSession } from "../../session/session";
import { AuditEventDrawer } from "./AuditEventDrawer";
import { AuditSearchForm } from "./AuditSearchForm";
import { auditColumns } from "./auditColumns";
import { type AuditEvent, type AuditFilter, filterFromSearch, searchWithFilter } from "./auditEvent";
import { ChainStatusCard } from "./ChainStatusCard";
import { ExportButtons } from "./ExportButtons";
import { SavedSearches } from "./SavedSearches";

/** Stable hooks for the browser tests, which look for who did what without parsing cell text. */
function rowHooks(event: AuditEvent, open: (seq: string) => void): HTMLAttributes<HTMLElement> {
  const hooks: Record<string, unknown> = {
    "data-testid": "audit-row",
    "data-seq": event.seq,
    "data-action": event.action,
    "data-actor": event.actorName ?? "",
    "data-actor-role": event.actorRole ?? "",
    "data-result": event.result,
    style: { cursor: "pointer" },
    onClick: () => open(event.seq),
  };
  return hooks as HTMLAttributes<HTMLElement>;
}

const toCrudFilters = (filter: AuditFilter): CrudFilter[] =>
  Object.entries(filter).map(([field, value]) => ({ field, operator: "eq" as const, value }));

/**
 * The auditor's workspace (GET /api/v1/audit/events, paged and sorted on the server): a search whose fields live
 * in the address bar (so a search is a link, and back/forward step through searches), the chain's status with
 * "verify now", the event's detail with its before/after diff (?seq=), signed CSV/XLSX exports of the search, and
 * saved searches. The server decides which events the caller may see (auditadmin: everyone but itself;
 * secadmin: only the auditadmin's), so the same page serves both the audit log and the auditor log.
 */
export function AuditEventList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const filter = filterFromSearch(search);
  const openSeq = search.get("seq") ?? undefined;
  const canVerify = Boolean(session?.ability.can("verify", asSubject("AuditEvent", { actorRole: "sysadmin" })));
  const canExport = Boolean(
    session?.ability.can("export", asSubject("AuditEvent", { ...(resource.ability.sample ?? {}) })),
  );
  const { tableProps, sorters, tableQuery, setCurrentPage } = useTable<AuditEvent, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "occurredAt", order: "desc" }] },
    filters: { permanent: toCrudFilters(filter) },
    syncWithLocation: false,
  });

  const update = (next: URLSearchParams) => setSearch(next);
  const applyFilter = (next: AuditFilter) => {
    const params = searchWithFilter(search, next);
    params.delete("seq");
    update(params);
    setCurrentPage(1);
  };
  const openEvent = (seq: string | undefined) => {
    const params = new URLSearchParams(search);
    if (seq === undefined) params.delete("seq");
    else params.set("seq", seq);
    update(params);
  };

  return (
    <PageContainer
      resource={resource}
      extra={
        <Space wrap>
          {canExport && <ExportButtons filter={filter} />}
          <Button icon={<ReloadOutlined />} onClick={() => tableQuery.refetch()} loading={tableQuery.isFetching}>
            {translate("audit.refresh")}
          </Button>
        </Space>
      }
    >
      <ChainStatusCard canVerify={canVerify} />
      <AuditSearchForm filter={filter} onSearch={applyFilter} />
      <SavedSearches filter={filter} onApply={applyFilter} />
      {tableQuery.error && (
        <div data-testid="audit-load-failed">
          <Typography.Text strong>{translate("audit.loadFailed")}</Typography.Text>
          <ProblemAlert error={tableQuery.error} testId="audit-problem" />
        </div>
      )}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<AuditEvent>
          {...tableProps}
          data-testid="audit-table"
          rowKey="seq"
          columns={auditColumns(translate, sorters)}
          onRow={(event) => rowHooks(event, openEvent)}
          size="middle"
          scroll={{ x: "max-content" }}
          pagination={withTotal(
            tableProps.pagination && {
              ...tableProps.pagination,
              showSizeChanger: true,
              pageSizeOptions: [20, 50, 100, MAX_PAGE_SIZE],
            },
            (total) => translate("audit.total", { total }),
          )}
        />
      </Card>
      {openSeq && <AuditEventDrawer key={openSeq} seq={openSeq} onClose={() => openEvent(undefined)} />}
    </PageContainer>
  );
}
