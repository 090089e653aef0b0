import { useTable } from "@refinedev/antd";
import { useTranslate } from "@refinedev/core";
import { Alert, Checkbox, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { ApiError } from "../../api/ApiError";
import { useErrorText } from "../../hooks/useErrorText";
import type { Department, OrgUser } from "./orgApi";

/** The people of one department (GET /users?departmentId=…), paged on the server; phone and e-mail come masked. */
export function MembersTable({ department }: { department: Department }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const [withSub, setWithSub] = useState(false);
  const { tableProps, tableQuery } = useTable<OrgUser, ApiError>({
    resource: "users",
    pagination: { pageSize: 10 },
    filters: {
      permanent: [
        { field: "departmentId", operator: "eq", value: department.id },
        { field: "includeSubDepartments", operator: "eq", value: withSub ? "true" : undefined },
      ],
    },
    syncWithLocation: false,
    queryOptions: { retry: false },
  });

  const membership = (user: OrgUser) => user.memberships?.find((m) => m.departmentId === department.id);

  return (
    <>
      <div style={{ display: "flex", justifyContent: "space-between", marginBottom: 8 }}>
        <Typography.Text strong>{translate("org.members.title")}</Typography.Text>
        <Checkbox checked={withSub} onChange={(event) => setWithSub(event.target.checked)}>
          {translate("org.members.includeSub")}
        </Checkbox>
      </div>
      {tableQuery.error && (
        <Alert type="error" showIcon style={{ marginBottom: 8 }} message={errorText(tableQuery.error)} />
      )}
      <Table<OrgUser>
        {...tableProps}
        rowKey="id"
        size="small"
        data-testid="members-table"
        scroll={{ x: "max-content" }}
        columns={[
          { dataIndex: "displayName", title: translate("org.members.name") },
          { dataIndex: "username", title: translate("org.members.username") },
          {
            key: "post",
            title: translate("org.members.post"),
            render: (_, user) => membership(user)?.postName ?? "",
          },
          {
            key: "title",
            title: translate("org.members.jobTitle"),
            render: (_, user) => membership(user)?.title ?? "",
          },
          { dataIndex: "phone", title: translate("org.members.phone") },
          {
            dataIndex: "status",
            title: translate("org.members.status"),
            render: (status: OrgUser["status"], user) => (
              <>
                <Tag color={status === "active" ? "green" : "default"}>{translate(`org.userStatus.${status}`)}</Tag>
                {user.locked && <Tag color="red">{translate("org.userStatus.locked")}</Tag>}
              </>
            ),
          },
        ]}
        pagination={
          tableProps.pagination && {
            ...tableProps.pagination,
            showTotal: (total) => translate("org.common.total", { total }),
          }
        }
      />
    </>
  );
}
