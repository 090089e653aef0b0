import { EyeInvisibleOutlined, EyeOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation } from "@tanstack/react-query";
import { App, Button, Popconfirm } from "antd";
import { useErrorText } from "../../hooks/useErrorText";
import { personalData, type User } from "./userApi";

export type ClearPersonalData = { phone: string | null; email: string | null };

/**
 * Phone and e-mail in the clear: an explicit action behind a warning that it is audited (the server records
 * every view). The parent shows the values in place of the masked ones and drops them on "hide".
 */
export function PersonalDataReveal({
  user,
  revealed,
  onChange,
}: {
  user: User;
  revealed: boolean;
  onChange: (data: ClearPersonalData | null) => void;
}) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const reveal = useMutation({
    mutationFn: () => personalData(user),
    onSuccess: onChange,
    onError: (error) => message.error(errorText(error)),
  });
  const t = (key: string, values?: Record<string, unknown>) => translate(`people.personal.${key}`, values);

  if (revealed) {
    return (
      <Button icon={<EyeInvisibleOutlined />} onClick={() => onChange(null)} data-testid="personal-data-hide">
        {t("hide")}
      </Button>
    );
  }
  return (
    <Popconfirm
      title={t("show")}
      description={<div style={{ maxWidth: 280 }}>{t("confirm", { name: user.displayName })}</div>}
      onConfirm={() => reveal.mutate()}
    >
      <Button icon={<EyeOutlined />} loading={reveal.isPending} data-testid="personal-data-show">
        {t("show")}
      </Button>
    </Popconfirm>
  );
}
