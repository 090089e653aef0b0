import { useTranslate } from "@refinedev/core";
import { isApiError, localizedText } from "../api/ApiError";
import { useLocale } from "../i18n/localeStore";

/**
 * Turns any thrown error into a message in the current UI language: the problem's `zh` in Chinese, its
 * `detail`/`title` in English. A fetch that never reached the server (TypeError) gets the network message.
 */
export function useErrorText(): (error: unknown) => string {
  const locale = useLocale();
  const translate = useTranslate();
  return (error: unknown) => {
    if (isApiError(error)) return localizedText(error.problem, locale) ?? translate("errors.unknown");
    if (error instanceof TypeError) return translate("errors.network");
    return translate("errors.unknown");
  };
}
