import { useLogout, useTranslate } from "@refinedev/core";
import { Button, Flex, Segmented, Typography } from "antd";
import { useState } from "react";
import { AuthShell } from "../../components/AuthShell";
import { useSession } from "../../session/session";
import { useContinueSignIn } from "../../session/useContinueSignIn";
import { RecoveryCodes } from "./RecoveryCodes";
import { SignInSteps } from "./SignInSteps";
import { Sm2Enrollment } from "./Sm2Enrollment";
import { TotpEnrollment } from "./TotpEnrollment";

type Method = "totp" | "sm2";

/**
 * First sign-in of an account that must use a second factor and has none: link an authenticator app (the
 * default) or register an SM2 key, then keep the recovery codes. The session is verified once the code is
 * confirmed or the key registered, but the page stays until the user says the codes are saved — they are never
 * shown again.
 */
export function MfaEnrollPage() {
  const translate = useTranslate();
  const session = useSession();
  const continueSignIn = useContinueSignIn();
  const { mutate: logout } = useLogout();
  const [method, setMethod] = useState<Method>("totp");
  const [codes, setCodes] = useState<string[]>();

  const choose = (
    <Segmented<Method>
      block
      value={method}
      onChange={setMethod}
      style={{ marginBottom: 16 }}
      data-testid="enroll-method"
      options={[
        { value: "totp", label: <span data-testid="enroll-method-totp">{translate("identity.verify.totpTab")}</span> },
        { value: "sm2", label: <span data-testid="enroll-method-sm2">{translate("identity.verify.sm2Tab")}</span> },
      ]}
    />
  );

  return (
    <AuthShell title={translate("identity.enroll.chooseTitle")} width={480}>
      <SignInSteps current="mfa" />
      <Typography.Paragraph type="secondary">{translate("identity.enroll.chooseIntro")}</Typography.Paragraph>
      {codes ? (
        <RecoveryCodes codes={codes} username={session?.user.username ?? ""} onDone={() => void continueSignIn()} />
      ) : (
        session && (
          <>
            {choose}
            {method === "totp" ? (
              <TotpEnrollment userId={session.user.id} onConfirmed={setCodes} />
            ) : (
              <Sm2Enrollment onRegistered={(next) => (next?.length ? setCodes(next) : void continueSignIn())} />
            )}
          </>
        )
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, fontSize: 12 }}>
        {translate(method === "totp" ? "identity.enroll.later" : "identity.sm2Enroll.later")}
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
