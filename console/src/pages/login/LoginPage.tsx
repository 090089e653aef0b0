import { LockOutlined, UserOutlined } from "@ant-design/icons";
import { useLogin, useTranslate } from "@refinedev/core";
import { Alert, Button, Form, Input } from "antd";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { AuthShell } from "../../components/AuthShell";
import { useErrorText } from "../../hooks/useErrorText";
import type { LoginVariables } from "../../providers/authProvider";

type LoginForm = Pick<LoginVariables, "username" | "password">;

/**
 * Username and password: the first sign-in step. The answer says which step is owed next (second factor,
 * enrolment, password change); a failure shows the server's own message (zh or en), which never says
 * whether the account exists.
 */
export function LoginPage() {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { mutate: login, isPending } = useLogin<LoginVariables>();
  const [error, setError] = useState<unknown>();
  const [search] = useSearchParams();

  const submit = (values: LoginForm) => {
    setError(undefined);
    login(
      { ...values, to: search.get("to") },
      {
        onSuccess: (result) => {
          if (!result.success) setError(result.error ?? new Error("login failed"));
        },
        onError: setError,
      },
    );
  };

  return (
    <AuthShell title={translate("login.title")}>
      {error !== undefined && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("login.failed")}
          description={<span data-testid="login-error">{errorText(error)}</span>}
        />
      )}
      <Form<LoginForm> layout="vertical" requiredMark={false} onFinish={submit} data-testid="login-form">
        <Form.Item
          name="username"
          label={translate("login.username")}
          rules={[{ required: true, whitespace: true, message: translate("login.usernameRequired") }]}
        >
          <Input
            prefix={<UserOutlined />}
            autoComplete="username"
            maxLength={64}
            size="large"
            data-testid="login-username"
          />
        </Form.Item>
        <Form.Item
          name="password"
          label={translate("login.password")}
          rules={[{ required: true, message: translate("login.passwordRequired") }]}
        >
          <Input.Password
            prefix={<LockOutlined />}
            autoComplete="current-password"
            maxLength={128}
            size="large"
            data-testid="login-password"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" block size="large" loading={isPending} data-testid="login-submit">
          {translate("login.submit")}
        </Button>
      </Form>
    </AuthShell>
  );
}
