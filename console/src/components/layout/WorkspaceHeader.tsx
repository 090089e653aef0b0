import { LogoutOutlined, SafetyOutlined, UserOutlined } from "@ant-design/icons";
import { useLogout, useTranslate } from "@refinedev/core";
import { Avatar, Button, Divider, Layout, Space, Tag, Typography, theme } from "antd";
import { useNavigate } from "react-router";
import type { Role } from "../../../../policies/subjects";
import { useSession } from "../../session/session";
import { LanguageSwitch } from "../LanguageSwitch";
import { MessageCentre } from "../messages/MessageCentre";

const ROLE_COLORS: Record<Role, string> = {
  sysadmin: "blue",
  secadmin: "gold",
  auditadmin: "purple",
  viewer: "green",
};

/** Top bar: workspace name on the left; messages, language, who is signed in (name and role), my security, sign-out. */
export function WorkspaceHeader() {
  const { token } = theme.useToken();
  const translate = useTranslate();
  const navigate = useNavigate();
  const session = useSession();
  const { mutate: logout, isPending } = useLogout();
  const role = session?.role ?? null;

  return (
    <Layout.Header
      style={{
        background: token.colorBgContainer,
        padding: "0 24px",
        display: "flex",
        alignItems: "center",
        justifyContent: "space-between",
        boxShadow: "0 1px 4px rgba(0, 21, 41, 0.08)",
        position: "sticky",
        top: 0,
        zIndex: 10,
      }}
    >
      <Typography.Text strong style={{ fontSize: 16 }}>
        {role ? translate(`workspaces.${role}`) : translate("app.name")}
      </Typography.Text>
      <Space size="middle" align="center">
        <MessageCentre />
        <LanguageSwitch />
        <Divider type="vertical" />
        <Space size="small">
          <Avatar size="small" icon={<UserOutlined />} style={{ background: token.colorPrimary }} />
          <Typography.Text data-testid="header-user">
            {session?.user.displayName || session?.user.username}
          </Typography.Text>
          <Tag data-testid="header-role" color={role ? ROLE_COLORS[role] : "default"} style={{ marginInlineEnd: 0 }}>
            {translate(`roles.${role ?? "none"}`)}
          </Tag>
        </Space>
        <Button
          type="text"
          icon={<SafetyOutlined />}
          onClick={() => navigate("/account/security")}
          data-testid="my-security"
        >
          {translate("identity.mySecurity.menu")}
        </Button>
        <Button type="text" icon={<LogoutOutlined />} loading={isPending} onClick={() => logout()} data-testid="logout">
          {translate("header.logout")}
        </Button>
      </Space>
    </Layout.Header>
  );
}
