import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { Alert, type ButtonProps, Modal, Typography } from "antd";
import { useErrorText } from "../../hooks/useErrorText";
import { registerSm2, type Sm2Registration } from "./mfaApi";
import type { Sm2Key } from "./sm2Key";
import { useSm2KeyDraft } from "./useSm2KeyDraft";

/**
 * Registers an SM2 key as a second factor: a key made here (the user must download the key file first) or an
 * existing private key. Registration proves possession by signing a server challenge; only the public key is sent.
 * When the key is the account's first factor the answer carries recovery codes, which `onDone` receives.
 */
export function Sm2RegisterModal({
  open,
  onClose,
  onDone,
}: {
  open: boolean;
  onClose: () => void;
  onDone: (registration: Sm2Registration) => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const t = (key: string) => translate(`identity.sm2Register.${key}`);
  const draft = useSm2KeyDraft();
  const register = useMutation({
    mutationFn: (k: Sm2Key) => registerSm2(k, draft.label),
    onSuccess: (registration) => {
      reset();
      onDone(registration);
    },
  });

  function reset() {
    draft.reset();
    register.reset();
  }

  return (
    <Modal
      open={open}
      title={t("title")}
      width={560}
      destroyOnHidden
      onCancel={() => {
        reset();
        onClose();
      }}
      okText={t("submit")}
      okButtonProps={
        { disabled: !draft.ready, loading: register.isPending, "data-testid": "sm2-register-submit" } as ButtonProps
      }
      onOk={() => draft.key && register.mutate(draft.key)}
    >
      <Typography.Paragraph type="secondary">{t("intro")}</Typography.Paragraph>
      {draft.fields}
      {register.error && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 16 }}
          message={t("failed")}
          description={errorText(register.error)}
        />
      )}
    </Modal>
  );
}
