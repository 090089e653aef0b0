import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, type ButtonProps, Col, Form, Input, InputNumber, Modal, Row, Typography } from "antd";
import { useState } from "react";
import { isApiError, localizedText } from "../../api/ApiError";
import { useErrorText } from "../../hooks/useErrorText";
import { useLocale } from "../../i18n/localeStore";
import { type MembershipDraft, MembershipsEditor, membershipProblem, toInputs } from "./MembershipsEditor";
import {
  type CreateUserInput,
  createUser,
  EMPLOYEE_NO,
  MAINLAND_MOBILE,
  type PatchUserInput,
  type User,
  USERNAME,
  updateUser,
} from "./userApi";

interface Values {
  username: string;
  displayName: string;
  employeeNo?: string;
  phone?: string;
  email?: string;
  clearanceLevel?: number;
}

const EMAIL = /^[^\s@"]+@[^\s@"]+\.[^\s@"]+$/;
const blank = (value: string | undefined) => value === undefined || value.trim() === "";

/** Server field errors ("body.phone") onto the form's fields; the rest stay in the alert. */
function fieldErrors(error: unknown, locale: string) {
  if (!isApiError(error)) return [];
  return (error.problem.errors ?? []).flatMap((e) => {
    const parts = Array.isArray(e.path) ? e.path.map(String) : (e.path?.split(".") ?? []);
    const name = parts[0] === "body" ? parts[1] : undefined;
    return name && name !== "memberships" ? [{ name, errors: [localizedText(e, locale) ?? ""] }] : [];
  });
}

/**
 * Create an account (with memberships; the answer carries the one-time password) or edit one's profile
 * (PATCH with If-Match; only changed fields are sent, and masked phone/e-mail are never sent back).
 */
export function UserFormModal({
  open,
  user,
  onClose,
  onCreated,
  onSaved,
}: {
  open: boolean;
  /** The account to edit; absent: create. */
  user?: User;
  onClose: () => void;
  onCreated?: (created: { user: User; oneTimePassword: string }) => void;
  onSaved?: (user: User) => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const locale = useLocale();
  const [form] = Form.useForm<Values>();
  const [memberships, setMemberships] = useState<MembershipDraft[]>([]);
  const t = (key: string) => translate(`people.form.${key}`);
  const f = (key: string) => translate(`people.fields.${key}`);

  const save = useMutation({
    mutationFn: async (values: Values) => {
      if (!user) {
        const input: CreateUserInput = {
          username: values.username.trim(),
          displayName: values.displayName.trim(),
          ...(blank(values.employeeNo) ? {} : { employeeNo: values.employeeNo?.trim() }),
          ...(blank(values.phone) ? {} : { phone: values.phone?.trim() }),
          ...(blank(values.email) ? {} : { email: values.email?.trim() }),
          clearanceLevel: values.clearanceLevel ?? 0,
          memberships: toInputs(memberships),
        };
        return { created: await createUser(input) };
      }
      const patch: PatchUserInput = {};
      if (values.displayName.trim() !== user.displayName) patch.displayName = values.displayName.trim();
      const employeeNo = values.employeeNo?.trim() || null;
      if (employeeNo !== user.employeeNo) patch.employeeNo = employeeNo;
      if (!blank(values.phone)) patch.phone = values.phone?.trim();
      if (!blank(values.email)) patch.email = values.email?.trim();
      if ((values.clearanceLevel ?? 0) !== user.clearanceLevel) patch.clearanceLevel = values.clearanceLevel ?? 0;
      return { saved: Object.keys(patch).length > 0 ? await updateUser(user, patch) : user };
    },
    onSuccess: (result) => {
      form.resetFields();
      setMemberships([]);
      if (result.created) onCreated?.(result.created);
      if (result.saved) onSaved?.(result.saved);
    },
    onError: (error) => form.setFields(fieldErrors(error, locale) as Parameters<typeof form.setFields>[0]),
  });

  const problem = user ? null : memberships.length > 0 ? membershipProblem(memberships) : null;
  const stale = isApiError(save.error) && ["VERSION_CONFLICT", "CONCURRENT_CHANGE"].includes(save.error.code ?? "");

  return (
    <Modal
      open={open}
      title={t(user ? "editTitle" : "createTitle")}
      width={user ? 560 : 900}
      destroyOnHidden
      okText={t("save")}
      cancelText={t("cancel")}
      okButtonProps={{ loading: save.isPending, disabled: problem !== null, "data-testid": "user-save" } as ButtonProps}
      onOk={() => form.submit()}
      onCancel={() => {
        save.reset();
        form.resetFields();
        setMemberships([]);
        onClose();
      }}
    >
      {save.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("saveFailed")}
          description={
            <span data-testid="user-form-error">
              {stale ? `${errorText(save.error)} ${t("conflict")}` : errorText(save.error)}
            </span>
          }
        />
      )}
      <Form<Values>
        form={form}
        layout="vertical"
        onFinish={(values) => save.mutate(values)}
        initialValues={
          user
            ? { displayName: user.displayName, employeeNo: user.employeeNo ?? "", clearanceLevel: user.clearanceLevel }
            : { clearanceLevel: 0 }
        }
        data-testid="user-form"
      >
        <Row gutter={16}>
          {!user && (
            <Col xs={24} md={12}>
              <Form.Item
                name="username"
                label={f("username")}
                extra={t("usernameHint")}
                rules={[
                  { required: true, whitespace: true, message: t("usernameRequired") },
                  { pattern: USERNAME, message: t("usernameInvalid") },
                ]}
              >
                <Input maxLength={64} autoComplete="off" data-testid="user-username" />
              </Form.Item>
            </Col>
          )}
          <Col xs={24} md={user ? 24 : 12}>
            <Form.Item
              name="displayName"
              label={f("displayName")}
              rules={[{ required: true, whitespace: true, message: t("displayNameRequired") }]}
            >
              <Input maxLength={100} data-testid="user-display-name" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item
              name="employeeNo"
              label={f("employeeNo")}
              rules={[{ pattern: EMPLOYEE_NO, message: t("employeeNoInvalid") }]}
            >
              <Input maxLength={64} data-testid="user-employee-no" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="clearanceLevel" label={f("clearanceLevel")}>
              <InputNumber min={0} max={9} precision={0} style={{ width: "100%" }} />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item
              name="phone"
              label={f("phone")}
              extra={user ? t("clearKeep") : undefined}
              rules={[
                {
                  validator: async (_, value: string | undefined) => {
                    if (!blank(value) && !MAINLAND_MOBILE.test((value ?? "").replace(/[\s-]/g, ""))) {
                      throw new Error(t("phoneInvalid"));
                    }
                  },
                },
              ]}
            >
              <Input maxLength={32} placeholder={user?.phone ?? undefined} data-testid="user-phone" />
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item
              name="email"
              label={f("email")}
              extra={user ? t("clearKeep") : undefined}
              rules={[{ pattern: EMAIL, message: t("emailInvalid") }]}
            >
              <Input maxLength={254} placeholder={user?.email ?? undefined} data-testid="user-email" />
            </Form.Item>
          </Col>
        </Row>
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
          {t("personalHint")}
        </Typography.Paragraph>
        {!user && (
          <Form.Item label={translate("people.memberships.title")}>
            <MembershipsEditor value={memberships} onChange={setMemberships} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
