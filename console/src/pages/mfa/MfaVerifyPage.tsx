import { useLogout, useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Flex, Form, Input, Tabs, Typography } from "antd";
import { useState } from "react";
import { AuthShell } from "../../components/AuthShell";
import { useErrorText } from "../../hooks/useErrorText";
import { useSession } from "../../session/session";
import { useContinueSignIn } from "../../session/useContinueSignIn";
import { verifyRecoveryCode, verifySm2, verifyTotp } from "./mfaApi";
import { SignInSteps } from "./SignInSteps";
import { Sm2KeyInput } from "./Sm2KeyInput";
import type { Sm2Key } from "./sm2Key";
import { TOTP_CODE } from "./TotpEnrollment";

type Method = "totp" | "sm2" | "recovery";

const monospace = { letterSpacing: 4, fontFamily: "ui-monospace, Menlo, Consolas, monospace" };

/**
 * The second sign-in step for an account with a factor: an authenticator code, a signature with the SM2 key,
 * or a one-time recovery code. Only the methods the account has enrolled are offered (recovery always).
 */
export function MfaVerifyPage() {
  const translate = useTranslate();
  const errorText = useErrorText();
  const session = useSession();
  const continueSignIn = useContinueSignIn();
  const { mutate: logout } = useLogout();
  const enrolled = session?.mfa.enrolled ?? [];
  const methods: Method[] = [
    ...(enrolled.includes("totp") || enrolled.length === 0 ? (["totp"] as const) : []),
    ...(enrolled.includes("sm2") ? (["sm2"] as const) : []),
    "recovery",
  ];
  const [method, setMethod] = useState<Method>(methods[0] ?? "totp");
  const [key, setKey] = useState<Sm2Key | null>(null);

  const verify = useMutation({
    mutationFn: async (input: { method: Method; code?: string }) => {
      if (input.method === "totp") await verifyTotp(input.code ?? "");
      else if (input.method === "recovery") await verifyRecoveryCode(input.code ?? "");
      else if (key) await verifySm2(key);
      else throw new Error(translate("identity.sm2.noKey"));
    },
    onSuccess: () => continueSignIn(),
  });

  const codeForm = (name: Method, label: string, hint: string, required: string, pattern?: RegExp) => (
    <Form<{ code: string }>
      layout="vertical"
      requiredMark={false}
      onFinish={({ code }) => verify.mutate({ method: name, code: code.trim() })}
      data-testid={`mfa-form-${name}`}
    >
      <Form.Item
        name="code"
        label={label}
        extra={hint}
        rules={[{ required: true, whitespace: true, message: required, ...(pattern ? { pattern } : {}) }]}
      >
        <Input
          size="large"
          autoFocus
          autoComplete="one-time-code"
          inputMode={name === "totp" ? "numeric" : "text"}
          maxLength={name === "totp" ? 6 : 32}
          style={monospace}
          data-testid={`mfa-code-${name}`}
        />
      </Form.Item>
      <Button type="primary" htmlType="submit" block size="large" loading={verify.isPending} data-testid="mfa-submit">
        {translate("identity.verify.submit")}
      </Button>
    </Form>
  );

  const panes: Record<Method, { label: string; children: React.ReactNode }> = {
    totp: {
      label: translate("identity.verify.totpTab"),
      children: codeForm(
        "totp",
        translate("identity.verify.code"),
        translate("identity.verify.codeHint"),
        translate("identity.verify.codeRequired"),
        TOTP_CODE,
      ),
    },
    sm2: {
      label: translate("identity.verify.sm2Tab"),
      children: (
        <Flex vertical gap={16}>
          <Sm2KeyInput value={key} onChange={setKey} />
          <Button
            type="primary"
            size="large"
            block
            disabled={!key}
            loading={verify.isPending}
            onClick={() => verify.mutate({ method: "sm2" })}
            data-testid="mfa-sm2-submit"
          >
            {translate("identity.sm2.sign")}
          </Button>
        </Flex>
      ),
    },
    recovery: {
      label: translate("identity.verify.recoveryTab"),
      children: codeForm(
        "recovery",
        translate("identity.verify.recoveryCode"),
        translate("identity.verify.recoveryHint"),
        translate("identity.verify.recoveryRequired"),
      ),
    },
  };

  return (
    <AuthShell title={translate("identity.verify.title")}>
      <SignInSteps current="mfa" />
      <Typography.Paragraph type="secondary">{translate("identity.verify.intro")}</Typography.Paragraph>
      {verify.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={translate("identity.verify.failed")}
          description={<span data-testid="mfa-error">{errorText(verify.error)}</span>}
        />
      )}
      <Tabs
        activeKey={method}
        onChange={(next) => {
          setMethod(next as Method);
          verify.reset();
        }}
        items={methods.map((m) => ({
          key: m,
          label: <span data-testid={`mfa-tab-${m}`}>{panes[m].label}</span>,
          children: panes[m].children,
        }))}
      />
      <Flex justify="space-between" style={{ marginTop: 16 }}>
        <Typography.Text type="secondary">{session?.user.username}</Typography.Text>
        <Button type="link" size="small" onClick={() => logout()} data-testid="mfa-logout">
          {translate("identity.verify.signOut")}
        </Button>
      </Flex>
    </AuthShell>
  );
}
