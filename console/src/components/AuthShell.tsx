import { useTranslate } from "@refinedev/core";
import { Card, Flex, Typography, theme } from "antd";
import type { ReactNode } from "react";
import { BrandMark } from "./BrandMark";
import { LanguageSwitch } from "./LanguageSwitch";

/** The frame of the pages outside the workspace (sign-in, forced password change). */
export function AuthShell({ title, width = 420, children }: { title: string; width?: number; children: ReactNode }) {
  const { token } = theme.useToken();
  const translate = useTranslate();
  return (
    <Flex
      vertical
      style={{
        minHeight: "100vh",
        background: `linear-gradient(160deg, #001529 0%, #003a70 55%, ${token.colorBgLayout} 55.1%)`,
      }}
    >
      <Flex justify="flex-end" style={{ padding: "16px 24px" }}>
        <div style={{ background: token.colorBgContainer, borderRadius: token.borderRadiusLG, padding: 4 }}>
          <LanguageSwitch />
        </div>
      </Flex>
      <Flex flex={1} align="center" justify="center" style={{ padding: 24 }}>
        <Card
          style={{ width, maxWidth: "100%", boxShadow: token.boxShadowSecondary }}
          styles={{ body: { padding: 32 } }}
        >
          <Flex align="center" gap={12} style={{ marginBottom: 8 }}>
            <BrandMark size={36} />
            <Typography.Title level={3} style={{ margin: 0 }}>
              {translate("app.name")}
            </Typography.Title>
          </Flex>
          <Typography.Paragraph type="secondary">{translate("login.subtitle")}</Typography.Paragraph>
          <Typography.Title level={5} style={{ marginTop: 24 }}>
            {title}
          </Typography.Title>
          {children}
        </Card>
      </Flex>
      <Typography.Text type="secondary" style={{ textAlign: "center", padding: 16 }}>
        {translate("app.name")} · {translate("app.tagline")}
      </Typography.Text>
    </Flex>
  );
}
