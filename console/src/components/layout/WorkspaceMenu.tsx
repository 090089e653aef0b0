import { useTranslate } from "@refinedev/core";
import { Menu, type MenuProps, Skeleton } from "antd";
import { Link, useLocation } from "react-router";
import { useAllowedResources } from "../../hooks/useAllowedResources";

/**
 * The side menu: only the pages the server's abilities allow, so each admin role sees exactly its own
 * workspace (三员分立). Each entry carries a data-testid for the browser tests.
 */
export function WorkspaceMenu() {
  const translate = useTranslate();
  const { pathname } = useLocation();
  const { allowed } = useAllowedResources();

  if (!allowed) {
    return <Skeleton active title={false} paragraph={{ rows: 4 }} style={{ padding: 16 }} />;
  }

  const items: MenuProps["items"] = allowed.map((resource) => ({
    key: resource.name,
    icon: resource.icon,
    label: (
      <Link to={resource.route} data-testid={`menu-${resource.name}`}>
        {translate(`resources.${resource.name}.title`)}
      </Link>
    ),
  }));
  const selected = allowed.find((r) => pathname === r.route || pathname.startsWith(`${r.route}/`));

  return (
    <nav data-testid="workspace-menu">
      <Menu theme="dark" mode="inline" selectedKeys={selected ? [selected.name] : []} items={items} />
    </nav>
  );
}
