import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Typography } from "antd";
import { useErrorText } from "../../hooks/useErrorText";
import { registerSm2 } from "./mfaApi";
import type { Sm2Key } from "./sm2Key";
import { useSm2KeyDraft } from "./useSm2KeyDraft";

/**
 * The SM2 choice of the first sign-in's enrolment: make a key here (download it first) or load an existing one,
 * and register it by signing a server challenge. That also passes the session's second factor, like confirming
 * an authenticator; the answer's recovery codes go to `onRegistered`.
 */
export function Sm2Enrollment({ onRegistered }: { onRegistered: (recoveryCodes: string[] | undefined) => void }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const draft = useSm2KeyDraft();
  const register = useMutation({
    mutationFn: (key: Sm2Key) => registerSm2(key, draft.label),
    onSuccess: ({ recoveryCodes }) => onRegistered(recoveryCodes),
  });

  return (
    <div data-testid="sm2-enrollment">
      <Typography.Paragraph type="secondary">{translate("identity.sm2Register.intro")}</Typography.Paragraph>
      {draft.fields}
      {register.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 16 }}
          message={translate("identity.sm2Register.failed")}
          description={<span data-testid="sm2-enroll-error">{errorText(register.error)}</span>}
        />
      )}
      <Button
        type="primary"
        block
        style={{ marginTop: 16 }}
        disabled={!draft.ready}
        loading={register.isPending}
        onClick={() => draft.key && register.mutate(draft.key)}
        data-testid="sm2-enroll-submit"
      >
        {translate("identity.sm2Enroll.submit")}
      </Button>
    </div>
  );
}
