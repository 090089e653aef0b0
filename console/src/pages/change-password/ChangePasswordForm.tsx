import { LockOutlined } from "@ant-design/icons";
import { useTranslate, useUpdatePassword } from "@refinedev/core";
import { Alert, Button, Form, Input } from "antd";
import { useState } from "react";
import { isApiError, localizedText } from "../../api/ApiError";
import { useErrorText } from "../../hooks/useErrorText";
import { useLocale } from "../../i18n/localeStore";
import type { PasswordVariables } from "../../providers/authProvider";
import { useSession } from "../../session/session";
import { PasswordRules } from "./PasswordRules";

interface PasswordForm extends PasswordVariables {
  confirmPassword: string;
}

/**
 * Current password, new password twice. The policy is the server's: its field errors (each failed rule, in
 * Chinese or English) are listed under the form as sent.
 */
export function ChangePasswordForm({ onChanged }: { onChanged: () => void }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const locale = useLocale();
  const session = useSession();
  const [form] = Form.useForm<PasswordForm>();
  const { mutate: updatePassword, isPending } = useUpdatePassword<PasswordVariables>();
  const [error, setError] = useState<unknown>();

  const submit = ({ currentPassword, newPassword }: PasswordForm) => {
    setError(undefined);
    updatePassword(
      { currentPassword, newPassword },
      {
        onSuccess: (result) => {
          if (!result.success) {
            setError(result.error ?? new Error("password change failed"));
            return;
          }
          form.resetFields();
          onChanged();
        },
        onError: setError,
      },
    );
  };

  const ruleErrors = isApiError(error) ? (error.problem.errors ?? []) : [];

  return (
    <>
      {error !== undefined && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("password.failed")}
          description={
            <div data-testid="password-error">
              <div>{errorText(error)}</div>
              {ruleErrors.length > 0 && (
                <ul style={{ margin: "4px 0 0", paddingInlineStart: 20 }}>
                  {ruleErrors.map((rule) => (
                    <li key={`${String(rule.path)}:${rule.message ?? rule.zh}`}>{localizedText(rule, locale)}</li>
                  ))}
                </ul>
              )}
            </div>
          }
        />
      )}
      <Form<PasswordForm>
        form={form}
        layout="vertical"
        requiredMark={false}
        onFinish={submit}
        data-testid="password-form"
      >
        <Form.Item
          name="currentPassword"
          label={translate("password.current")}
          rules={[{ required: true, message: translate("password.required") }]}
        >
          <Input.Password
            prefix={<LockOutlined />}
            autoComplete="current-password"
            maxLength={128}
            data-testid="password-current"
          />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={translate("password.next")}
          extra={<PasswordRules policy={session?.passwordPolicy ?? null} />}
          rules={[{ required: true, message: translate("password.required") }]}
        >
          <Input.Password
            prefix={<LockOutlined />}
            autoComplete="new-password"
            maxLength={128}
            data-testid="password-new"
          />
        </Form.Item>
        <Form.Item
          name="confirmPassword"
          label={translate("password.confirm")}
          dependencies={["newPassword"]}
          rules={[
            { required: true, message: translate("password.required") },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || value === getFieldValue("newPassword")
                  ? Promise.resolve()
                  : Promise.reject(new Error(translate("password.mismatch"))),
            }),
          ]}
        >
          <Input.Password
            prefix={<LockOutlined />}
            autoComplete="new-password"
            maxLength={128}
            data-testid="password-confirm"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={isPending} data-testid="password-submit">
          {translate("password.submit")}
        </Button>
      </Form>
    </>
  );
}
