import { useTranslate } from "@refinedev/core";
import { Layout, Typography, theme } from "antd";
import { useState } from "react";
import { Outlet } from "react-router";
import { BrandMark } from "../BrandMark";
import { PasswordExpiryBanner } from "../PasswordExpiryBanner";
import { WorkspaceHeader } from "./WorkspaceHeader";
import { WorkspaceMenu } from "./WorkspaceMenu";

/**
 * The signed-in frame. Built on antd's Layout rather than refine's ThemedLayout because the menu needs its own
 * ability-filtered items with test hooks, and ThemedLayout renders its Sider once as a plain function call.
 */
export function WorkspaceLayout() {
  const { token } = theme.useToken();
  const translate = useTranslate();
  const [collapsed, setCollapsed] = useState(false);

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider collapsible collapsed={collapsed} onCollapse={setCollapsed} width={220} breakpoint="lg">
        <div
          style={{
            height: 64,
            display: "flex",
            alignItems: "center",
            justifyContent: collapsed ? "center" : "flex-start",
            gap: 10,
            padding: collapsed ? 0 : "0 20px",
          }}
        >
          <BrandMark />
          {!collapsed && (
            <Typography.Text strong style={{ color: "#fff", fontSize: 17, whiteSpace: "nowrap" }} data-testid="brand">
              {translate("app.name")}
            </Typography.Text>
          )}
        </div>
        <WorkspaceMenu />
      </Layout.Sider>
      <Layout>
        <WorkspaceHeader />
        <Layout.Content style={{ margin: 24 }}>
          <PasswordExpiryBanner />
          <Outlet />
        </Layout.Content>
        <Layout.Footer style={{ textAlign: "center", color: token.colorTextTertiary, paddingTop: 0 }}>
          {translate("app.name")} · {translate("app.tagline")}
        </Layout.Footer>
      </Layout>
    </Layout>
  );
}
