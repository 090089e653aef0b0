import { useTranslation } from "@refinedev/core";
import { Segmented } from "antd";
import { useLocale } from "../i18n/localeStore";
import type { Locale } from "../i18n/messages";

/** 中文 / English. The choice is stored by the locale store and applies to refine, antd and dayjs at once. */
export function LanguageSwitch() {
  const { changeLocale } = useTranslation();
  const locale = useLocale();
  return (
    <span data-testid="lang-switch">
      <Segmented<Locale>
        size="small"
        value={locale}
        onChange={(next) => changeLocale(next)}
        options={[
          { value: "zh-CN", label: <span data-testid="lang-zh-CN">中文</span> },
          { value: "en", label: <span data-testid="lang-en">English</span> },
        ]}
      />
    </span>
  );
}
