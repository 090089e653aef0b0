import type { I18nProvider } from "@refinedev/core";
import { en } from "../i18n/en";
import { getLocale, setLocale } from "../i18n/localeStore";
import { interpolate, type Locale, lookup, type Messages } from "../i18n/messages";
import { zhCN } from "../i18n/zh-CN";

const DICTIONARIES: Record<Locale, Messages> = { "zh-CN": zhCN, en };

/**
 * Builds refine's i18nProvider for one language. The app makes a new one when the language changes, which is
 * what makes refine's useTranslate hand out a new function and every translated component re-render.
 * Keys refine itself asks for (e.g. "buttons.logout") fall back to the default message it passes.
 */
export function createI18nProvider(locale: Locale): I18nProvider {
  const messages = DICTIONARIES[locale];
  return {
    translate: (key: string, options?: unknown, defaultMessage?: string) => {
      const values = typeof options === "object" && options !== null ? (options as Record<string, unknown>) : undefined;
      const fallback = typeof options === "string" ? options : defaultMessage;
      const text = lookup(messages, key);
      return text === undefined ? (fallback ?? key) : interpolate(text, values);
    },
    changeLocale: (next: string) => setLocale(next),
    // Read from the store: refine's useGetLocale keeps the first provider it saw.
    getLocale: () => getLocale(),
  };
}
