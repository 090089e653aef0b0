import { buttonTestId } from "./testIds";
import { useTranslate } from "@refinedev/core";
import { Alert, Modal, Table, Typography } from "antd";

export interface SecretRow {
  label: string;
  account?: string;
  secret: string;
}

const mono = { fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace" };

/**
 * Secrets the server shows exactly once (one-time passwords of a new tenant's admins, an API client's secret):
 * copyable, with the warning that they cannot be shown again. Closing needs an explicit click, not the mask.
 */
export function OneTimeSecret({ title, rows, onClose }: { title: string; rows: SecretRow[]; onClose: () => void }) {
  const translate = useTranslate();
  const hasAccount = rows.some((row) => row.account !== undefined);
  return (
    <Modal
      open
      title={title}
      onOk={onClose}
      onCancel={onClose}
      maskClosable={false}
      cancelButtonProps={{ style: { display: "none" } }}
      okText={translate("org.secret.done")}
      okButtonProps={buttonTestId("secret-done")}
      width={640}
    >
      <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={translate("org.secret.once")} />
      <Table<SecretRow>
        data-testid="one-time-secrets"
        size="small"
        pagination={false}
        rowKey={(row) => `${row.label}:${row.account ?? ""}`}
        dataSource={rows}
        columns={[
          { dataIndex: "label", title: translate("org.secret.what") },
          ...(hasAccount ? [{ dataIndex: "account", title: translate("org.secret.account") }] : []),
          {
            dataIndex: "secret",
            title: translate("org.secret.value"),
            render: (secret: string) => (
              <Typography.Text copyable={{ text: secret }} style={mono} data-testid="secret-value">
                {secret}
              </Typography.Text>
            ),
          },
        ]}
      />
    </Modal>
  );
}
