import { KeyOutlined, PlusOutlined, SafetyOutlined } from "@ant-design/icons";
import { useTranslate } from "@refinedev/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Modal, Popconfirm, Space, Table, Tag } from "antd";
import { useState } from "react";
import { useErrorText } from "../../hooks/useErrorText";
import type { Session } from "../../session/session";
import { formatBeijingTime } from "../../time";
import { type Factor, listFactors, regenerateRecoveryCodes, removeFactor } from "./mfaApi";
import { RecoveryCodes } from "./RecoveryCodes";
import { Sm2RegisterModal } from "./Sm2RegisterModal";
import { TotpEnrollment } from "./TotpEnrollment";

const FACTORS_KEY = ["mfa", "factors"];

/** The signed-in user's second factors: list, remove, set up an authenticator, add an SM2 key, new recovery codes. */
export function FactorsCard({ session }: { session: Session }) {
  const translate = useTranslate();
  const errorText = useErrorText();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const t = (key: string) => translate(`identity.factors.${key}`);
  const factors = useQuery({ queryKey: [...FACTORS_KEY, session.user.id], queryFn: listFactors });
  const [dialog, setDialog] = useState<"totp" | "sm2" | null>(null);
  const [codes, setCodes] = useState<string[]>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: FACTORS_KEY });

  const remove = useMutation({
    mutationFn: (factor: Factor) => removeFactor(factor.id),
    onSuccess: () => {
      message.success(t("removed"));
      void refresh();
    },
    onError: (error) => message.error(errorText(error)),
  });
  const regenerate = useMutation({
    mutationFn: regenerateRecoveryCodes,
    onSuccess: setCodes,
    onError: (error) => message.error(errorText(error)),
  });
  const hasTotp = factors.data?.some((f) => f.kind === "totp" && f.confirmedAt) ?? false;
  // Recovery codes stand in for a factor; without any factor there is nothing to recover.
  const hasFactor = factors.data?.some((f) => f.confirmedAt) ?? false;

  return (
    <Card
      title={
        <Space>
          <SafetyOutlined />
          {t("title")}
        </Space>
      }
      data-testid="my-factors"
      extra={
        <Space wrap>
          {!hasTotp && (
            <Button icon={<PlusOutlined />} onClick={() => setDialog("totp")} data-testid="factor-add-totp">
              {t("addTotp")}
            </Button>
          )}
          <Button icon={<KeyOutlined />} onClick={() => setDialog("sm2")} data-testid="factor-add-sm2">
            {t("addSm2")}
          </Button>
          {hasFactor && (
            <Popconfirm title={t("regenerateConfirm")} onConfirm={() => regenerate.mutate()}>
              <Button loading={regenerate.isPending} data-testid="factor-regenerate">
                {t("regenerate")}
              </Button>
            </Popconfirm>
          )}
        </Space>
      }
    >
      {factors.error && (
        <Alert type="error" showIcon message={t("loadFailed")} description={errorText(factors.error)} />
      )}
      <Table<Factor>
        rowKey="id"
        size="middle"
        loading={factors.isLoading}
        dataSource={factors.data}
        pagination={false}
        locale={{ emptyText: t("empty") }}
        onRow={(row) => ({ "data-testid": "factor-row", "data-kind": row.kind }) as object}
        columns={[
          {
            dataIndex: "kind",
            title: t("kind"),
            render: (kind: Factor["kind"], row) => (
              <Space>
                {translate(`identity.factors.kinds.${kind}`)}
                {!row.confirmedAt && <Tag color="orange">{t("pending")}</Tag>}
              </Space>
            ),
          },
          { dataIndex: "label", title: t("label") },
          { dataIndex: "createdAt", title: t("createdAt"), render: formatBeijingTime },
          { dataIndex: "confirmedAt", title: t("confirmedAt"), render: formatBeijingTime },
          {
            key: "actions",
            width: 90,
            render: (_: unknown, row) => (
              <Popconfirm title={t("removeConfirm")} onConfirm={() => remove.mutate(row)}>
                <Button size="small" danger loading={remove.isPending && remove.variables?.id === row.id}>
                  {t("remove")}
                </Button>
              </Popconfirm>
            ),
          },
        ]}
      />
      <Modal
        open={dialog === "totp"}
        title={t("addTotp")}
        footer={null}
        width={480}
        destroyOnHidden
        onCancel={() => setDialog(null)}
      >
        <TotpEnrollment
          userId={session.user.id}
          onConfirmed={(next) => {
            setDialog(null);
            setCodes(next);
            void refresh();
          }}
        />
      </Modal>
      <Sm2RegisterModal
        open={dialog === "sm2"}
        onClose={() => setDialog(null)}
        onDone={({ recoveryCodes }) => {
          setDialog(null);
          message.success(translate("identity.sm2Register.success"));
          // The account's first factor comes with recovery codes: show them, once.
          if (recoveryCodes) setCodes(recoveryCodes);
          void refresh();
        }}
      />
      <Modal
        open={codes !== undefined}
        title={translate("identity.recovery.title")}
        footer={null}
        closable={false}
        maskClosable={false}
        width={480}
      >
        {codes && (
          <RecoveryCodes
            codes={codes}
            username={session.user.username}
            onDone={() => setCodes(undefined)}
            doneLabel={translate("people.oneTimePassword.done")}
          />
        )}
      </Modal>
    </Card>
  );
}
