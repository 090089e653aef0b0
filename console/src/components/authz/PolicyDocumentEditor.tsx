import { useTranslate } from "@refinedev/core";
import { Alert, Button, Input, Typography } from "antd";
import type { TextAreaRef } from "antd/es/input/TextArea";
import { useRef } from "react";
import type { ProblemFieldError } from "../../api/ApiError";
import { localizedText } from "../../api/ApiError";
import { useLocale } from "../../i18n/localeStore";
import { formatPath } from "../org/ProblemAlert";
import { locateJsonPath, positionOf } from "./jsonLocate";

/**
 * The document's own path of a server issue: the server names it from the request ("body.document.rules.0.
 * actions.1"); inside the document, array indexes are numbers again.
 */
export function documentPath(path: ProblemFieldError["path"]): (string | number)[] {
  const parts = (typeof path === "string" ? path.split(".").filter(Boolean) : [...(path ?? [])]).map((part) =>
    typeof part === "string" && /^\d+$/.test(part) ? Number(part) : part,
  );
  if (parts[0] === "body") parts.shift();
  if (parts[0] === "document") parts.shift();
  return parts;
}

/** The JSON syntax error of a text, with its position when the engine reports one. */
export function syntaxError(text: string): { message: string; offset?: number } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = (error as Error).message;
    const match = /position (\d+)/.exec(message);
    return { message, offset: match ? Number(match[1]) : undefined };
  }
}

/**
 * A policy document as JSON in a monospace editor. The server's validation issues are listed with their path
 * and the line they point at; clicking one selects that spot in the text.
 */
export function PolicyDocumentEditor({
  value,
  onChange,
  issues,
  readOnly,
}: {
  value: string;
  onChange: (next: string) => void;
  issues: ProblemFieldError[];
  readOnly?: boolean;
}) {
  const translate = useTranslate();
  const locale = useLocale();
  const area = useRef<TextAreaRef>(null);
  const syntax = syntaxError(value);

  const select = (offset: number | undefined) => {
    const element = area.current?.resizableTextArea?.textArea;
    if (!element || offset === undefined) return;
    element.focus();
    const end = value.indexOf("\n", offset);
    element.setSelectionRange(offset, end === -1 ? value.length : end);
    // Scroll the selected line into view: textareas do not do it for a programmatic selection.
    const line = positionOf(value, offset).line;
    element.scrollTop = Math.max(0, (line - 3) * 20);
  };

  const format = () => {
    if (!syntax) onChange(JSON.stringify(JSON.parse(value), null, 2));
  };

  return (
    <div>
      <Input.TextArea
        ref={area}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        readOnly={readOnly}
        spellCheck={false}
        autoSize={{ minRows: 14, maxRows: 28 }}
        data-testid="policy-document"
        style={{
          fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
          fontSize: 13,
          lineHeight: "20px",
        }}
      />
      <div style={{ display: "flex", justifyContent: "space-between", marginTop: 8, gap: 8 }}>
        <Typography.Text type={syntax ? "danger" : "secondary"} data-testid="policy-syntax">
          {syntax
            ? syntax.offset === undefined
              ? translate("authz.editor.syntax", { message: syntax.message })
              : translate("authz.editor.syntaxAt", {
                  line: positionOf(value, syntax.offset).line,
                  message: syntax.message,
                })
            : translate("authz.editor.syntaxOk")}
        </Typography.Text>
        {!readOnly && (
          <Button size="small" onClick={format} disabled={Boolean(syntax)}>
            {translate("authz.editor.format")}
          </Button>
        )}
      </div>
      {issues.length > 0 && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="policy-issues"
          message={translate("authz.editor.issues", { count: issues.length })}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }}>
              {issues.map((issue, index) => {
                const path = documentPath(issue.path);
                const position = locateJsonPath(value, path);
                return (
                  <li key={index} data-testid="policy-issue" data-path={formatPath(path)}>
                    <Typography.Link onClick={() => select(position?.offset)} disabled={!position}>
                      <code>{formatPath(path) || "/"}</code>
                      {position && <> · {translate("authz.editor.lineOf", { line: position.line })}</>}
                    </Typography.Link>{" "}
                    {localizedText(issue, locale)}
                  </li>
                );
              })}
            </ul>
          }
        />
      )}
    </div>
  );
}
