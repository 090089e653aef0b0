import { DesktopOutlined, KeyOutlined, UserOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Breadcrumb, Button, Card, Col, Descriptions, Popconfirm, Row, Space, Tag, Typography } from "antd";
import { FullPageSpin } from "../../components/FullPageSpin";
import { useErrorText } from "../../hooks/useErrorText";
import { useSession } from "../../session/session";
import { formatBeijingTime } from "../../time";
import { ChangePasswordForm } from "../change-password/ChangePasswordForm";
import { FactorsCard } from "../mfa/FactorsCard";
import { SessionTable } from "./SessionTable";
import { listMySessions, revokeMySession, type SessionRow } from "./sessionTypes";

const SESSIONS_KEY = ["auth", "my-sessions"];

/** "My security" (我的安全), for every signed-in account: own sessions, second factors and password. */
export function MySecurityPage() {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const session = useSession();
  const sessions = useQuery({ queryKey: [...SESSIONS_KEY, session?.user.id], queryFn: listMySessions });
  const refresh = () => queryClient.invalidateQueries({ queryKey: SESSIONS_KEY });

  const revoke = useMutation({
    mutationFn: (row: SessionRow) => revokeMySession(row.id),
    onSuccess: () => {
      message.success(translate("identity.sessions.revoked"));
      void refresh();
    },
    onError: (error) => message.error(errorText(error)),
  });
  // No bulk endpoint: revoke the others one by one; each is audited on its own.
  const revokeOthers = useMutation({
    mutationFn: async () => {
      const others = (sessions.data ?? []).filter((s) => !s.current);
      for (const other of others) await revokeMySession(other.id);
      return others.length;
    },
    onSuccess: (count) => {
      message.success(translate("identity.sessions.revokedCount", { count }));
      void refresh();
    },
    onError: (error) => {
      message.error(errorText(error));
      void refresh();
    },
  });

  if (!session) return <FullPageSpin />;
  const others = (sessions.data ?? []).filter((s) => !s.current).length;

  return (
    <div data-testid="page-my-security">
      <Breadcrumb style={{ marginBottom: 12 }} items={[{ title: translate("identity.mySecurity.title") }]} />
      <Typography.Title level={4} style={{ marginTop: 0, marginBottom: 4 }}>
        {translate("identity.mySecurity.title")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">{translate("identity.mySecurity.description")}</Typography.Paragraph>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={12}>
          <Card
            title={
              <Space>
                <UserOutlined />
                {translate("identity.mySecurity.account")}
              </Space>
            }
            style={{ height: "100%" }}
          >
            <Descriptions column={1} size="small">
              <Descriptions.Item label={translate("identity.mySecurity.username")}>
                {session.user.username}
              </Descriptions.Item>
              <Descriptions.Item label={translate("people.fields.displayName")}>
                {session.user.displayName}
              </Descriptions.Item>
              <Descriptions.Item label={translate("identity.mySecurity.role")}>
                <Tag>{translate(`roles.${session.role ?? "none"}`)}</Tag>
              </Descriptions.Item>
              <Descriptions.Item label={translate("identity.mySecurity.passwordExpiresAt")}>
                {session.passwordExpiresAt
                  ? formatBeijingTime(session.passwordExpiresAt)
                  : translate("identity.mySecurity.never")}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card
            title={
              <Space>
                <KeyOutlined />
                {translate("identity.mySecurity.changePassword")}
              </Space>
            }
            data-testid="my-password"
          >
            <Typography.Paragraph type="secondary">
              {translate("identity.mySecurity.changePasswordHint")}
            </Typography.Paragraph>
            <ChangePasswordForm
              onChanged={() => {
                message.success(translate("password.success"));
                void refresh();
              }}
            />
          </Card>
        </Col>
        <Col span={24}>
          <Card
            title={
              <Space>
                <DesktopOutlined />
                {translate("identity.sessions.mine")}
              </Space>
            }
            data-testid="my-sessions"
            extra={
              <Popconfirm
                title={translate("identity.sessions.revokeOthersConfirm")}
                onConfirm={() => revokeOthers.mutate()}
                disabled={others === 0}
              >
                <Button danger disabled={others === 0} loading={revokeOthers.isPending} data-testid="revoke-others">
                  {translate("identity.sessions.revokeOthers")}
                </Button>
              </Popconfirm>
            }
          >
            {sessions.error && (
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 16 }}
                message={translate("identity.sessions.loadFailed")}
                description={errorText(sessions.error)}
              />
            )}
            <SessionTable
              sessions={sessions.data}
              loading={sessions.isLoading}
              revoking={revoke.isPending ? revoke.variables?.id : undefined}
              onRevoke={(row) => revoke.mutate(row)}
            />
          </Card>
        </Col>
        <Col span={24}>
          <FactorsCard session={session} />
        </Col>
      </Row>
    </div>
  );
}
