import { LockOutlined } from "@ant-design/icons";
import { getDefaultSortOrder } from "@refinedev/antd";
import type { CrudSort } from "@refinedev/core";
import { Space, Tag, Tooltip } from "antd";
import type { ColumnsType } from "antd/es/table";
import { Link } from "react-router";
import { isRole } from "../../../../policies/subjects";
import { formatBeijingTime } from "../../time";
import type { User, UserStatus } from "./userApi";

type Translate = (key: string, options?: Record<string, unknown>) => string;

export const STATUS_COLORS: Record<UserStatus, string> = { active: "green", disabled: "default", deleted: "red" };

export function StatusTags({ user, translate }: { user: User; translate: Translate }) {
  return (
    <Space size={4} wrap>
      <Tag color={STATUS_COLORS[user.status]} data-testid="user-status" data-status={user.status}>
        {translate(`people.status.${user.status}`)}
      </Tag>
      {user.locked && (
        <Tooltip title={user.lockedUntil ? formatBeijingTime(user.lockedUntil) : undefined}>
          <Tag color="orange" icon={<LockOutlined />}>
            {translate("people.status.locked")}
          </Tag>
        </Tooltip>
      )}
    </Space>
  );
}

/** "办公室（主）, 项目组": every department, the primary one first and marked. */
export function departmentsText(user: User, translate: Translate): string {
  return [...user.memberships]
    .sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary))
    .map((m) => (m.isPrimary ? `${m.departmentName} (${translate("people.list.primary")})` : m.departmentName))
    .join(", ");
}

/** The user table's columns; sortable where the API sorts (createdAt, username, displayName, employeeNo, status). */
export function userColumns(translate: Translate, sorters: CrudSort[]): ColumnsType<User> {
  const f = (key: string) => translate(`people.fields.${key}`);
  const sortable = (field: string) => ({ sorter: true, defaultSortOrder: getDefaultSortOrder(field, sorters) });
  return [
    {
      dataIndex: "displayName",
      title: f("displayName"),
      width: 140,
      fixed: "left",
      ...sortable("displayName"),
      render: (name: string, user) => (
        <Link to={`/system/users/${user.id}`} data-testid="user-link">
          {name}
        </Link>
      ),
    },
    { dataIndex: "username", title: f("username"), width: 140, ...sortable("username") },
    { dataIndex: "employeeNo", title: f("employeeNo"), width: 110, ...sortable("employeeNo") },
    {
      key: "departments",
      title: f("department"),
      width: 220,
      ellipsis: { showTitle: true },
      render: (_: unknown, user) => departmentsText(user, translate),
    },
    { dataIndex: "phone", title: f("phone"), width: 130 },
    {
      dataIndex: "status",
      title: f("status"),
      width: 140,
      ...sortable("status"),
      render: (_: unknown, user) => <StatusTags user={user} translate={translate} />,
    },
    {
      dataIndex: "role",
      title: f("role"),
      width: 130,
      render: (role: string | null) => (isRole(role) ? <Tag color="blue">{translate(`roles.${role}`)}</Tag> : null),
    },
    {
      dataIndex: "createdAt",
      title: f("createdAt"),
      width: 170,
      ...sortable("createdAt"),
      render: (value: string) => formatBeijingTime(value),
    },
  ];
}
