import { useLogout, useTranslate } from "@refinedev/core";
import { Alert, App, Button, Flex, Typography } from "antd";
import { useNavigate } from "react-router";
import { AuthShell } from "../../components/AuthShell";
import { useSession } from "../../session/session";
import { useContinueSignIn } from "../../session/useContinueSignIn";
import { SignInSteps } from "../mfa/SignInSteps";
import { ChangePasswordForm } from "./ChangePasswordForm";

/**
 * Forced after the first sign-in, after a reset and when the password has expired, until the server clears
 * it; it comes after the second factor. Also reachable by a signed-in user for a voluntary change.
 */
export function ChangePasswordPage() {
  const translate = useTranslate();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const session = useSession();
  const continueSignIn = useContinueSignIn();
  const { mutate: logout } = useLogout();
  const forced = session?.next === "change-password";

  return (
    <AuthShell title={translate("password.title")}>
      {forced && <SignInSteps current="password" />}
      <Alert
        type={forced ? "warning" : "info"}
        showIcon
        style={{ marginBottom: 16 }}
        message={translate(forced ? "password.forced" : "password.voluntary")}
        data-testid="password-notice"
      />
      <ChangePasswordForm
        onChanged={() => {
          message.success(translate("password.success"));
          void continueSignIn().catch(() => navigate("/", { replace: true }));
        }}
      />
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
