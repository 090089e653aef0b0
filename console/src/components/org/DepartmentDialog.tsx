import { buttonTestId } from "./testIds";
import { useTranslate } from "@refinedev/core";
import { Alert, Checkbox, Form, Input, Modal } from "antd";
import { useState } from "react";
import { DepartmentPicker } from "./DepartmentPicker";
import { type Department, departmentOps } from "./orgApi";
import type { DepartmentAction } from "./DepartmentTree";
import { ProblemAlert } from "./ProblemAlert";
import type { RunChange } from "./useOrgChange";

export interface DialogState {
  action: DepartmentAction | "create-root";
  department?: Department;
}

interface Values {
  name?: string;
  code?: string;
  targetId?: string;
  topLevel?: boolean;
}

/** The forms behind the tree's actions: new department, rename, move to…, merge into…. */
export function DepartmentDialog({
  dialog,
  dimensionId,
  run,
  onClose,
  onCreated,
  error,
}: {
  dialog: DialogState;
  /** The last refusal of the server, shown inside the dialog so the form stays in view. */
  error?: unknown;
  dimensionId: string;
  run: RunChange;
  onClose: () => void;
  onCreated?: (parentId: string | null) => void;
}) {
  const translate = useTranslate();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const { action, department } = dialog;
  const topLevel = Form.useWatch("topLevel", form);

  const submit = async (values: Values) => {
    setBusy(true);
    const name = values.name?.trim() ?? "";
    const code = values.code?.trim() || undefined;
    let ok = false;
    if (action === "create-root" || action === "create-child") {
      const parentId = action === "create-child" && department ? department.id : null;
      ok = await run(() => departmentOps.create({ dimensionId, parentId, name, ...(code ? { code } : {}) }), {
        success: translate("org.tree.done.create", { name }),
        reload: [parentId],
      });
      if (ok) onCreated?.(parentId);
    } else if (department && action === "rename") {
      ok = await run(() => departmentOps.rename(department, { name, code: code ?? null }), {
        success: translate("org.tree.done.rename", { name }),
        reload: [department.parentId],
      });
    } else if (department && action === "move") {
      const parentId = values.topLevel ? null : (values.targetId ?? null);
      ok = await run(() => departmentOps.move(department, parentId), {
        success: translate("org.tree.done.moved", { name: department.name }),
        reload: [department.parentId, parentId],
      });
    } else if (department && action === "merge" && values.targetId) {
      const intoId = values.targetId;
      ok = await run(() => departmentOps.merge(department, intoId), {
        success: translate("org.tree.done.merge", { name: department.name }),
        reload: [department.parentId, intoId],
      });
    }
    setBusy(false);
    if (ok) onClose();
  };

  const naming = action === "create-root" || action === "create-child" || action === "rename";
  const titleKey = action === "create-root" ? "createRoot" : action === "create-child" ? "createChild" : action;
  return (
    <Modal
      open
      title={translate(`org.dialog.${titleKey}.title`, { name: department?.name ?? "" })}
      okText={translate("org.common.ok")}
      cancelText={translate("org.common.cancel")}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={busy}
      destroyOnHidden
      okButtonProps={buttonTestId("dialog-ok")}
    >
      <ProblemAlert error={error} testId="dialog-problem" />
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={submit}
        initialValues={action === "rename" ? { name: department?.name, code: department?.code ?? "" } : {}}
        data-testid="dept-dialog"
      >
        {naming && (
          <>
            <Form.Item
              name="name"
              label={translate("org.fields.name")}
              rules={[{ required: true, whitespace: true, max: 100, message: translate("org.validation.name") }]}
            >
              <Input autoFocus maxLength={100} data-testid="dept-name" />
            </Form.Item>
            <Form.Item
              name="code"
              label={translate("org.fields.code")}
              extra={translate("org.dialog.codeHint")}
              rules={[{ max: 64 }]}
            >
              <Input maxLength={64} data-testid="dept-code" />
            </Form.Item>
          </>
        )}
        {action === "move" && (
          <>
            <Form.Item name="topLevel" valuePropName="checked">
              <Checkbox>{translate("org.dialog.move.topLevel")}</Checkbox>
            </Form.Item>
            <Form.Item
              name="targetId"
              label={translate("org.dialog.move.target")}
              rules={[{ required: !topLevel, message: translate("org.validation.target") }]}
            >
              <DepartmentPicker
                dimensionId={dimensionId}
                exclude={department?.id}
                placeholder={translate("org.dialog.pick")}
                testId="move-target"
              />
            </Form.Item>
          </>
        )}
        {action === "merge" && (
          <>
            <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={translate("org.dialog.merge.hint")} />
            <Form.Item
              name="targetId"
              label={translate("org.dialog.merge.target")}
              rules={[{ required: true, message: translate("org.validation.target") }]}
            >
              <DepartmentPicker
                dimensionId={dimensionId}
                exclude={department?.id}
                placeholder={translate("org.dialog.pick")}
                testId="merge-target"
              />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}
