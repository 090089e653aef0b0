import { useLogout, useTranslate } from "@refinedev/core";
import { Button, Flex, Typography } from "antd";
import { useState } from "react";
import { AuthShell } from "../../components/AuthShell";
import { useSession } from "../../session/session";
import { useContinueSignIn } from "../../session/useContinueSignIn";
import { RecoveryCodes } from "./RecoveryCodes";
import { SignInSteps } from "./SignInSteps";
import { TotpEnrollment } from "./TotpEnrollment";

/**
 * First sign-in of an account that must use a second factor and has none: link an authenticator app, then
 * keep the recovery codes. The session is verified once the code is confirmed, but the page stays until the
 * user says the codes are saved — they are never shown again.
 */
export function MfaEnrollPage() {
  const translate = useTranslate();
  const session = useSession();
  const continueSignIn = useContinueSignIn();
  const { mutate: logout } = useLogout();
  const [codes, setCodes] = useState<string[]>();

  return (
    <AuthShell title={translate("identity.enroll.title")} width={480}>
      <SignInSteps current="mfa" />
      <Typography.Paragraph type="secondary">{translate("identity.enroll.intro")}</Typography.Paragraph>
      {codes ? (
        <RecoveryCodes codes={codes} username={session?.user.username ?? ""} onDone={() => void continueSignIn()} />
      ) : (
        session && <TotpEnrollment userId={session.user.id} onConfirmed={setCodes} />
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, fontSize: 12 }}>
        {translate("identity.enroll.later")}
      </Typography.Paragraph>
      <Flex justify="space-between">
        <Typography.Text type="secondary">{session?.user.username}</Typography.Text>
        <Button type="link" size="small" onClick={() => logout()} data-testid="enroll-logout">
          {translate("identity.verify.signOut")}
        </Button>
      </Flex>
    </AuthShell>
  );
}
