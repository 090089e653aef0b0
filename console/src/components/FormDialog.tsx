import { Form, type FormInstance, Modal } from "antd";
import { type ReactNode, useLayoutEffect, useState } from "react";
import { ProblemAlert } from "./org/ProblemAlert";
import { buttonTestId } from "./org/testIds";

/**
 * A form in a dialog (create, edit, decide): OK submits the form, the call runs with OK spinning, the
 * server's refusal stays inside the dialog (testid `dialog-problem`) with the input still there, and success
 * closes it. `onSubmit` throws to refuse; whatever the page does after success goes in it, before it returns.
 *
 * `forceRender`, not `destroyOnHidden`: the Form is mounted (hidden) from the page's first render, so the
 * page's form instance is always connected — `resetFields`/`setFieldsValue`/`setFieldValue` and
 * `Form.useWatch` work whenever they run. Each opening resets the fields to `initialValues` before the
 * dialog paints, so reopening — even during the closing animation — never shows the last input; the last
 * refusal is cleared once the dialog has closed.
 * With `destroyOnHidden` the Form exists only while open: a call made before opening warns that the
 * instance is not connected and is lost, and the store keeps the previous values on remount unless every
 * field sets `preserve={false}`. The price of `forceRender` is that `autoFocus` fires on that hidden first
 * mount; `autoFocusField` focuses a field once the dialog has opened instead.
 */
export function FormDialog<V extends object>({
  open,
  onClose,
  onSubmit,
  form,
  title,
  okText,
  cancelText,
  initialValues,
  autoFocusField,
  width,
  okTestId = "dialog-ok",
  danger = false,
  children,
}: {
  open: boolean;
  onClose: () => void;
  onSubmit: (values: V) => Promise<void>;
  /** The page's instance (Form.useForm), so the page can watch and set fields. */
  form: FormInstance<V>;
  title: ReactNode;
  okText: string;
  cancelText: string;
  /** What the form shows on every opening (read at opening: pass the edited record's values). */
  initialValues?: Partial<V>;
  autoFocusField?: keyof V & string;
  width?: number;
  okTestId?: string;
  /** A red OK, for a decision that refuses or destroys something. */
  danger?: boolean;
  children: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  // On every opening, before the dialog paints (the Form has rendered with this opening's initialValues).
  useLayoutEffect(() => {
    if (open) form.resetFields();
  }, [open, form]);

  const submit = async (values: V) => {
    setBusy(true);
    setError(undefined);
    try {
      await onSubmit(values);
      onClose();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={title}
      onCancel={onClose}
      onOk={() => form.submit()}
      confirmLoading={busy}
      okText={okText}
      cancelText={cancelText}
      okButtonProps={buttonTestId(okTestId, { danger })}
      width={width}
      forceRender
      afterOpenChange={(opened) => {
        if (opened && autoFocusField) form.focusField(autoFocusField);
        // Once closed (not while fading out): the next opening starts without the last refusal.
        if (!opened) setError(undefined);
      }}
    >
      <ProblemAlert error={error} testId="dialog-problem" />
      <Form<V> form={form} layout="vertical" onFinish={submit} initialValues={initialValues}>
        {children}
      </Form>
    </Modal>
  );
}
