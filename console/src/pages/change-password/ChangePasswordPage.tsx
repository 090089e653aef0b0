import { LockOutlined } from "@ant-design/icons";
import { useLogout, useTranslate, useUpdatePassword } from "@refinedev/core";
import { Alert, App, Button, Flex, Form, Input, Typography } from "antd";
import { useState } from "react";
import { useNavigate } from "react-router";
import { isApiError, localizedText } from "../../api/ApiError";
import { AuthShell } from "../../components/AuthShell";
import { useErrorText } from "../../hooks/useErrorText";
import { useLocale } from "../../i18n/localeStore";
import type { PasswordVariables } from "../../providers/authProvider";
import { useSession } from "../../session/session";

interface PasswordForm extends PasswordVariables {
  confirmPassword: string;
}

/**
 * Forced after the first sign-in (and after a reset) until the server clears mustChangePassword; also
 * reachable from the header. The password policy is the server's: its rule messages are shown as sent.
 */
export function ChangePasswordPage() {
  const translate = useTranslate();
  const errorText = useErrorText();
  const locale = useLocale();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const session = useSession();
  const { mutate: updatePassword, isPending } = useUpdatePassword<PasswordVariables>();
  const { mutate: logout } = useLogout();
  const [error, setError] = useState<unknown>();
  const forced = session?.mustChangePassword ?? false;

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
          message.success(translate("password.success"));
          navigate("/", { replace: true });
        },
        onError: setError,
      },
    );
  };

  const ruleErrors = isApiError(error) ? (error.problem.errors ?? []) : [];

  return (
    <AuthShell title={translate("password.title")}>
      <Alert
        type={forced ? "warning" : "info"}
        showIcon
        style={{ marginBottom: 16 }}
        message={translate(forced ? "password.forced" : "password.voluntary")}
        data-testid="password-notice"
      />
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
      <Form<PasswordForm> layout="vertical" requiredMark={false} onFinish={submit} data-testid="password-form">
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
          extra={translate("password.rules")}
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
      <Flex justify="space-between" style={{ marginTop: 16 }}>
        <Typography.Text type="secondary">{session?.user.username}</Typography.Text>
        <Flex gap={8}>
          {!forced && (
            <Button type="link" size="small" onClick={() => navigate("/")}>
              {translate("password.back")}
            </Button>
          )}
          <Button type="link" size="small" onClick={() => logout()} data-testid="password-logout">
            {translate("header.logout")}
          </Button>
        </Flex>
      </Flex>
    </AuthShell>
  );
}
