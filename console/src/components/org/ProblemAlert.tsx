import { useTranslate } from "@refinedev/core";
import { Alert } from "antd";
import { isApiError, localizedText } from "../../api/ApiError";
import { useErrorText } from "../../hooks/useErrorText";
import { useLocale } from "../../i18n/localeStore";

/** "a.b[0].c" from a problem's field path, whichever form the server sent. */
export function formatPath(path: string | (string | number)[] | undefined): string {
  if (path === undefined) return "";
  if (typeof path === "string") return path;
  return path.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("");
}

/**
 * A failed call, in the UI language: the server's message, its field errors with their paths, and for a
 * stale version (409 on If-Match) or a missing one (428) the hint that someone else changed the record.
 */
export function ProblemAlert({
  error,
  onClose,
  testId = "problem",
}: {
  error: unknown;
  onClose?: () => void;
  testId?: string;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const locale = useLocale();
  if (!error) return null;
  const status = isApiError(error) ? error.statusCode : undefined;
  const fieldErrors = isApiError(error) ? (error.problem.errors ?? []) : [];
  const stale = status === 409 || status === 428 || status === 412;
  const isVersionConflict =
    stale && /version|stale|match|precondition|modified/i.test(isApiError(error) ? (error.code ?? "") : "");
  return (
    <Alert
      type="error"
      showIcon
      closable={Boolean(onClose)}
      onClose={onClose}
      style={{ marginBottom: 16 }}
      data-testid={testId}
      data-status={status}
      message={errorText(error)}
      description={
        fieldErrors.length > 0 || isVersionConflict ? (
          <>
            {isVersionConflict && <div>{translate("org.common.staleHint")}</div>}
            {fieldErrors.length > 0 && (
              <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                {fieldErrors.map((item, index) => (
                  <li key={index}>
                    {item.path !== undefined && <code>{formatPath(item.path)}</code>} {localizedText(item, locale)}
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : undefined
      }
    />
  );
}
