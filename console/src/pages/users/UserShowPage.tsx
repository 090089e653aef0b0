import { ArrowLeftOutlined, EditOutlined, MoreOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  Breadcrumb,
  Button,
  Card,
  Col,
  Descriptions,
  Dropdown,
  Flex,
  Result,
  Row,
  Space,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { isRole } from "../../../../policies/subjects";
import { isApiError } from "../../api/ApiError";
import { FullPageSpin } from "../../components/FullPageSpin";
import { useErrorText } from "../../hooks/useErrorText";
import type { ConsoleResource } from "../../resources";
import { useSession } from "../../session/session";
import { formatBeijingTime } from "../../time";
import { MembershipsCard } from "./MembershipsCard";
import { type ClearPersonalData, PersonalDataReveal } from "./PersonalDataReveal";
import { UserFormModal } from "./UserFormModal";
import { UserSessionsCard } from "./UserSessionsCard";
import { StatusTags } from "./userColumns";
import { getUser, type User } from "./userApi";
import { useResetSecondFactor } from "./useResetSecondFactor";
import { useUserActions } from "./useUserActions";

/** One account: profile, personal data on request, memberships, lifecycle actions, and its sessions (sysadmin). */
export function UserShowPage({ resource }: { resource: ConsoleResource }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const session = useSession();
  const { id = "" } = useParams();
  const queryKey = ["data", "users", "detail", id];
  const user = useQuery({ queryKey, queryFn: () => getUser(id) });
  const [editing, setEditing] = useState(false);
  const [clear, setClear] = useState<ClearPersonalData | null>(null);
  const put = (next: User) => queryClient.setQueryData(queryKey, next);
  const actions = useUserActions({
    onChanged: () => void user.refetch(),
    onDeleted: () => void user.refetch(),
  });
  const resetFactorItems = useResetSecondFactor(() => void user.refetch());
  const can = (action: string, subject: string) => session?.ability.can(action, subject) ?? false;
  const f = (key: string) => translate(`people.fields.${key}`);

  const header = (
    <Breadcrumb
      style={{ marginBottom: 12 }}
      items={[
        { title: translate(`workspaces.${resource.workspace}`) },
        { title: <Link to={resource.route}>{translate(`resources.${resource.name}.title`)}</Link> },
        { title: user.data?.displayName ?? id },
      ]}
    />
  );

  if (user.isLoading) return <FullPageSpin />;
  if (user.error || !user.data) {
    const missing = isApiError(user.error) && user.error.statusCode === 404;
    return (
      <>
        {header}
        <Result
          status={missing ? "404" : "error"}
          title={translate(missing ? "people.detail.notFound" : "people.detail.loadFailed")}
          subTitle={missing ? undefined : errorText(user.error)}
          extra={<Button onClick={() => navigate(resource.route)}>{translate("people.detail.back")}</Button>}
        />
      </>
    );
  }
  const u = user.data;
  const menu = [...actions.items(u), ...resetFactorItems(u)];
  const editable = can("update", "User") && u.status !== "deleted";

  return (
    <div data-testid="page-user">
      {header}
      <Flex justify="space-between" align="flex-start" gap={16} wrap style={{ marginBottom: 16 }}>
        <Space align="center" size="middle">
          <Button
            icon={<ArrowLeftOutlined />}
            onClick={() => navigate(resource.route)}
            aria-label={translate("people.detail.back")}
          />
          <Typography.Title level={4} style={{ margin: 0 }} data-testid="user-title">
            {u.displayName}
          </Typography.Title>
          <Typography.Text type="secondary">{u.username}</Typography.Text>
          <StatusTags user={u} translate={translate} />
        </Space>
        <Space wrap>
          <PersonalDataReveal user={u} revealed={clear !== null} onChange={setClear} />
          {editable && (
            <Button icon={<EditOutlined />} onClick={() => setEditing(true)} data-testid="user-edit">
              {translate("people.actions.edit")}
            </Button>
          )}
          {menu.length > 0 && (
            <Dropdown menu={{ items: menu }} trigger={["click"]}>
              <Button icon={<MoreOutlined />} data-testid="user-more">
                {translate("people.list.more")}
              </Button>
            </Dropdown>
          )}
        </Space>
      </Flex>
      {u.status === "deleted" && u.eraseAfter && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("people.detail.deletedNotice", { date: formatBeijingTime(u.eraseAfter) })}
        />
      )}
      <Row gutter={[16, 16]}>
        <Col span={24}>
          <Card title={translate("people.detail.basic")}>
            <Descriptions column={{ xs: 1, md: 2, xl: 3 }} size="small">
              <Descriptions.Item label={f("username")}>{u.username}</Descriptions.Item>
              <Descriptions.Item label={f("displayName")}>{u.displayName}</Descriptions.Item>
              <Descriptions.Item label={f("employeeNo")}>{u.employeeNo ?? "—"}</Descriptions.Item>
              <Descriptions.Item label={f("phone")}>
                <span data-testid="user-phone-value">{(clear ? clear.phone : u.phone) ?? "—"}</span>
                {clear && (
                  <Tag color="orange" style={{ marginInlineStart: 8 }}>
                    {translate("people.personal.audited")}
                  </Tag>
                )}
              </Descriptions.Item>
              <Descriptions.Item label={f("email")}>{(clear ? clear.email : u.email) ?? "—"}</Descriptions.Item>
              <Descriptions.Item label={f("clearanceLevel")}>
                {u.clearanceLevel === 0
                  ? translate("people.clearance.0")
                  : translate("people.clearance.levelN", { level: u.clearanceLevel })}
              </Descriptions.Item>
              <Descriptions.Item label={f("role")}>
                {isRole(u.role) ? <Tag color="blue">{translate(`roles.${u.role}`)}</Tag> : "—"}
              </Descriptions.Item>
              <Descriptions.Item label={f("mustChangePassword")}>
                {u.mustChangePassword ? <Tag color="orange">✓</Tag> : "—"}
              </Descriptions.Item>
              <Descriptions.Item label={f("lockedUntil")}>
                {u.lockedUntil ? formatBeijingTime(u.lockedUntil) : "—"}
              </Descriptions.Item>
              <Descriptions.Item label={f("createdAt")}>{formatBeijingTime(u.createdAt)}</Descriptions.Item>
              <Descriptions.Item label={f("updatedAt")}>{formatBeijingTime(u.updatedAt)}</Descriptions.Item>
              {Object.keys(u.attributes).length > 0 && (
                <Descriptions.Item label={f("attributes")}>
                  <Space size={4} wrap>
                    {Object.entries(u.attributes).map(([key, value]) => (
                      <Tag key={key}>{`${key}=${String(value)}`}</Tag>
                    ))}
                  </Space>
                </Descriptions.Item>
              )}
            </Descriptions>
          </Card>
        </Col>
        <Col span={24}>
          <MembershipsCard user={u} canEdit={editable} onSaved={put} />
        </Col>
        {can("read", "Session") && (
          <Col span={24}>
            <UserSessionsCard userId={u.id} canRevoke={can("delete", "Session")} />
          </Col>
        )}
      </Row>
      {editing && (
        <UserFormModal
          open
          user={u}
          onClose={() => setEditing(false)}
          onSaved={(saved) => {
            setEditing(false);
            put(saved);
          }}
        />
      )}
      {actions.modals}
    </div>
  );
}
