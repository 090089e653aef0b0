import { useTranslate } from "@refinedev/core";
import { Breadcrumb, Typography } from "antd";
import type { ReactNode } from "react";
import type { ConsoleResource } from "../resources";

/** The common frame of a workspace page: breadcrumb (workspace / page), title, one-line description. */
export function PageContainer({
  resource,
  extra,
  showDescription = true,
  children,
}: {
  resource: ConsoleResource;
  extra?: ReactNode;
  showDescription?: boolean;
  children: ReactNode;
}) {
  const translate = useTranslate();
  const title = translate(`resources.${resource.name}.title`);
  return (
    <div data-testid={`page-${resource.name}`}>
      <Breadcrumb
        style={{ marginBottom: 12 }}
        items={[{ title: translate(`workspaces.${resource.workspace}`) }, { title }]}
      />
      <div style={{ display: "flex", alignItems: "flex-start", justifyContent: "space-between", gap: 16 }}>
        <div>
          <Typography.Title level={4} style={{ marginTop: 0, marginBottom: showDescription ? 4 : 16 }}>
            {title}
          </Typography.Title>
          {showDescription && (
            <Typography.Paragraph type="secondary">
              {translate(`resources.${resource.name}.description`)}
            </Typography.Paragraph>
          )}
        </div>
        {extra}
      </div>
      {children}
    </div>
  );
}
