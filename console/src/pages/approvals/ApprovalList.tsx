import { ReloadOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { Button, Card, Segmented, Table, Tag } from "antd";
import { useSearchParams } from "react-router";
import type { ApiError } from "../../api/ApiError";
import { APPROVAL_STATUSES, type Approval, type ApprovalStatus } from "../../components/authz/authzApi";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { withTotal } from "../../components/tablePagination";
import type { ConsoleResource } from "../../resources";
import { useSession } from "../../session/session";
import { formatBeijingTime } from "../../time";
import { ApprovalDrawer } from "./ApprovalDrawer";
import { ApprovalPerson } from "./ApprovalPerson";

export const APPROVAL_COLORS: Record<ApprovalStatus, string> = {
  pending: "processing",
  approved: "success",
  rejected: "error",
  expired: "default",
  cancelled: "default",
  failed: "warning",
};

type Filter = ApprovalStatus | "all";

/**
 * 双人复核: proposals of sensitive changes (granting a scoped admin, publishing a policy, changing security
 * settings) waiting for an admin of another role. The filter and the open proposal live in the address
 * (?status=, ?id=) so the "submitted for approval" notice can link straight to one.
 */
export function ApprovalList({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const status = (search.get("status") as Filter | null) ?? "pending";
  const openId = search.get("id") ?? undefined;
  const { tableProps, tableQuery } = useTable<Approval, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "createdAt", order: "desc" }] },
    filters: { permanent: [{ field: "status", operator: "eq", value: status === "all" ? undefined : status }] },
    syncWithLocation: false,
  });

  const update = (changes: Record<string, string | undefined>) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) next.delete(key);
      else next.set(key, value);
    }
    setSearch(next);
  };

  // The approvals page belongs to every admin role: the breadcrumb names the reader's own workspace.
  const framed = session?.role ? { ...resource, workspace: session.role } : resource;

  return (
    <PageContainer
      resource={framed}
      extra={
        <Button icon={<ReloadOutlined />} onClick={() => tableQuery.refetch()} loading={tableQuery.isFetching}>
          {translate("authz.common.refresh")}
        </Button>
      }
    >
      <Segmented<Filter>
        style={{ marginBottom: 16 }}
        value={status}
        onChange={(value) => update({ status: value })}
        data-testid="approval-status"
        options={(["pending", ...APPROVAL_STATUSES.filter((s) => s !== "pending"), "all"] as Filter[]).map((value) => ({
          value,
          label: translate(`authz.approvals.status.${value}`),
        }))}
      />
      <ProblemAlert error={tableQuery.error} />
      <Card styles={{ body: { padding: 0 } }}>
        <Table<Approval>
          {...tableProps}
          rowKey="id"
          data-testid="approval-table"
          scroll={{ x: "max-content" }}
          onRow={(approval) =>
            ({
              "data-testid": "approval-row",
              "data-action": approval.action,
              style: { cursor: "pointer" },
              onClick: () => update({ id: approval.id }),
            }) as object
          }
          columns={[
            {
              dataIndex: "action",
              title: translate("authz.approvals.action"),
              render: (action: string) => <Tag>{translate(`authz.approvalActions.${action}`, action)}</Tag>,
            },
            { dataIndex: "summary", title: translate("authz.approvals.summary"), ellipsis: true },
            {
              key: "proposer",
              title: translate("authz.approvals.proposer"),
              render: (_, approval) => (
                <ApprovalPerson
                  displayName={approval.proposerDisplayName}
                  username={approval.proposerName}
                  role={approval.proposerRole}
                  testId="approval-proposer"
                />
              ),
            },
            {
              dataIndex: "status",
              title: translate("authz.approvals.statusLabel"),
              render: (value: ApprovalStatus) => (
                <Tag color={APPROVAL_COLORS[value]}>{translate(`authz.approvals.status.${value}`)}</Tag>
              ),
            },
            {
              key: "decider",
              title: translate("authz.approvals.decider"),
              render: (_, approval) =>
                approval.deciderName ? (
                  <ApprovalPerson
                    displayName={approval.deciderDisplayName ?? approval.deciderName}
                    username={approval.deciderName}
                    role={approval.deciderRole ?? ""}
                    testId="approval-decider"
                  />
                ) : (
                  "—"
                ),
            },
            {
              dataIndex: "createdAt",
              title: translate("authz.approvals.proposedAt"),
              sorter: true,
              render: (value: string) => formatBeijingTime(value),
            },
            {
              dataIndex: "expiresAt",
              title: translate("authz.approvals.expiresAt"),
              render: (value: string) => formatBeijingTime(value),
            },
          ]}
          pagination={withTotal(tableProps.pagination, (total) => translate("authz.common.total", { total }))}
        />
      </Card>
      {openId && (
        <ApprovalDrawer
          id={openId}
          onClose={() => update({ id: undefined })}
          onDecided={() => void tableQuery.refetch()}
        />
      )}
    </PageContainer>
  );
}
