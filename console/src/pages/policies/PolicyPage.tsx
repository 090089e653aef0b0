import { PlusOutlined } from "@ant-design/icons";
import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { Button, Card, Col, Empty, Row, Table, Tag } from "antd";
import { useState } from "react";
import { useSearchParams } from "react-router";
import type { ApiError } from "../../api/ApiError";
import type { Policy } from "../../components/authz/authzApi";
import { PageContainer } from "../../components/PageContainer";
import { ProblemAlert } from "../../components/org/ProblemAlert";
import { useCan } from "../../components/org/useCan";
import type { ConsoleResource } from "../../resources";
import { CreatePolicyModal } from "./CreatePolicyModal";
import { PolicyWorkspace } from "./PolicyWorkspace";

/**
 * 访问策略 (secadmin): the policies list beside the open policy (?id=): its versions, the document editor,
 * the simulator and the diff of a draft against the policy in force.
 */
export function PolicyPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const can = useCan();
  const [search, setSearch] = useSearchParams();
  const [creating, setCreating] = useState(false);
  const openId = search.get("id") ?? undefined;
  const { tableProps, tableQuery } = useTable<Policy, ApiError>({
    resource: resource.name,
    pagination: { pageSize: 20 },
    sorters: { initial: [{ field: "name", order: "asc" }] },
    syncWithLocation: false,
  });

  return (
    <PageContainer
      resource={resource}
      extra={
        can("create", "Policy") && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="policy-create">
            {translate("authz.policies.create")}
          </Button>
        )
      }
    >
      <ProblemAlert error={tableQuery.error} />
      <Row gutter={16}>
        <Col xs={24} xl={7}>
          <Card styles={{ body: { padding: 0 } }} style={{ marginBottom: 16 }}>
            <Table<Policy>
              {...tableProps}
              rowKey="id"
              size="small"
              data-testid="policy-table"
              rowClassName={(policy) => (policy.id === openId ? "ant-table-row-selected" : "")}
              onRow={(policy) =>
                ({
                  "data-testid": "policy-row",
                  "data-name": policy.name,
                  style: { cursor: "pointer" },
                  onClick: () => setSearch({ id: policy.id }),
                }) as object
              }
              columns={[
                { dataIndex: "name", title: translate("authz.policies.name"), sorter: true, ellipsis: true },
                {
                  dataIndex: "publishedVersion",
                  title: translate("authz.policies.inForce"),
                  width: 110,
                  render: (version: number | null) =>
                    version ? (
                      <Tag color="green">v{version}</Tag>
                    ) : (
                      <Tag>{translate("authz.policies.unpublished")}</Tag>
                    ),
                },
              ]}
              pagination={
                tableProps.pagination && {
                  ...tableProps.pagination,
                  size: "small",
                  showTotal: (total) => translate("authz.common.total", { total }),
                  style: { paddingInline: 16 },
                }
              }
            />
          </Card>
        </Col>
        <Col xs={24} xl={17}>
          {openId ? (
            <PolicyWorkspace key={openId} policyId={openId} onChanged={() => void tableQuery.refetch()} />
          ) : (
            <Card>
              <Empty description={translate("authz.policies.pick")} />
            </Card>
          )}
        </Col>
      </Row>
      {creating && (
        <CreatePolicyModal
          onClose={() => setCreating(false)}
          onCreated={(policy) => {
            setCreating(false);
            void tableQuery.refetch();
            setSearch({ id: policy.id });
          }}
        />
      )}
    </PageContainer>
  );
}
