import { useTranslate } from "@refinedev/core";
import { App, Button, Space, Typography } from "antd";
import { useState } from "react";
import { isApiError } from "../../api/ApiError";
import { policyOps, type PolicyVersion } from "../../components/authz/authzApi";
import { PolicyDocumentEditor, syntaxError } from "../../components/authz/PolicyDocumentEditor";
import { ProblemAlert } from "../../components/org/ProblemAlert";

/**
 * The document of one version in the editor. Versions are immutable once saved: saving always creates a new
 * draft version, which the server validates first (unknown attributes, invalid CIDRs… come back with their
 * path and are shown at their line).
 */
export function VersionEditor({
  policyId,
  document,
  status,
  readOnly,
  onSaved,
}: {
  policyId: string;
  document: unknown;
  status: PolicyVersion["status"] | undefined;
  readOnly: boolean;
  onSaved: (created: PolicyVersion) => Promise<void>;
}) {
  const translate = useTranslate();
  const { message } = App.useApp();
  const original = JSON.stringify(document ?? { rules: [] }, null, 2);
  const [text, setText] = useState(original);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const changed = text !== original;

  const save = async () => {
    if (syntaxError(text)) return;
    setBusy(true);
    setError(undefined);
    try {
      const created = await policyOps.saveDraft(policyId, JSON.parse(text));
      message.success(translate("authz.editor.saved", { version: created.version }));
      await onSaved(created);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const issues = isApiError(error) ? (error.problem.errors ?? []) : [];
  return (
    <div data-testid="version-editor">
      {issues.length === 0 && <ProblemAlert error={error} testId="editor-problem" />}
      {status && status !== "draft" && !readOnly && (
        <Typography.Paragraph type="secondary">{translate("authz.editor.immutable")}</Typography.Paragraph>
      )}
      <PolicyDocumentEditor value={text} onChange={setText} issues={issues} readOnly={readOnly} />
      {!readOnly && (
        <Space style={{ marginTop: 12 }}>
          <Button
            type="primary"
            onClick={save}
            loading={busy}
            disabled={!changed || Boolean(syntaxError(text))}
            data-testid="save-draft"
          >
            {translate("authz.editor.saveDraft")}
          </Button>
          <Button onClick={() => setText(original)} disabled={!changed}>
            {translate("authz.editor.revert")}
          </Button>
        </Space>
      )}
    </div>
  );
}
