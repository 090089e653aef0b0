import type { IResourceItem } from "@refinedev/core";

type Translate = (key: string) => string;

/** "审计日志 · 天枢 Tianshu"; pages outside the workspace use their own title. */
export function documentTitle(translate: Translate) {
  return ({ resource, pathname }: { resource?: IResourceItem; pathname?: string }): string => {
    const app = translate("app.name");
    const page = resource?.name
      ? translate(`resources.${resource.name}.title`)
      : pathname === "/login"
        ? translate("login.title")
        : pathname === "/change-password"
          ? translate("password.title")
          : undefined;
    return page ? `${page} · ${app}` : app;
  };
}
