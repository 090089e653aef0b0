import { buttonTestId } from "../../components/org/testIds";
import { useTranslate } from "@refinedev/core";
import { Form, Input, Modal } from "antd";
import { useState } from "react";
import { isApiError } from "../../api/ApiError";
import { apiRequest } from "../../api/http";
import type { Policy } from "../../components/authz/authzApi";
import { PolicyDocumentEditor, syntaxError } from "../../components/authz/PolicyDocumentEditor";
import { ProblemAlert } from "../../components/org/ProblemAlert";

/** A starting document: one allow rule with a condition, enough to show the shape. */
export const TEMPLATE = JSON.stringify(
  {
    rules: [
      {
        effect: "allow",
        actions: ["read"],
        resource: "Document",
        description: "Staff read documents up to their clearance level",
        conditions: [
          { attribute: "resource.classificationLevel", operator: "lte", value: { ref: "subject.clearanceLevel" } },
        ],
      },
    ],
  },
  null,
  2,
);

/** A new policy: its name, description and first document (saved as draft version 1). */
export function CreatePolicyModal({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (policy: Policy) => void;
}) {
  const translate = useTranslate();
  const [form] = Form.useForm<{ name: string; description?: string }>();
  const [document, setDocument] = useState(TEMPLATE);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const create = async (values: { name: string; description?: string }) => {
    if (syntaxError(document)) return;
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await apiRequest<Policy | { policy: Policy }>("/policies", {
        method: "POST",
        body: {
          name: values.name.trim(),
          description: values.description?.trim() ?? "",
          document: JSON.parse(document),
        },
      });
      onCreated("policy" in data ? data.policy : data);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const issues = isApiError(error) ? (error.problem.errors ?? []) : [];
  return (
    <Modal
      open
      width={820}
      title={translate("authz.policies.create")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={busy}
      okText={translate("authz.common.submit")}
      cancelText={translate("authz.common.cancel")}
      okButtonProps={buttonTestId("dialog-ok")}
    >
      <ProblemAlert error={issues.length > 0 ? undefined : error} testId="dialog-problem" />
      <Form form={form} layout="vertical" onFinish={create}>
        <Form.Item
          name="name"
          label={translate("authz.policies.name")}
          rules={[{ required: true, whitespace: true, max: 100, message: translate("authz.validation.name") }]}
        >
          <Input maxLength={100} data-testid="policy-name" />
        </Form.Item>
        <Form.Item name="description" label={translate("authz.policies.description")} rules={[{ max: 1000 }]}>
          <Input.TextArea rows={2} maxLength={1000} />
        </Form.Item>
        <Form.Item label={translate("authz.policies.document")} required>
          <PolicyDocumentEditor value={document} onChange={setDocument} issues={issues} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
