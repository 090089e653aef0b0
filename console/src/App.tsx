import { Refine } from "@refinedev/core";
import routerProvider, { DocumentTitleHandler } from "@refinedev/react-router";
import { App as AntdApp, ConfigProvider } from "antd";
// The ES-module builds: the package is "type": "module", so the bundler would give the CommonJS
// `antd/locale/*` files Node's interop, where the default import is the whole exports object.
import enUS from "antd/es/locale/en_US";
import zhCN from "antd/es/locale/zh_CN";
import { useEffect, useMemo } from "react";
import { BrowserRouter } from "react-router";
import { AppRoutes } from "./AppRoutes";
import { documentTitle } from "./documentTitle";
import { useLocale } from "./i18n/localeStore";
import { accessControlProvider } from "./providers/accessControlProvider";
import { authProvider } from "./providers/authProvider";
import { dataProvider } from "./providers/dataProvider";
import { createI18nProvider } from "./providers/i18nProvider";
import { queryClient } from "./queryClient";
import { REFINE_RESOURCES } from "./resources";
import { setDayjsLocale } from "./time";

export function App() {
  const locale = useLocale();
  // A new provider per language: that is what re-renders refine's translated components.
  const i18nProvider = useMemo(() => createI18nProvider(locale), [locale]);

  useEffect(() => {
    document.documentElement.lang = locale;
    setDayjsLocale(locale);
  }, [locale]);

  return (
    <BrowserRouter>
      <ConfigProvider locale={locale === "zh-CN" ? zhCN : enUS} theme={{ token: { borderRadius: 4 } }}>
        <AntdApp>
          <Refine
            routerProvider={routerProvider}
            dataProvider={dataProvider}
            authProvider={authProvider}
            accessControlProvider={accessControlProvider}
            i18nProvider={i18nProvider}
            resources={REFINE_RESOURCES}
            options={{
              // A security console must not phone home (refine sends usage telemetry by default).
              disableTelemetry: true,
              syncWithLocation: false,
              warnWhenUnsavedChanges: false,
              reactQuery: { clientConfig: queryClient },
            }}
          >
            <AppRoutes />
            <DocumentTitleHandler handler={documentTitle(i18nProvider.translate)} />
          </Refine>
        </AntdApp>
      </ConfigProvider>
    </BrowserRouter>
  );
}
